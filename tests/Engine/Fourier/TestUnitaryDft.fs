/// The unitary DFT (core/Engine/Fourier) against its definition and its mathematical properties.
module ImplicitBias.Tests.TestUnitaryDft

open System.Numerics
open Expecto
open ImplicitBias.Engine.Fourier
open ImplicitBias.Tests.TestUtil

let private complexError (a: Complex[]) (b: Complex[]) =
    let scale = b |> Array.map (fun (z: Complex) -> z.Magnitude) |> Array.max |> max 1e-300
    Array.map2 (fun (x: Complex) (y: Complex) -> (x - y).Magnitude) a b |> Array.max |> fun e -> e / scale

/// Sizes 1..64 and a few larger non-powers of two: radix-2 and Bluestein paths both.
let private sizes = [ 1 .. 64 ] @ [ 97; 100; 127; 128; 255; 256 ]

[<Tests>]
let tests =
    testList "UnitaryDft" [
        testCase "matches the naive O(D^2) DFT for every D up to 64 and some larger ones" <| fun _ ->
            for d in sizes do
                let x = gaussian (uint64 d) d
                let fast = UnitaryDft.Forward(System.ReadOnlySpan x)
                let slow = NaiveDft.Forward(System.ReadOnlySpan(x |> Array.map (fun v -> Complex(v, 0.0))))
                Expect.isLessThan (complexError fast slow) 1e-12 $"D = {d}"

        testCase "the inverse matches the naive inverse" <| fun _ ->
            for d in [ 1; 5; 16; 30 ] do
                let re, im = gaussian 1UL d, gaussian 2UL d
                let z = Array.init d (fun i -> Complex(re[i], im[i]))
                let fast = Array.copy z
                UnitaryDft.InverseInPlace fast
                Expect.isLessThan (complexError fast (NaiveDft.Inverse(System.ReadOnlySpan z))) 1e-12 $"D = {d}"

        testCase "convention: omega = exp(-2 pi i / D), unitary scaling (a unit impulse at p=1)" <| fun _ ->
            // Direct from the paper's definition: e_1 maps to D^{-1/2} omega^k.
            let d = 7
            let e1 = Array.init d (fun i -> if i = 1 then 1.0 else 0.0)
            let spectrum = UnitaryDft.Forward(System.ReadOnlySpan e1)
            for k in 0 .. d - 1 do
                let expected =
                    Complex.FromPolarCoordinates(1.0 / sqrt (float d), -2.0 * System.Math.PI * float k / float d)
                Expect.isLessThan (spectrum[k] - expected).Magnitude 1e-14 $"k = {k}"

        testCase "Parseval: ||x_hat|| = ||x|| for every D" <| fun _ ->
            for d in sizes do
                let x = gaussian (uint64 (d + 1000)) d
                let spectrum = UnitaryDft.Forward(System.ReadOnlySpan x)
                let energy = spectrum |> Array.sumBy (fun z -> z.Magnitude * z.Magnitude)
                Expect.floatClose Accuracy.high energy (dot x x) $"D = {d}"

        testCase "round trip: inverse(forward(x)) = x" <| fun _ ->
            for d in sizes do
                let x = gaussian (uint64 (d + 2000)) d
                let back = UnitaryDft.InverseReal(System.ReadOnlySpan(UnitaryDft.Forward(System.ReadOnlySpan x)))
                Expect.isLessThan (relativeError back x) 1e-13 $"D = {d}"

        testCase "real signals have Hermitian spectra: x_hat[k] = conj(x_hat[D-k])" <| fun _ ->
            for d in sizes do
                let x = gaussian (uint64 (d + 3000)) d
                let s = UnitaryDft.Forward(System.ReadOnlySpan x)
                for k in 0 .. d - 1 do
                    let partner = Complex.Conjugate s[(d - k) % d]
                    Expect.isLessThan (s[k] - partner).Magnitude 1e-12 $"D = {d}, k = {k}"

        testProperty "Parseval and round trip on random sizes and values"
        <| fun (size: FsCheck.PositiveInt) (seed: uint64) ->
            let d = 1 + size.Get % 200
            let x = gaussian seed d
            let spectrum = UnitaryDft.Forward(System.ReadOnlySpan x)
            let energy = spectrum |> Array.sumBy (fun z -> z.Magnitude * z.Magnitude)
            abs (energy - dot x x) <= 1e-10 * dot x x
            && relativeError (UnitaryDft.InverseReal(System.ReadOnlySpan spectrum)) x < 1e-12
    ]
