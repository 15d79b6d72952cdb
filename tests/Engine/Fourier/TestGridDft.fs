/// The 2-D unitary DFT (GridDft) against its naive twin, the grid half spectrum (Parseval, layout,
/// round trip, its count of self-conjugate frequencies) and Lemma 3 on 2-D grids for the full-width network.
module ImplicitBias.Tests.TestGridDft

open System
open System.Numerics
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Tests.TestUtil

let private grids = [ Grid(1, 1); Grid(1, 7); Grid(1, 8); Grid(5, 1); Grid(2, 3); Grid(3, 4); Grid(4, 4); Grid(5, 6);
                      Grid(6, 5) ]
let private complexOf (a: float[]) = a |> Array.map (fun x -> Complex(x, 0.0))
let private complexError (a: Complex[]) (b: Complex[]) : float =
    let scale = b |> Array.map (fun (z: Complex) -> z.Magnitude) |> Array.max |> max 1e-300
    Array.map2 (fun (x: Complex) (y: Complex) -> Complex.Abs(x - y)) a b |> Array.max |> fun e -> e / scale

[<Tests>]
let tests =
    testList "GridDft" [
        testCase "GridDft = the naive 2-D DFT, forward and inverse, complex signals" <| fun () ->
            for g in grids do
                let z = Array.init g.Count (fun i ->
                    Complex((gaussian (uint64 g.Count) g.Count)[i], (gaussian (uint64 (g.Count + 50)) g.Count)[i]))
                let fast = Array.copy z
                GridDft.ForwardInPlace(g, fast)
                Expect.isLessThan (complexError fast (NaiveDft.Forward(g, ReadOnlySpan z))) 1e-12 $"forward {g}"
                let back = Array.copy z
                GridDft.InverseInPlace(g, back)
                Expect.isLessThan (complexError back (NaiveDft.Inverse(g, ReadOnlySpan z))) 1e-12 $"inverse {g}"

        testCase "the naive 2-D DFT of a separable signal a[i] b[j] is a_hat[k1] b_hat[k2] (two 1-D naive DFTs)"
        <| fun () ->
            for m, n in [ (3, 4); (5, 2) ] do
                let a, b = gaussian 1UL m, gaussian 2UL n
                let z = Array.init (m * n) (fun p -> Complex(a[p / n] * b[p % n], 0.0))
                let ah, bh = NaiveDft.Forward(ReadOnlySpan(complexOf a)), NaiveDft.Forward(ReadOnlySpan(complexOf b))
                let expected = Array.init (m * n) (fun k -> ah[k / n] * bh[k % n])
                Expect.isLessThan (complexError (NaiveDft.Forward(Grid(m, n), ReadOnlySpan z)) expected) 1e-12
                    $"{m}x{n}"

        testCase
            ("grid half spectrum: H = (D + S) / 2 with S self-conjugate frequencies (1, 2 or 4 by the parities of "
             + "M, N), and on a line it is k = 0..D/2") <| fun () ->
            for g in grids do
                let s = (if g.Rows % 2 = 0 then 2 else 1) * (if g.Columns % 2 = 0 then 2 else 1)
                let spectrum = GridHalfSpectrum(g)
                Expect.equal spectrum.Count ((g.Count + s) / 2) $"{g}"
                Expect.equal ([ 0 .. spectrum.Count - 1 ] |> List.filter spectrum.IsSelfConjugate |> List.length) s
                    $"{g} self-conjugate"
                if g.IsLine then
                    Expect.equal [ for r in 0 .. spectrum.Count - 1 -> spectrum.Frequency r ] [ 0 .. g.Count / 2 ]
                        "line"

        testCase
            ("grid half spectrum: packed entries are the 2-D DFT's parts at the representatives, Parseval holds, "
             + "InverseReal o Forward = id") <| fun () ->
            for g in grids do
                let spectrum = GridHalfSpectrum(g)
                let d, h = g.Count, spectrum.Count
                let a, b = gaussian (uint64 (3 * d)) d, gaussian (uint64 (3 * d + 1)) d
                let full = NaiveDft.Forward(g, ReadOnlySpan(complexOf a))
                let pa, pb = Array.zeroCreate d, Array.zeroCreate d
                spectrum.Pack(ReadOnlySpan a, Span pa)
                spectrum.Pack(ReadOnlySpan b, Span pb)
                let expected = Array.init d (fun i ->
                    if i < h then full[spectrum.Frequency i].Real
                    else full[spectrum.Frequency(spectrum.RepresentativeOfSlot i)].Imaginary)
                Expect.isLessThan (relativeError pa expected) 1e-12 $"{g} packed"
                let c = spectrum.InnerProductWeights()
                let packed = Array.init d (fun i -> pa[i] * c[i] * pb[i]) |> Array.sum
                Expect.isLessThan (abs (packed - dot a b)) (1e-12 * (1.0 + abs (dot a b))) $"{g} Parseval"
                let re, im = Array.zeroCreate h, Array.zeroCreate h
                spectrum.Forward(ReadOnlySpan a, Span re, Span im)
                let back = Array.zeroCreate d
                spectrum.InverseReal(ReadOnlySpan re, ReadOnlySpan im, Span back)
                Expect.isLessThan (relativeError back a) 1e-12 $"{g} round trip"

        testCase
            ("2-D Lemma 3: beta_hat = prod_l w_hat_l (complex) for the full-width network (time-domain beta, "
             + "naive 2-D DFT)") <| fun () ->
            for g in [ Grid(2, 3); Grid(3, 4); Grid(4, 4); Grid(1, 9) ] do
                for depth in 1 .. 4 do
                    let model = KernelConvolutionalNetwork(g, KernelSize.Full g, 1, depth)
                    let w = gaussian (uint64 (g.Count * 10 + depth)) model.ParameterCount
                    let betaHat = NaiveDft.Forward(g, ReadOnlySpan(complexOf (model.Predictor(ReadOnlySpan w))))
                    let layers =
                        [ for l in 0 .. depth - 1 ->
                            NaiveDft.Forward(g, ReadOnlySpan(complexOf w[l * g.Count .. (l + 1) * g.Count - 1])) ]
                    // As in 1-D (docs/manual.md, Conventions): beta is C_1^T ... C_{L-1}^T w_L and the adjoint of the
                    // paper's cross-correlation is a convolution, so beta_hat = w_hat_1 .* ... .* w_hat_L with no
                    // conjugates.
                    let product =
                        Array.init g.Count (fun k -> layers |> List.fold (fun acc s -> acc * s[k]) Complex.One)
                    Expect.isLessThan (complexError betaHat product) 1e-12 $"{g} L={depth}"
    ]
