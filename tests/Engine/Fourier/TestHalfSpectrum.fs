/// Tests of the packed half spectrum of real signals against the full unitary DFT.
module ImplicitBias.Tests.TestHalfSpectrum

open Expecto
open ImplicitBias.Engine.Fourier
open ImplicitBias.Tests.TestUtil

let private packedDot (d: int) (a: float[]) (b: float[]) =
    let pa = Array.zeroCreate d
    let pb = Array.zeroCreate d
    HalfSpectrum.Pack(System.ReadOnlySpan a, System.Span pa)
    HalfSpectrum.Pack(System.ReadOnlySpan b, System.Span pb)
    let c = HalfSpectrum.InnerProductWeights d
    Array.init d (fun i -> pa.[i] * c.[i] * pb.[i]) |> Array.sum

[<Tests>]
let tests =
    testList "HalfSpectrum" [
        testCase "weighted packed inner product equals the time-domain one (Parseval), even and odd D" <| fun () ->
            for d in [ 1; 2; 3; 7; 8; 16; 33; 64 ] do
                let a = gaussian (uint64 d) d
                let b = gaussian (uint64 (d + 100)) d
                let expected = dot a b
                let actual = packedDot d a b
                Expect.isLessThan (abs (actual - expected)) (1e-12 * (1.0 + abs expected)) $"D = {d}"

        testCase "packed entries are the DFT's real parts for k <= D/2 and imaginary parts for 0 < k < D/2" <| fun () ->
            for d in [ 5; 8 ] do
                let a = gaussian 3UL d
                let full =
                    NaiveDft.Forward(System.ReadOnlySpan(a |> Array.map (fun x -> System.Numerics.Complex(x, 0.0))))
                let p = Array.zeroCreate d
                HalfSpectrum.Pack(System.ReadOnlySpan a, System.Span p)
                let h = d / 2 + 1
                let expected = Array.append [| for k in 0 .. h - 1 -> full.[k].Real |]
                                            [| for k in 1 .. d - h -> full.[k].Imaginary |]
                Expect.isLessThan (relativeError p expected) 1e-12 $"D = {d}"

        testCase "InverseReal of Forward is the identity" <| fun () ->
            for d in [ 1; 2; 9; 12 ] do
                let a = gaussian 5UL d
                let h = HalfSpectrum.Count d
                let re, im = Array.zeroCreate h, Array.zeroCreate h
                HalfSpectrum.Forward(System.ReadOnlySpan a, System.Span re, System.Span im)
                let back = Array.zeroCreate d
                HalfSpectrum.InverseReal(System.ReadOnlySpan re, System.ReadOnlySpan im, System.Span back)
                Expect.isLessThan (relativeError back a) 1e-12 $"D = {d}"
    ]
