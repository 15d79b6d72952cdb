/// The bridge polish's Newton step by the Schur complement (KktSchurStep, the fast path) against the
/// dense LU of the whole KKT Jacobian (the slow twin), on the KKT systems of certified bridge limits.
module ImplicitBias.Tests.TestKktSchurStep

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestUtil

/// The KKT system of the certified bridge limit of a seeded set, and a point near its solution.
let private system (seed: uint64) (n: int) (d: int) (p: float) (kind: LimitKind) =
    let data =
        if seed % 2UL = 0UL then SyntheticData.GaussianTeacher(n, d, seed)
        else SyntheticData.FourierSparseTeacher(n, d, 3, seed)
    let limit = CertifiedLimit.Find(data, kind, p, ReadOnlySpan(TestUtil.gaussian seed d))
    let space =
        EntrySpace.Line(d, (if kind = LimitKind.FourierBridge then PenaltyDomain.Fourier else PenaltyDomain.Time))
    let z = data.SignedFeatures()
    let points = Array.init n (fun i -> space.Of(ReadOnlySpan(z, i * d, d)))
    let margins = Array.init n (fun i -> TestUtil.dot z[i * d .. i * d + d - 1] limit.Direction)
    let beta = limit.Direction |> Array.map (fun v -> v / Array.min margins)
    let entries = space.Of(ReadOnlySpan beta)
    let top = entries |> Array.map (fun e -> e.Magnitude) |> Array.max
    let support = [| for j in 0 .. entries.Length - 1 do if entries[j].Magnitude > 1e-8 * top then yield j |]
    let active = [| for i in 0 .. n - 1 do if margins[i] / Array.min margins <= 1.0 + 1e-8 then yield i |]
    let kkt = SupportKkt(points, support, active, space, p)
    let u = kkt.CoordinatesOf(ReadOnlySpan entries)
    let struct (alpha, _) = kkt.Fit(ReadOnlySpan entries)
    let nudge = TestUtil.gaussian (seed + 100UL) u.Length
    limit.Status, kkt, Array.map2 (fun a b -> a * (1.0 + 1e-3 * b)) u nudge, alpha |> Array.map (fun a -> a * 1.01),
    (points, support, active)

[<Tests>]
let tests =
    testList "KktSchurStep" [
        testCase
            ("Schur step = dense LU step, and the polished points agree, on 24 seeded bridge limits (p = 2/3, 1/2, "
             + "2/5; Fourier and time; D = 12, 20, 33)") <| fun _ ->
            let mutable compared = 0
            for seed in 1UL .. 24UL do
                let d = [| 12; 20; 33 |][int seed % 3]
                let n = d / 2 + int seed % 5
                let p = [| 2.0 / 3.0; 0.5; 0.4 |][int (seed / 3UL) % 3]
                let kind = if seed % 4UL < 2UL then LimitKind.FourierBridge else LimitKind.TimeBridge
                let status, kkt, u, alpha, _ = system seed n d p kind
                if status = LimitStatus.Certified && kkt.Active.Length > 0 then
                    // The fast path itself (BridgeKktPolish.Step would hide a broken one behind its dense fallback).
                    let rhs =
                        Array.append (kkt.Stationarity(ReadOnlySpan u, ReadOnlySpan alpha))
                                     (kkt.MarginDefects(ReadOnlySpan u))
                        |> Array.map (fun v -> -v)
                    let fast = KktSchurStep.Solve(kkt, u, rhs)
                    let slow = BridgeKktPolish.Step(kkt, u, alpha, dense = true)
                    Expect.isNotNull fast $"seed {seed}: the Schur step applies"
                    Expect.isLessThan (relativeDifference fast slow) 1e-8 $"seed {seed}: the same Newton step"
                    let a = BridgeKktPolish.Run(kkt, u, alpha)
                    let b = BridgeKktPolish.Run(kkt, u, alpha, dense = true)
                    Expect.isLessThan (relativeDifference a.U b.U) 1e-12 $"seed {seed}: the same polished point"
                    Expect.isLessThan a.DefectNorm 1e-10 $"seed {seed}: polished to round-off"
                    compared <- compared + 1
            Expect.isGreaterThanOrEqual compared 20 "most sets certify and are compared"

        testCase "p = 1: the block Hessian is singular, so the step is the dense one" <| fun _ ->
            let _, kkt, u, alpha, (points, support, active) = system 2UL 10 12 0.5 LimitKind.FourierBridge
            let kkt1 = SupportKkt(points, support, active, kkt.Space, 1.0)
            let step = BridgeKktPolish.Step(kkt1, u, alpha)
            let dense = BridgeKktPolish.Step(kkt1, u, alpha, dense = true)
            Expect.equal step dense "identical: the fast path declined"
    ]

