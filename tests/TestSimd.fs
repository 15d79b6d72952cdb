/// The Simd hot loops against plain scalar loops.
module ImplicitBias.Tests.TestSimd

open Expecto
open ImplicitBias.Engine.Numerics
open ImplicitBias.Tests.TestUtil

[<Tests>]
let tests =
    testList "Simd" [
        testCase "Dot, AddScaled and MultiplyInPlace match scalar loops at lengths around the vector width" <| fun () ->
            for n in [ 0; 1; 3; 4; 5; 15; 16; 17; 33; 100 ] do
                let a = gaussian 1UL n
                let b = gaussian 2UL n
                let expectedDot = Array.fold2 (fun s x y -> s + x * y) 0.0 a b
                let actualDot = Simd.Dot(System.ReadOnlySpan a, System.ReadOnlySpan b)
                Expect.isLessThan (abs (actualDot - expectedDot)) (1e-13 * (1.0 + (Array.sumBy abs a) * (Array.sumBy abs b))) $"Dot, n = {n}"
                let y = Array.copy a
                Simd.AddScaled(System.Span y, -0.7, System.ReadOnlySpan b)
                if n > 0 then Expect.isLessThan (relativeError y (Array.map2 (fun x z -> x - 0.7 * z) a b)) 1e-15 $"AddScaled, n = {n}"
                let p = Array.copy a
                Simd.MultiplyInPlace(System.Span p, System.ReadOnlySpan b)
                Expect.sequenceEqual p (Array.map2 (*) a b) $"MultiplyInPlace is exact, n = {n}"
    ]
