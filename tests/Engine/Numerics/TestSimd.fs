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
                Expect.isLessThan (abs (actualDot - expectedDot))
                    (1e-13 * (1.0 + (Array.sumBy abs a) * (Array.sumBy abs b))) $"Dot, n = {n}"
                let y = Array.copy a
                Simd.AddScaled(System.Span y, -0.7, System.ReadOnlySpan b)
                if n > 0 then
                    Expect.isLessThan (relativeError y (Array.map2 (fun x z -> x - 0.7 * z) a b)) 1e-15
                        $"AddScaled, n = {n}"
                let p = Array.copy a
                Simd.MultiplyInPlace(System.Span p, System.ReadOnlySpan b)
                Expect.sequenceEqual p (Array.map2 (*) a b) $"MultiplyInPlace is exact, n = {n}"
    
        testCase "Dot4 and Dot4AndAddScaledRows match Dot and AddScaledRows bit for bit, and naive sums" <| fun () ->
            for d in [ 1; 3; 4; 7; 8; 9; 16; 17; 64; 101 ] do
                let stride = d + 3 // rows longer than the part used
                let next = gaussian 11UL (4 * stride)
                let current = gaussian 12UL (4 * stride)
                let v = gaussian 13UL d
                let u = gaussian 14UL 4
                let g0 = gaussian 15UL d
                let mutable m0, m1, m2, m3 = 0.0, 0.0, 0.0, 0.0
                Simd.Dot4(System.ReadOnlySpan next, stride, d, System.ReadOnlySpan v, &m0, &m1, &m2, &m3)
                let naive i = Array.init d (fun j -> next.[i * stride + j] * v.[j]) |> Array.sum
                for (i, m) in List.indexed [ m0; m1; m2; m3 ] do
                    Expect.isLessThan (abs (m - naive i)) (1e-13 * (1.0 + float d)) $"Dot4 row {i}, d = {d}"
                let expectedG = Array.copy g0
                Simd.AddScaledRows(System.ReadOnlySpan current, stride, 4, 0, System.ReadOnlySpan u,
                                   System.Span expectedG)
                let naiveG =
                    Array.init d (fun j -> g0.[j] + (List.sum [ for i in 0 .. 3 -> u.[i] * current.[i * stride + j] ]))
                Expect.isLessThan (relativeError expectedG naiveG) 1e-14 $"AddScaledRows vs naive, d = {d}"
                let g = Array.copy g0
                let mutable f0, f1, f2, f3 = 0.0, 0.0, 0.0, 0.0
                Simd.Dot4AndAddScaledRows(System.ReadOnlySpan next, System.ReadOnlySpan current, stride, d,
                                          System.ReadOnlySpan v, System.ReadOnlySpan u, System.Span g,
                                          &f0, &f1, &f2, &f3)
                Expect.sequenceEqual [ f0; f1; f2; f3 ] [ m0; m1; m2; m3 ] $"fused margins = Dot4 bit for bit, d = {d}"
                Expect.sequenceEqual g expectedG $"fused accumulation = AddScaledRows bit for bit, d = {d}"

        testCase "SplitComplex multiply, conjugate multiply and weighted norm match System.Numerics.Complex"
        <| fun () ->
            for n in [ 0; 1; 3; 4; 5; 9; 33 ] do
                let ar, ai, br, bi = gaussian 21UL n, gaussian 22UL n, gaussian 23UL n, gaussian 24UL n
                let c = gaussian 25UL n |> Array.map abs
                let za = Array.init n (fun k -> System.Numerics.Complex(ar.[k], ai.[k]))
                let zb = Array.init n (fun k -> System.Numerics.Complex(br.[k], bi.[k]))
                let outRe, outIm = Array.zeroCreate n, Array.zeroCreate n
                SplitComplex.Multiply(System.ReadOnlySpan ar, System.ReadOnlySpan ai, System.ReadOnlySpan br,
                                      System.ReadOnlySpan bi, System.Span outRe, System.Span outIm)
                for k in 0 .. n - 1 do
                    let z = za.[k] * zb.[k]
                    Expect.isLessThan (abs (outRe.[k] - z.Real) + abs (outIm.[k] - z.Imaginary)) 1e-14 $"product {k}"
                SplitComplex.MultiplyConjugate(System.ReadOnlySpan ar, System.ReadOnlySpan ai, System.ReadOnlySpan br,
                                               System.ReadOnlySpan bi, System.Span outRe, System.Span outIm)
                for k in 0 .. n - 1 do
                    let z = za.[k] * System.Numerics.Complex.Conjugate zb.[k]
                    Expect.isLessThan (abs (outRe.[k] - z.Real) + abs (outIm.[k] - z.Imaginary)) 1e-14
                        $"conjugate product {k}"
                // In place (outputs = first inputs) gives the same values.
                let xr, xi = Array.copy ar, Array.copy ai
                SplitComplex.Multiply(System.ReadOnlySpan xr, System.ReadOnlySpan xi, System.ReadOnlySpan br,
                                      System.ReadOnlySpan bi, System.Span xr, System.Span xi)
                let yr, yi = Array.zeroCreate n, Array.zeroCreate n
                SplitComplex.Multiply(System.ReadOnlySpan ar, System.ReadOnlySpan ai, System.ReadOnlySpan br,
                                      System.ReadOnlySpan bi, System.Span yr, System.Span yi)
                Expect.sequenceEqual xr yr "in place, real parts"
                Expect.sequenceEqual xi yi "in place, imaginary parts"
                let norm = SplitComplex.WeightedSquaredNorm(System.ReadOnlySpan c, System.ReadOnlySpan ar,
                                                            System.ReadOnlySpan ai)
                let naive = Array.init n (fun k -> c.[k] * (za.[k].Magnitude ** 2.0)) |> Array.sum
                Expect.isLessThan (abs (norm - naive)) (1e-14 * (1.0 + naive)) $"weighted norm, n = {n}"
    ]
