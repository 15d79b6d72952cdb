/// Separability through the origin (core/Engine/Reference/Separation.cs, core/Front/Running/Separability.fs) does not
/// depend on how uneven the rows' norms are (issue 21, point 2): the issue's two examples, and seeded separable and
/// non-separable sets whose rows are multiplied by factors spread over 0 to 300 decades; the reference solvers and the
/// certified limit agree with the decision.
module ImplicitBias.Tests.TestSeparability

open System
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory

/// The issue's examples (CSV rows `label, features`), both separated by beta = (1, 1).
let issueExamples () =
    [ Dataset([| 1e12; 1e12; -1e-6; -2e-6; 3e11; 1e12 |], [| 1.0; -1.0; 1.0 |], 2, "issue 21: 1e12 and 1e-6")
      Dataset([| 1e308; 1e308; -1.0; -2.0 |], [| 1.0; -1.0 |], 2, "issue 21: 1e308 and 1") ]

/// Row-norm spreads, in decades, and the (N, D) of the random sets (D not only powers of two).
let private spreads = [ 0; 10; 100; 300 ]
let private sizes = [ 3, 2; 10, 7; 40, 13; 25, 30; 100, 5 ]
let private seeds = [ 1UL; 2UL; 3UL ]

let private withRows (data: Dataset) (features: float[]) (labels: float[]) name =
    Dataset(features, labels, data.Dimension, name)

/// Separable: a Gaussian teacher with margin 0.05, then row n times 10^(u_n s), u_n uniform in [0, 1).
let separableSet (n, d) (s: int) (seed: uint64) =
    let data = SyntheticData.GaussianTeacher(n, d, seed)
    let rng = SeededRandom(seed + 1000UL)
    let factors = Array.init n (fun _ -> 10.0 ** (rng.NextDouble() * float s))
    withRows data (data.Features |> Array.mapi (fun i v -> v * factors[i / d])) data.Labels
        $"separable N={n} D={d} spread 1e{s} seed {seed}"

/// Not separable, exactly: integer features (so the sums below are exact) plus one more point whose y x is
/// -(a z_i + b z_j) (a, b in 1..3: 0 is in the hull) or -z_i (x and -x with one label), inserted at a random
/// place; then row n times 2^k_n, k_n uniform in 0 .. s log2 10 (exact, so the data stays not separable).
let notSeparableSet (n, d) (s: int) (seed: uint64) =
    let rng = SeededRandom(seed + 2000UL)
    let integers = TestUtil.gaussian seed (n * d) |> Array.map (fun v -> Math.Round(1000.0 * v))
    let labels = Array.init n (fun _ -> if rng.NextDouble() < 0.5 then -1.0 else 1.0)
    let z i = Array.init d (fun j -> labels[i] * integers[i * d + j])
    let i, j = rng.NextInt n, rng.NextInt n
    let a, b = float (1 + rng.NextInt 3), float (1 + rng.NextInt 3)
    let extra =
        if seed % 2UL = 0UL then Array.map (fun v -> -v) (z i) else Array.map2 (fun p q -> -(a * p + b * q)) (z i) (z j)
    let y = if rng.NextDouble() < 0.5 then -1.0 else 1.0
    let at = rng.NextInt(n + 1)
    let rows = [| for k in 0 .. n - 1 -> integers[k * d .. k * d + d - 1], labels[k] |]
    let all = Array.insertAt at (Array.map (fun v -> y * v) extra, y) rows
    let maxExponent = float s * Math.Log2 10.0
    let scaled = all |> Array.map (fun (x, l) ->
        let k = int (rng.NextDouble() * maxExponent) in Array.map (fun v -> Math.ScaleB(v, k)) x, l)
    Dataset(Array.collect fst scaled, Array.map snd scaled, d,
            $"not separable N={n + 1} D={d} spread 1e{s} seed {seed}")

/// ||sum_n alpha_n y_n x_n|| / sum_n alpha_n ||x_n||, computed here from the rows as given.
let relativeCombination (data: Dataset) (alpha: float[]) =
    let z, d = data.SignedFeatures(), data.Dimension
    let sum = Array.init d (fun j -> Seq.sum (seq { for n in 0 .. data.Count - 1 -> alpha[n] * z[n * d + j] }))
    let terms = Seq.sum (seq { for n in 0 .. data.Count - 1 -> alpha[n] * Dataset.EuclideanNorm(data.Point n) })
    Dataset.EuclideanNorm(ReadOnlySpan sum) / terms

/// Rounding of a combination of N rows of dimension D: 4 (N + D) eps (eps = 2^-52), the tolerance the evidence must
/// meet.
let rounding (data: Dataset) = 4.0 * float (data.Count + data.Dimension) * Math.ScaleB(1.0, -52)

/// min_n y_n <x_n, beta> / (||x_n|| ||beta||) > 0, on rows scaled by a power of two first (no overflow).
let separates (data: Dataset) (beta: float[]) =
    let z, d = data.SignedFeatures(), data.Dimension
    Array.forall Double.IsFinite beta
    && Seq.forall (fun n ->
        let row = z[n * d .. n * d + d - 1]
        let top = row |> Array.map abs |> Array.max
        let scaled = row |> Array.map (fun v -> Math.ScaleB(v, -Math.ILogB top))
        TestUtil.dot scaled beta > 0.0) (seq { 0 .. data.Count - 1 })

let private cases make = [ for size in sizes do for s in spreads do for seed in seeds -> make size s seed ]

[<Tests>]
let tests =
    testList "Separability" [
        testCase
            "the issue's examples are separable: Separability.check, the l2 reference solver and the l2 limit agree"
        <| fun _ ->
            for data in issueExamples () do
                Expect.isNone (Separability.check data) data.Name
                let l2 = L2MaxMargin.Solve data
                Expect.notEqual l2.Status SolverStatus.NotSeparable $"{data.Name}: {l2.Message}"
                Expect.isTrue (separates data l2.Direction) $"{data.Name}: the l2 direction separates"
                let limit = CertifiedLimit.Find(data, LimitKind.L2, 2.0, ReadOnlySpan [| 1.0; 1.0 |])
                Expect.notEqual limit.Status LimitStatus.NotSeparable $"{data.Name}: {limit.Message}"
                Expect.isTrue (separates data limit.Direction) $"{data.Name}: the limit separates"

        testCase "separable sets with row norms spread over 0, 10, 100 and 300 decades are declared separable"
        <| fun _ ->
            for data in cases separableSet do
                Expect.isNone (Separability.check data) data.Name
                let l2 = L2MaxMargin.Solve data
                Expect.notEqual l2.Status SolverStatus.NotSeparable $"{data.Name}: {l2.Message}"
                Expect.isTrue (separates data l2.Direction) $"{data.Name}: the l2 direction separates"

        testCase "non-separable sets with the same spreads are declared not separable, with evidence at rounding level"
        <| fun _ ->
            for data in cases notSeparableSet do
                match Separability.check data with
                | None -> failtest $"{data.Name}: declared separable"
                | Some e ->
                    Expect.all e.Weights (fun w -> w >= 0.0) $"{data.Name}: weights >= 0"
                    Expect.floatClose Accuracy.high (Array.sum e.Weights) 1.0 $"{data.Name}: weights sum to 1"
                    let rho = relativeCombination data e.Weights
                    Expect.isLessThanOrEqual rho (rounding data) $"{data.Name}: ||sum alpha z|| / sum alpha ||z||"
                Expect.equal (L2MaxMargin.Solve data).Status SolverStatus.NotSeparable
                    $"{data.Name}: the l2 solver agrees"

        testCase "the certified limits agree on separable and non-separable sets with spread rows" <| fun _ ->
            let kinds = [ LimitKind.L2, 2.0; LimitKind.TimeL1, 1.0; LimitKind.FourierL1, 1.0;
                          LimitKind.FourierBridge, 2.0 / 3.0 ]
            for s in spreads do
                let yes, no = separableSet (10, 7) s 4UL, notSeparableSet (10, 7) s 5UL
                for kind, p in kinds do
                    let c = CertifiedLimit.Find(yes, kind, p, ReadOnlySpan(TestUtil.gaussian 6UL 7))
                    Expect.notEqual c.Status LimitStatus.NotSeparable $"{yes.Name}, {kind}: {c.Message}"
                    Expect.all c.Direction Double.IsFinite $"{yes.Name}, {kind}: finite"
                    let d = CertifiedLimit.Find(no, kind, p, ReadOnlySpan(TestUtil.gaussian 6UL 7))
                    Expect.equal d.Status LimitStatus.NotSeparable $"{no.Name}, {kind}: {d.Message}"

        testCase
            ("the evidence: weights over the points, the relative size of their combination within 4 (N + D) eps, "
             + "stated in the message") <| fun _ ->
            for data in cases notSeparableSet |> List.take 20 do
                match Separability.check data with
                | None -> failtest $"{data.Name}: declared separable"
                | Some e ->
                    Expect.equal e.Tolerance (rounding data) $"{data.Name}: the tolerance"
                    Expect.isLessThanOrEqual e.RelativeCombination e.Tolerance $"{data.Name}: reported size"
                    Expect.stringContains e.Message "0 to the rounding of its own terms"
                        "the message says what the number means"

        testCase "a point that is 0 makes the data not separable, with the weight 1 on it as evidence" <| fun _ ->
            let data = Dataset([| 1.0; 2.0; 0.0; 0.0; 3.0; 1.0 |], [| 1.0; -1.0; 1.0 |], 2, "a zero point")
            match Separability.check data with
            | None -> failtest "declared separable"
            | Some e ->
                Expect.equal (e.Weights, e.RelativeCombination) ([| 0.0; 1.0; 0.0 |], 0.0) "weight 1 on the zero point"

        testCase
            ("separable with a tiny margin (1e-6, 1e-9, 1e-12 of the norms, above the tolerance): separable, "
             + "with a note; the l2 solver never says not separable") <| fun _ ->
            // y x = Q (g, 1, 0), Q (g, -1, 0), Q (g, 0, 1), Q (g, 0, -1) for a reflection Q: the best margin is
            // g / sqrt(1 + g^2), along Q e_1. Wolfe's point Q (g, 0, 0) is a sum of unit vectors, so its direction is
            // known to about eps / g only: below about 1e-8 no separating direction can be confirmed (the data then
            // still trains, as separable), above it the direction is checked and the l2 solver returns it.
            let v = TestUtil.gaussian 11UL 3
            let reflect (x: float[]) =
                let c = 2.0 * TestUtil.dot v x / TestUtil.dot v v in Array.map2 (fun a b -> a - c * b) x v
            for g in [ 1e-6; 1e-9; 1e-12 ] do
                let rows = [ [| g; 1.0; 0.0 |]; [| g; -1.0; 0.0 |]; [| g; 0.0; 1.0 |]; [| g; 0.0; -1.0 |] ]
                           |> List.map reflect
                let data = Dataset(Array.concat rows, Array.create 4 1.0, 3, $"margin {g:e0}")
                Expect.isNone (Separability.check data) data.Name
                let s = Separability.decide data
                Expect.isSome (Separability.note s) $"{data.Name}: a note that training may be slow"
                let l2 = L2MaxMargin.Solve data
                Expect.notEqual l2.Status SolverStatus.NotSeparable $"{data.Name}: {l2.Message}"
                if g = 1e-6 then
                    Expect.floatClose Accuracy.medium s.Margin g $"{data.Name}: the margin, checked"
                    Expect.isTrue (separates data l2.Direction) $"{data.Name}: the l2 direction separates"
                    let angle = Geometry.Angle(ReadOnlySpan l2.Direction, ReadOnlySpan(reflect [| 1.0; 0.0; 0.0 |]))
                    Expect.isLessThan angle 1e-6 $"{data.Name}: along Q e_1"
    ]
