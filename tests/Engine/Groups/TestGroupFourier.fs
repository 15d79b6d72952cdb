/// The unitary group Fourier transform (core/Engine/Groups/GroupFourier.cs): Parseval, the inverse, the
/// convolution theorem (x * w)_hat = d^-1/2 x_hat w_hat^* that the network's Fourier path rests on, and on C_n the
/// magnitudes of the unitary DFT.
module ImplicitBias.Tests.Engine.Groups.TestGroupFourier

open System
open System.Numerics
open Expecto
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Tests.TestUtil

let private groups = [ "D3"; "D4"; "D5"; "Q8"; "A4"; "S4"; "C6"; "D3xC2"; "Q8xC3"; "D15" ]
let private maxGap (a: Complex[]) (b: Complex[]) =
    Array.map2 (fun (x: Complex) (y: Complex) -> (x - y).Magnitude) a b |> Array.max
let private frobenius2 (blocks: Complex[][]) = blocks |> Array.sumBy (Array.sumBy (fun z -> z.Magnitude * z.Magnitude))

[<Tests>]
let tests =
    testList "Groups.Fourier" [
        testCase "Parseval and the inverse, real and complex f, to 1e-13" <| fun _ ->
            for name in groups do
                let f = GroupFourier(StandardGroups.Parse name)
                let n = f.Group.Order
                let x = gaussian 3UL n
                let hat = f.NewBlocks()
                f.Forward(ReadOnlySpan x, hat)
                Expect.isLessThan (abs (frobenius2 hat - dot x x) / dot x x) 1e-13 $"{name}: Parseval, real"
                let back = Array.zeroCreate n
                f.InverseReal(hat, Span back)
                Expect.isLessThan (relativeError back x) 1e-13 $"{name}: inverse, real"
                let y = gaussian 4UL n
                let z = Array.init n (fun g -> Complex(x[g], y[g]))
                let zHat = f.Forward z
                let total = dot x x + dot y y
                Expect.isLessThan (abs (frobenius2 zHat - total) / total) 1e-13 $"{name}: Parseval, complex"
                let zBack = f.Inverse zHat
                Expect.isLessThan (maxGap zBack z) 1e-13 $"{name}: inverse, complex"

        testCase "convolution theorem: (x * w)_hat(rho) = d^-1/2 x_hat(rho) w_hat(rho)^*" <| fun _ ->
            for name in groups do
                let f = GroupFourier(StandardGroups.Parse name)
                let n = f.Group.Order
                let x, w = gaussian 5UL n, gaussian 6UL n
                let conv: float[] = Array.zeroCreate n
                GroupConvolution.Apply(f.Group, ReadOnlySpan x, ReadOnlySpan w, Span conv)
                let hat (v: float[]) = (let b = f.NewBlocks() in f.Forward(ReadOnlySpan v, b); b)
                let xh, wh, ch = hat x, hat w, hat conv
                for t in 0 .. f.Irreps.Count - 1 do
                    let d = f.Irreps[t].Dimension
                    let product = Array.zeroCreate (d * d)
                    ComplexBlock.MultiplyAdjointRight(ReadOnlySpan xh[t], ReadOnlySpan wh[t], Span product, d)
                    let gap = maxGap (product |> Array.map (fun a -> a / sqrt (float d))) ch[t]
                    Expect.isLessThan gap 1e-13 $"{name} irrep {t}"

        testCase "on C_n the blocks are the unitary DFT's entries, up to their order" <| fun _ ->
            for n in [ 1; 2; 5; 12 ] do
                let f = GroupFourier(StandardGroups.Cyclic n)
                let x = gaussian 7UL n
                let hat = f.NewBlocks()
                f.Forward(ReadOnlySpan x, hat)
                let dft = Array.map (fun v -> Complex(v, 0.0)) x
                UnitaryDft.ForwardInPlace dft
                // rho_k(r^j) = e^(2 pi i j k / n): f_hat(rho_k) = conj(DFT[k]) = DFT[n - k] for real x. Match greedily.
                let remaining = Collections.Generic.List<Complex>(dft)
                for b in hat do
                    let nearest = remaining |> Seq.minBy (fun z -> (z - b[0]).Magnitude)
                    Expect.isLessThan (nearest - b[0]).Magnitude 1e-12 $"C{n}: a block is a DFT entry"
                    remaining.Remove nearest |> ignore
    ]
