/// The interior-point building blocks: second-order-cone algebra and the real Fourier basis.
module ImplicitBias.Tests.TestReferenceCone

open System
open System.Numerics
open Expecto
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Tests.TestUtil

/// A random point strictly inside the cone: u0 = ||u1|| + positive slack.
let interior seed n =
    let v = gaussian seed n
    let tail = v.[1..] |> Array.sumBy (fun x -> x * x) |> sqrt
    v.[0] <- tail + 0.1 + abs v.[0]
    v

let private ro (a: float[]) = ReadOnlySpan a

[<Tests>]
let tests =
    testList "ReferenceCone" [
        testCase "Nesterov-Todd scaling: W z = W^-1 s, and W^-1 undoes W" <| fun () ->
            for seed in 1UL .. 20UL do
                let n = 2 + int (seed % 5UL)
                let s, z = interior seed n, interior (seed + 100UL) n
                let c = SecondOrderCone(ro s, ro z)
                let wz, wis, back = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
                c.Apply(ro z, Span wz)
                c.ApplyInverse(ro s, Span wis)
                c.ApplyInverse(ro wz, Span back)
                Expect.isLessThan (relativeError wz wis) 1e-12 "W z = W^-1 s"
                Expect.isLessThan (relativeError back z) 1e-12 "W^-1 W z = z"

        testCase "Jordan division inverts the Jordan product" <| fun () ->
            for seed in 1UL .. 20UL do
                let n = 2 + int (seed % 5UL)
                let l, x = interior seed n, gaussian (seed + 7UL) n
                let r, back = Array.zeroCreate n, Array.zeroCreate n
                SecondOrderCone.Product(ro l, ro x, Span r)
                // the product written out from its definition (l'x, l0 x1 + x0 l1)
                Expect.floatClose Accuracy.high r.[0] (dot l x) "first entry is the inner product"
                for i in 1 .. n - 1 do Expect.floatClose Accuracy.high r.[i] (l.[0] * x.[i] + x.[0] * l.[i]) "tail"
                SecondOrderCone.Divide(ro l, ro r, Span back)
                Expect.isLessThan (relativeError back x) 1e-10 "division recovers x"

        testCase "max step lands exactly on the cone boundary" <| fun () ->
            for seed in 1UL .. 20UL do
                let n = 2 + int (seed % 5UL)
                let u, d = interior seed n, gaussian (seed + 50UL) n |> Array.map (fun v -> 3.0 * v)
                let t = SecondOrderCone.MaxStep(ro u, ro d)
                if Double.IsFinite t then
                    let p = Array.map2 (fun a b -> a + t * b) u d
                    let tail = p.[1..] |> Array.sumBy (fun x -> x * x) |> sqrt
                    Expect.isLessThan (abs (p.[0] - tail)) (1e-9 * (1.0 + abs p.[0])) "on the boundary"
                    Expect.isGreaterThanOrEqual p.[0] -1e-12 "the boundary of the cone, not of its negative"
                    let inside = Array.map2 (fun a b -> a + 0.999 * t * b) u d
                    Expect.isGreaterThan inside.[0] (inside.[1..] |> Array.sumBy (fun x -> x * x) |> sqrt)
                        "inside before t"
                else
                    for k in [ 1.0; 10.0; 1e4 ] do
                        let p = Array.map2 (fun a b -> a + k * b) u d
                        Expect.isGreaterThan p.[0] (p.[1..] |> Array.sumBy (fun x -> x * x) |> sqrt)
                            "the ray stays inside"

        testCase "real Fourier basis: orthogonal, invertible, and its group norms are ||beta_hat||_1" <| fun () ->
            for dim in [ 1; 2; 3; 4; 7; 8; 9; 16 ] do
                let beta = gaussian (uint64 dim) dim
                let c = RealFourierBasis.Forward(ro beta)
                Expect.floatClose Accuracy.high (dot c c) (dot beta beta) $"Parseval D={dim}"
                Expect.isLessThan (relativeError (RealFourierBasis.Inverse(ro c)) beta) 1e-12 $"inverse D={dim}"
                let struct (start, size, weight) = RealFourierBasis.Groups dim
                Expect.equal (Array.sum size) dim "groups cover every coordinate"
                let groupNorm =
                    Array.init start.Length (fun j ->
                        weight.[j] * sqrt (Array.sumBy (fun x -> x * x) c.[start.[j] .. start.[j] + size.[j] - 1]))
                    |> Array.sum
                let naive = NaiveDft.Forward(ReadOnlySpan(beta |> Array.map (fun v -> Complex(v, 0.0))))
                            |> Array.sumBy (fun z -> z.Magnitude)
                Expect.floatClose Accuracy.high groupNorm naive $"||beta_hat||_1 D={dim}"
    ]
