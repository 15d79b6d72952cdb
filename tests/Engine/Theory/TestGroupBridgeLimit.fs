/// The group-convolutional network's certified limit at L >= 3 (GroupBridgeKkt.cs, GroupBridgePolish.cs,
/// GroupBridgeLimit.cs): the manifold gradient against finite differences of the penalty, the first-order conditions
/// recomputed here from beta and alpha alone, the verdict clause by clause, C_n against the cyclic limit, and GD.
module ImplicitBias.Tests.Engine.Theory.TestGroupBridgeLimit

open System
open System.Numerics
open Expecto
open MathNet.Numerics.LinearAlgebra
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a

/// GD on the group-domain network with the engine's step rule and late phase, to theta = log(-log L).
let private train (group: FiniteGroup) depth (data: Dataset) seed theta =
    let model = GroupConvolutionalNetwork(group, depth)
    let settings =
        TrainingSettings(SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true), ExponentialLoss(), Int64.MaxValue, 60.0,
            RecordDirections = false, Late = LatePhaseSettings(), ThetaTarget = theta)
    GradientDescent.Train(model, data, span (model.Initialize(0.5, seed)), settings).Direction

let private limitOf (group: FiniteGroup) depth (data: Dataset) (direction: float[]) =
    let struct (kind, p) = CertifiedLimit.For(NetworkKind.GroupConvolutional, depth)
    CertifiedLimit.Find(data, kind, p, span direction, group)

/// The conditions of docs/theory-checks.md recomputed from beta and alpha: per block, with the full SVD
/// B = [U U_perp] S [V V_perp]^*, the largest of |U^* G V - w p S^(p-1)|, |U_perp^* G V|, |U^* G V_perp| over the
/// largest w p s^(p-1); then the worst margin defect of the active points, the smallest margin, the smallest alpha.
let private conditions (fourier: GroupFourier) (data: Dataset) (beta: float[]) (alpha: float[]) p =
    let n = fourier.Group.Order
    let margins = Array.init data.Count (fun i -> data.Labels[i] * dot (Array.sub data.Features (i * n) n) beta)
    let blocksOf (f: float[]) =
        let b = fourier.NewBlocks()
        fourier.Forward(span f, b)
        b |> Array.mapi (fun t x ->
            let d = fourier.Irreps[t].Dimension
            Matrix<Complex>.Build.Dense(d, d, fun i j -> x[i * d + j]))
    let z =
        Array.init n (fun j ->
            Seq.sum (seq { for i in 0 .. data.Count - 1 -> alpha[i] * data.Labels[i] * data.Features[i * n + j] }))
    let bs, gs = blocksOf beta, blocksOf z
    let top = bs |> Array.collect (fun b -> b.Svd(true).S.ToArray() |> Array.map (fun s -> s.Real)) |> Array.max
    let mutable worst, scale = 0.0, 0.0
    for t in 0 .. bs.Length - 1 do
        let d = fourier.Irreps[t].Dimension
        let svd = bs[t].Svd(true)
        let s = svd.S.ToArray() |> Array.map (fun x -> x.Real)
        let r = s |> Array.filter (fun x -> x > 1e-8 * top) |> Array.length
        let w = float d ** (1.0 - p / 2.0)
        let m = svd.U.ConjugateTranspose() * gs[t] * svd.VT.ConjugateTranspose() // [U U_perp]^* G [V V_perp]
        for i in 0 .. d - 1 do
            for j in 0 .. d - 1 do
                let target = if i = j && i < r then w * p * s[i] ** (p - 1.0) else 0.0
                if i < r || j < r then worst <- max worst (Complex.Abs(m[i, j] - Complex(target, 0.0)))
                if i = j && i < r then scale <- max scale target
    let active = [ for i in 0 .. data.Count - 1 do if alpha[i] > 0.0 then yield abs (margins[i] - 1.0) ]
    worst / scale, List.max (0.0 :: active), Array.min margins, Array.min alpha

[<Tests>]
let tests =
    testList "Theory.GroupBridgeLimit" [
        testCase "the manifold gradient w p U S^(p-1) V^* is the penalty's derivative (central differences)" <| fun _ ->
            for name in [ "D4"; "Q8"; "A4"; "C5" ] do
                let fourier = GroupFourier(StandardGroups.Parse name)
                let n = fourier.Group.Order
                for depth in [ 3; 4 ] do
                    let p = 2.0 / float depth
                    let beta, h = gaussian (uint64 (7 * n + depth)) n, gaussian (uint64 (9 * n + depth)) n
                    let penalty (b: float[]) = GroupImpliedPenalty.Value(fourier, span b, depth) / float depth
                    let eps = 1e-6
                    let numeric =
                        (penalty (Array.map2 (fun b x -> b + eps * x) beta h)
                         - penalty (Array.map2 (fun b x -> b - eps * x) beta h)) / (2.0 * eps)
                    let blocks = GroupBlockManifold.Blocks(fourier, span beta)
                    let hs = GroupBlockManifold.Blocks(fourier, span h)
                    let analytic =
                        Seq.sum (seq { for t in 0 .. blocks.Length - 1 do
                                        let d = fourier.Irreps[t].Dimension
                                        let w = GroupBlockManifold.Weight(d, p)
                                        let g = GroupBlockManifold(blocks[t], d).Gradient(w, p)
                                        yield (g.ConjugateTranspose() * hs[t]).Trace().Real })
                    Expect.isLessThan (abs (numeric - analytic) / abs analytic) 1e-7 $"{name} L={depth}"

        testCase "certified limits meet the conditions recomputed from beta and alpha (D_n, Q8, A4)" <| fun _ ->
            for name in [ "D3"; "D5"; "D6"; "Q8"; "A4" ] do
                let group = StandardGroups.Parse name
                let fourier = GroupFourier group
                let n = group.Order
                for depth in [ 3; 4 ] do
                    let p = 2.0 / float depth
                    let data = SyntheticData.GaussianTeacher(n / 2, n, uint64 depth)
                    let limit = limitOf group depth data (train group depth data 1UL 80.0)
                    Expect.equal limit.Status LimitStatus.Certified $"{name} L={depth}: {limit.Message}"
                    let check = GroupBridgeKkt.Certify(fourier, data, span limit.Direction, p)
                    let stationarity, margin, smallest, minAlpha = conditions fourier data check.Beta check.Alpha p
                    Expect.isLessThan stationarity 1e-9 $"{name} L={depth}: stationarity recomputed"
                    Expect.isLessThan margin 1e-12 $"{name} L={depth}: active margins 1"
                    Expect.isGreaterThan smallest (1.0 - 1e-12) $"{name} L={depth}: feasible"
                    Expect.isGreaterThanOrEqual minAlpha 0.0 $"{name} L={depth}: alpha >= 0"
                    Expect.equal limit.BlockRanks check.Ranks $"{name} L={depth}: ranks"

        testCase "the verdict: each clause alone fails a certified point, a nudge or a wrong p fails it" <| fun _ ->
            let group = StandardGroups.Dihedral 5
            let fourier = GroupFourier group
            let data = SyntheticData.GaussianTeacher(10, 10, 1UL)
            let limit = limitOf group 3 data (train group 3 data 1UL 80.0)
            let good = GroupBridgeKkt.Certify(fourier, data, span limit.Direction, 2.0 / 3.0)
            Expect.isTrue (good.Holds 1e-10) "the certified point holds"
            Expect.equal good.Degenerate "" "more equations than active points: a wrong p shows"
            let with' (c: GroupBridgeCheck) separating (ranks: int[]) stationarity slackness minAlpha inactive =
                GroupBridgeCheck(separating, c.Beta, c.Alpha, c.Active, ranks, stationarity, c.Core, minAlpha,
                    slackness, inactive, c.SmallestKept, c.LargestDropped, c.Equations, c.Degenerate)
            let g = good
            let same = with' g true g.Ranks g.Stationarity g.Slackness g.MinAlpha g.SmallestInactive
            Expect.isTrue (same.Holds 1e-10) "rebuilt unchanged"
            let fails (c: GroupBridgeCheck) what = Expect.isFalse (c.Holds 1e-10) what
            let inactive = g.SmallestInactive
            fails (with' g true g.Ranks 1e-6 g.Slackness g.MinAlpha inactive) "stationarity"
            fails (with' g true g.Ranks g.Stationarity 1e-6 g.MinAlpha inactive) "slackness"
            fails (with' g true g.Ranks g.Stationarity g.Slackness -1e-3 inactive) "alpha >= 0"
            fails (with' g true g.Ranks g.Stationarity g.Slackness g.MinAlpha 0.999) "feasibility"
            fails (with' g false g.Ranks g.Stationarity g.Slackness g.MinAlpha inactive) "separation"
            let none = Array.zeroCreate g.Ranks.Length
            fails (with' g true none g.Stationarity g.Slackness g.MinAlpha inactive) "support"
            let nudged = limit.Direction |> Array.mapi (fun i v -> if i = 1 then v + 1e-5 else v)
            Expect.isFalse ((GroupBridgeKkt.Certify(fourier, data, span nudged, 2.0 / 3.0)).Holds 1e-10) "nudged"
            Expect.isFalse ((GroupBridgeKkt.Certify(fourier, data, span limit.Direction, 0.5)).Holds 1e-10) "p = 1/2"

        testCase "on C_n the group bridge limit is the cyclic FourierBridge limit (L = 3, 4)" <| fun _ ->
            for n in [ 6; 8 ] do
                let group = StandardGroups.Cyclic n
                for depth in [ 3; 4 ] do
                    let data = SyntheticData.GaussianTeacher(n, n, uint64 n)
                    let direction = train group depth data 2UL 60.0
                    let limit = limitOf group depth data direction
                    let cyclic = CertifiedLimit.Find(data, LimitKind.FourierBridge, 2.0 / float depth, span direction)
                    Expect.equal limit.Status LimitStatus.Certified limit.Message
                    Expect.equal cyclic.Status LimitStatus.Certified cyclic.Message
                    let angle = Geometry.Angle(span limit.Direction, span cyclic.Direction)
                    Expect.isLessThan angle 1e-10 $"C{n} L={depth}: {angle:E2} rad apart"

        testCase "GD converges in direction to the certified point (D4, L = 3, 2 points)" <| fun _ ->
            let group = StandardGroups.Dihedral 4
            let data = SyntheticData.GaussianTeacher(2, 8, 2UL)
            let angle theta =
                let direction = train group 3 data 2UL theta
                let limit = limitOf group 3 data direction
                Expect.equal limit.Status LimitStatus.Certified limit.Message
                Geometry.Angle(span direction, span limit.Direction)
            let early, late = angle 40.0, angle 160.0
            Expect.isLessThan late (early / 100.0) $"closer with theta: {early:E2} then {late:E2} rad"
            Expect.isLessThan late 1e-8 $"{late:E2} rad at theta 160"

        testCase "the limit is a fixed point of Find and pulls a 1e-4 perturbation back" <| fun _ ->
            let group = StandardGroups.Parse "A4"
            let data = SyntheticData.GaussianTeacher(12, 12, 5UL)
            let limit = limitOf group 3 data (train group 3 data 1UL 80.0)
            let again = limitOf group 3 data limit.Direction
            Expect.isLessThan (Geometry.Angle(span limit.Direction, span again.Direction)) 1e-12 "fixed point"
            let nudged = Array.map2 (fun v x -> v + 1e-4 * x) limit.Direction (gaussian 11UL 12)
            let back = limitOf group 3 data nudged
            Expect.isLessThan (Geometry.Angle(span limit.Direction, span back.Direction)) 1e-12 "pulled back"

        testCase "For and Find: the kinds by depth, usage errors, non-separable data" <| fun _ ->
            let forDepth depth = CertifiedLimit.For(NetworkKind.GroupConvolutional, depth)
            Expect.equal (forDepth 1) (struct (LimitKind.L2, 2.0)) "L = 1"
            Expect.equal (forDepth 2) (struct (LimitKind.GroupNuclear, 1.0)) "L = 2"
            Expect.equal (forDepth 4) (struct (LimitKind.GroupBridge, 0.5)) "L = 4"
            let group = StandardGroups.Dihedral 3
            let data = SyntheticData.GaussianTeacher(3, 6, 1UL)
            let zero = Array.zeroCreate 6
            Expect.throws (fun () ->
                CertifiedLimit.Find(data, LimitKind.GroupBridge, 0.5, span zero) |> ignore) "no group"
            Expect.throws (fun () ->
                CertifiedLimit.Find(data, LimitKind.GroupBridge, 1.0, span zero, group) |> ignore) "p"
            let nuclear = CertifiedLimit.Find(data, LimitKind.GroupNuclear, 1.0, span zero, group)
            Expect.equal nuclear.Status LimitStatus.Certified nuclear.Message
            let solved = GroupNuclearMaxMargin.Solve(GroupFourier group, data)
            Expect.isLessThan (Geometry.Angle(span nuclear.Direction, span solved.Beta)) 1e-12 "the nuclear optimum"
            let bridge = CertifiedLimit.Find(data, LimitKind.GroupBridge, 0.5, span zero, group)
            Expect.equal bridge.Status LimitStatus.Certified $"from the l2 direction: {bridge.Message}"
            let x = gaussian 3UL 6
            let opposite = Dataset(Array.append x x, [| 1.0; -1.0 |], 6, "opposite")
            let none = CertifiedLimit.Find(opposite, LimitKind.GroupBridge, 0.5, span x, group)
            Expect.equal none.Status LimitStatus.NotSeparable none.Message
    ]
