/// core/Front/Running/Limits.fs, Separability.fs and Run.trainTracked: the certified limit of a run, the
/// convergence test and its cost, and refusing data that is not separable.
module ImplicitBias.Tests.TestLimits

open System
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training

/// A record at a step with a direction and the angle to the previous record (the rest is not read by the tracker).
let private record (step: int64) (angleToPrevious: float) (direction: float[]) =
    TrainingRecord(step, 0.0, -1.0, 0.0, 1.0, 1.0, 0.0, angleToPrevious, direction, null)

/// The unit vector at angle theta from the unit vector u, towards a unit vector orthogonal to it.
let private tilted (u: float[]) (theta: float) =
    let v = Array.init u.Length (fun i -> if i = 0 then 1.0 else 0.0)
    let c = TestUtil.dot u v
    let orth = Array.map2 (fun a b -> a - c * b) v u |> fun o -> Geometry.Normalize(ReadOnlySpan o)
    Array.map2 (fun a b -> cos theta * a + sin theta * b) u orth

/// The unit vector at angle theta from the unit vector u, towards the unit vector l (in their plane).
let private towards (u: float[]) (l: float[]) (theta: float) =
    let c = TestUtil.dot u l
    let orth = Array.map2 (fun a b -> a - c * b) l u |> fun o -> Geometry.Normalize(ReadOnlySpan o)
    Array.map2 (fun a b -> cos theta * a + sin theta * b) u orth

/// Two points with y_n x_n = (1, 0, 0) and (-1, 0, 0): the weights (1/2, 1/2) cancel them.
let notSeparable () = Dataset([| 1.0; 0.0; 0.0; 1.0; 0.0; 0.0; 0.5; 0.5; 0.5 |], [| 1.0; -1.0; 1.0 |], 3, "opposite")

[<Tests>]
let tests =
    testList "Limits" [
        testCase "convex limits are solved once; angles are kept at decade records only" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 3UL)
            let tracker = LimitTracker(data, LimitKind.FourierL1, 1.0, 1e-6)
            for step in [ 0L; 1L; 2L; 5L; 10L; 11L; 99L; 100L; 250L ] do
                tracker.Observe(record step 0.1 (TestUtil.gaussian (uint64 step + 1UL) 8))
            Expect.equal tracker.Solves 1 "one solve for the whole run"
            Expect.equal (tracker.Angles |> List.map (fun a -> a.Step)) [ 1L; 10L; 100L ] "decade records"
            let reference = MaxMargin.Solve(data, MarginBias.FourierL1).Direction
            Expect.isLessThan
                (TestUtil.relativeError (tracker.LimitAt(TestUtil.gaussian 9UL 8)).Direction reference) 1e-6
                "the reference's direction"

        testCase "converged: below the target, smaller than at the previous check, and certified" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 3UL)
            let limit = CertifiedLimit.Find(data, LimitKind.L2, 2.0, ReadOnlySpan(Array.zeroCreate 8)).Direction
            let verdicts (angles: float list) =
                let tracker = LimitTracker(data, LimitKind.L2, 2.0, 1e-6)
                angles |> List.mapi (fun i a ->
                    tracker.Observe(record (int64 (i + 2)) 0.1 (tilted limit a)); tracker.Converged)
            Expect.equal (verdicts [ 1e-5; 5e-7 ]) [ false; true ] "falls below the target"
            Expect.equal (verdicts [ 5e-7; 8e-7 ]) [ true; false ] "below the target but growing again"
            Expect.equal (verdicts [ 1e-3; 2e-6 ]) [ false; false ] "shrinking but above the target"
            let off = LimitTracker(data, LimitKind.L2, 2.0, 0.0)
            off.Observe(record 3L 0.1 limit)
            Expect.isFalse off.Converged "target 0 disables the test"
            let tracker = LimitTracker(data, LimitKind.L2, 2.0, 1e-6)
            tracker.Observe(record 10L 0.1 (tilted limit 3e-7))
            Expect.floatClose Accuracy.medium tracker.Angles.Head.Angle 3e-7
                "the angle measured is Geometry.Angle to the limit"

        testCase
            ("bridge limits are re-solved when the direction has moved by half its angle to the last limit, "
             + "not when it barely moves") <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 3UL)
            let bridge = CertifiedLimit.Find(data, LimitKind.FourierBridge, 2.0 / 3.0,
                                             ReadOnlySpan(TestUtil.gaussian 5UL 8)).Direction
            let tracker = LimitTracker(data, LimitKind.FourierBridge, 2.0 / 3.0, 1e-6)
            let start = tilted bridge 0.1
            tracker.Observe(record 7L 1e-3 start)
            Expect.equal tracker.Solves 1 "the first record with a target solves"
            let angleAtSolve = Geometry.Angle(ReadOnlySpan start, ReadOnlySpan (tracker.LimitAt start).Direction)
            // A direction that barely moves (the stall of issue 21: every record re-solved): 200 records, 1e-9 rad
            // each, at steps that are not decade records.
            for k in 1 .. 200 do tracker.Observe(record (1000L + int64 k) 1e-9 (tilted start (1e-9 * float k)))
            Expect.equal tracker.Solves 1
                "no re-solve while the direction moves by less than half its angle to the limit"
            // Heading to the limit (so the veering rule stays quiet: SolveSchedule.Veering).
            let limit = (tracker.LimitAt start).Direction
            tracker.Observe(record 1300L 1e-2 (towards start limit (0.4 * angleAtSolve)))
            Expect.equal tracker.Solves 1 "still within half the angle"
            tracker.Observe(record 1301L 1e-2 (towards start limit (0.6 * angleAtSolve)))
            Expect.equal tracker.Solves 2 "a re-solve once it moved by more than half the angle"
            tracker.Observe(record 10000L 1e-9 (towards start limit (0.6 * angleAtSolve + 1e-9)))
            Expect.equal tracker.Solves 3 "a cheap limit is re-solved at a decade record"
            Expect.equal (tracker.LimitAt bridge).Status LimitStatus.Certified "certified bridge limit"

        testCase
            "a bridge limit is re-solved when the direction moves without getting closer to it (veering)"
        <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 3UL)
            let tracker = LimitTracker(data, LimitKind.FourierBridge, 2.0 / 3.0, 1e-6)
            let start = TestUtil.gaussian 5UL 8 |> fun g -> Geometry.Normalize(ReadOnlySpan g)
            tracker.Observe(record 7L 1e-3 start)
            let limit = (tracker.LimitAt start).Direction
            let angleAtSolve = Geometry.Angle(ReadOnlySpan start, ReadOnlySpan limit)
            // Sideways, a twentieth of the angle: neither half the angle (Moved) nor closer by half the motion.
            // w: e_3 made orthogonal to start and to the limit (Gram-Schmidt); side = start turned towards w.
            let remove (v: float[]) (u: float[]) = let c = TestUtil.dot v u in Array.map2 (fun a b -> a - c * b) v u
            let limitPart = remove limit start |> fun o -> Geometry.Normalize(ReadOnlySpan o)
            let e3 = Array.init 8 (fun i -> if i = 3 then 1.0 else 0.0)
            let w = remove (remove e3 start) limitPart |> fun o -> Geometry.Normalize(ReadOnlySpan o)
            let side = towards start w (0.05 * angleAtSolve)
            let closer = Geometry.Angle(ReadOnlySpan side, ReadOnlySpan limit)
            Expect.isFalse (SolveSchedule.Moved(0.05 * angleAtSolve, angleAtSolve, 1e-6))
                "Moved alone would not re-solve"
            Expect.isTrue (SolveSchedule.Veering(0.05 * angleAtSolve, closer, angleAtSolve, 1e-6))
                $"veering ({angleAtSolve} -> {closer})"
            tracker.Observe(record 1300L 1e-2 side)
            Expect.equal tracker.Solves 2 "re-solved"

        testCase
            "SolveSchedule: cheap solves always; expensive ones within a tenth of the wall clock; the motion rule"
        <| fun _ ->
            let small = SolveSchedule(32, 64, LimitKind.FourierBridge)
            Expect.isLessThan small.ExpectedSeconds SolveSchedule.CheapSeconds "D = 64 is cheap by the model"
            small.Spent 10.0
            Expect.isTrue small.Cheap "cheap is decided by the model, not by a measured (say JIT-slowed) solve"
            Expect.isTrue (small.Affordable 0.0) "cheap: affordable at once"
            let large = SolveSchedule(512, 1024, LimitKind.FourierBridge)
            Expect.isGreaterThan large.ExpectedSeconds SolveSchedule.FreeSeconds "D = 1024 is expensive by the model"
            Expect.isFalse (large.Affordable 10.0) "not within 10 % of 10 s"
            Expect.isTrue (large.Affordable (10.0 * large.ExpectedSeconds)) "within 10 % of a long run"
            large.Spent 0.2
            Expect.equal large.ExpectedSeconds 0.2 "the measured cost replaces the model"
            Expect.isFalse (large.Affordable 1.0) "0.2 s spent + 0.2 s expected > max(0.25, 0.1)"
            Expect.isTrue (large.Affordable 4.0) "0.4 s <= 0.1 * 4 s"
            Expect.isFalse large.Cheap "D = 1024 is not cheap"
            // Per kind: the bridge kinds' model is 6x the convex kinds'; a group bridge solve (a reading per threshold,
            // each polished) costs far more per unit: S4 at N = 10 measured 0.3 s a solve mid-run.
            Expect.equal (SolveSchedule.UnitSeconds LimitKind.FourierBridge)
                (6.0 * SolveSchedule.UnitSeconds LimitKind.L2) "bridge vs convex"
            Expect.isFalse (SolveSchedule(10, 24, LimitKind.GroupBridge).Cheap)
                "a group bridge on S4's D = 24 is budgeted"
            Expect.isTrue (SolveSchedule(10, 24, LimitKind.GroupNuclear).Cheap) "its L = 2 limit is convex, cheap"
            Expect.isTrue (SolveSchedule.Moved(0.0, nan, 1e-6)) "no limit yet"
            Expect.isFalse (SolveSchedule.Moved(0.049, 0.1, 1e-6)) "below half"
            Expect.isTrue (SolveSchedule.Moved(0.051, 0.1, 1e-6)) "above half"
            Expect.isFalse (SolveSchedule.Moved(5e-8, 0.0, 1e-6)) "at the limit: a tenth of the target"
            // Veering: moved 1e-3 while 0.03 from the limit; heading there would bring the angle to about 0.029.
            Expect.isTrue (SolveSchedule.Veering(1e-3, 0.0300, 0.0300, 1e-6)) "moved without getting closer"
            Expect.isFalse (SolveSchedule.Veering(1e-3, 0.0291, 0.0300, 1e-6)) "heading to the limit"
            Expect.isFalse (SolveSchedule.Veering(2e-4, 0.0300, 0.0300, 1e-6))
                "moved less than a hundredth of its angle"
            Expect.isFalse (SolveSchedule.Veering(5e-7, 1e-6, 1e-6, 1e-6)) "moved less than the target"
            Expect.isFalse (SolveSchedule.Veering(1.0, 1.0, nan, 1e-6)) "no limit yet: Moved's business"

        testCase "a bridge solve running at the time limit is stopped there: NotCertified, and it says so" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(6, 8, 3UL)
            use stop = new Threading.CancellationTokenSource()
            stop.Cancel()
            let stopped =
                CertifiedLimit.Find(data, LimitKind.FourierBridge, 0.5, ReadOnlySpan(TestUtil.gaussian 4UL 8),
                                    LimitOptions(Cancellation = stop.Token))
            Expect.equal stopped.Status LimitStatus.NotCertified "a stopped solve is not certified"
            Expect.stringContains stopped.Message "time limit" "and says why"
            let tracker = LimitTracker(data, LimitKind.FourierBridge, 0.5, 1e-6, Grid.Line 8, KernelSize.Line 8, 1.0)
            // 0.5 ms left
            let r = TrainingRecord(5L, 0.9995, -1.0, 0.0, 1.0, 1.0, 0.0, 1e-3, TestUtil.gaussian 4UL 8, null)
            tracker.Observe r
            Expect.equal tracker.Solves 1 "solved"
            tracker.Observe(TrainingRecord(6L, 2.0, -1.0, 0.0, 1.0, 1.0, 0.0, 1e-3, TestUtil.gaussian 7UL 8, null))
            Expect.equal tracker.Solves 1 "no solve starts after the time limit"
            Expect.isFalse tracker.Converged "never converged on an uncertified limit"
            Expect.isFalse (tracker.Latest |> Option.exists (fun a -> a.Certified))
                "no certified angle from a stopped solve"
            let limit, _ = tracker.Finish(5L, r.Direction)
            Expect.equal tracker.Solves 2 "the stopped solve is not kept: Finish solves again"
            Expect.equal limit.Status LimitStatus.Certified "the run's final limit has no time limit"
            let untimed = LimitTracker(data, LimitKind.FourierBridge, 0.5, 1e-6)
            untimed.Observe r
            Expect.equal (untimed.LimitAt r.Direction).Status LimitStatus.Certified
                "without a time limit the same solve certifies"

        testCase
            ("Separability.check: None for separable data; weights >= 0 summing to 1 whose combination is 0 "
             + "otherwise") <| fun _ ->
            Expect.isNone (Separability.check (SyntheticData.GaussianTeacher(6, 8, 3UL))) "separable"
            match Separability.check (notSeparable ()) with
            | None -> failtest "expected evidence"
            | Some e ->
                Expect.all e.Weights (fun w -> w >= 0.0) "weights >= 0"
                Expect.floatClose Accuracy.high (Array.sum e.Weights) 1.0 "sum 1"
                // y_n x_n = (1,0,0), (-1,0,0), (.5,.5,.5): recomputed here from the rows.
                let z = [| [| 1.0; 0.0; 0.0 |]; [| -1.0; 0.0; 0.0 |]; [| 0.5; 0.5; 0.5 |] |]
                let sum = Array.init 3 (fun j ->
                    Array.fold2 (fun s (w: float) (row: float[]) -> s + w * row[j]) 0.0 e.Weights z)
                Expect.isLessThan (sqrt (TestUtil.dot sum sum)) 1e-10 "the combination is 0"
                Expect.isLessThanOrEqual e.RelativeCombination e.Tolerance
                    "reported relative norm, within the rounding tolerance"

        testCase "Run.train refuses non-separable data: NotSeparable, 0 steps, one finite record, evidence" <| fun _ ->
            let s = Run.defaults |> Run.withModel FullyConnected 2
            let run = Run.trainTracked (fun _ _ -> ()) s (notSeparable ())
            let r = run.Result
            Expect.equal (r.Outcome, r.Steps, r.Records.Count) (TrainingOutcome.NotSeparable, 0L, 1)
                "outcome, steps, records"
            let x = r.Final
            for name, v in [ "LogBetaNorm", x.LogBetaNorm; "SmoothedMargin", x.SmoothedMargin
                             "NormalizedMargin", x.NormalizedMargin; "LogParameterNorm", x.LogParameterNorm
                             "LogLoss", x.LogLoss ] do
                Expect.isTrue (Double.IsFinite v) $"{name} finite"
            Expect.all (Array.append r.Direction r.Parameters) Double.IsFinite "direction and parameters finite"
            Expect.floatClose Accuracy.high (Geometry.Norm(ReadOnlySpan r.Direction)) 1.0
                "the initial direction, unit norm"
            Expect.isSome run.NotSeparable "evidence"
            Expect.equal (Run.train s (notSeparable ())).Outcome TrainingOutcome.NotSeparable "Run.train too"
    ]
