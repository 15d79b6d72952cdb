/// Trust on data of any scale (issue 9, parts 1 and 5): whatever the scale of the features
/// (1e-200 .. 1e200), the scale of the initialization, the shape of the data and the model, a run's
/// files and its store rows hold no NaN or infinity (the first record's angle is the one empty cell),
/// and the direction does not depend on the scale (training divides the data by R = max_n ||x_n||, so
/// data that differ by a power of two train bit for bit alike, and other factors change only the rounding).
module ImplicitBias.Tests.TestUnitScale

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Training

let private scaled (factor: float) (data: Dataset) =
    Dataset(data.Features |> Array.map (fun v -> v * factor), data.Labels, data.Dimension, data.Name)

/// Writes a run's files (train.fsx's writer) and returns every file's text.
let private files (s: RunSpec) (data: Dataset) =
    let dir = Path.Combine(Path.GetTempPath(), "ib-scale-" + Guid.NewGuid().ToString("N"))
    let run = Run.trainTracked (fun _ _ -> ()) s data
    RunFiles.write dir s data run
    let texts = [ for f in Directory.GetFiles dir -> Path.GetFileName f, File.ReadAllText f ]
    Directory.Delete(dir, true)
    run, texts

let private models = [| Linear, 1; FullyConnected, 2; FullyConnected, 3; Diagonal, 2; Diagonal, 3; Convolutional, 2;
                        Convolutional, 3; Convolutional, 4 |]

[<Tests>]
let tests =
    testList "UnitScale" [
        testProperty
            ("no NaN, infinity or empty cell but the first angle, in any file or store row, for data scaled by "
             + "1e-200 .. 1e200, init scales 1e-150 .. 1e150, any shape and model")
        <| fun (seed: uint64) (exponent: int) (initExponent: int) (shape: FsCheck.PositiveInt)
               (pick: FsCheck.NonNegativeInt) (aggressive: bool) ->
            let factor = 10.0 ** float (exponent % 201)
            let initScale = 10.0 ** float (initExponent % 151)
            let d = 2 + shape.Get % 11
            let n = 2 + (shape.Get / 11) % 9
            let kind, depth = models[pick.Get % models.Length]
            let data = scaled factor (SyntheticData.GaussianTeacher(n, d, seed))
            // A 10% floor drives log ||beta|| past 710 (||beta|| > 1.8e308 = e^709.8) within the budget on most
            // cases (how fast depends on how well the gradient aligns with w; some diagonal and conv runs stall);
            // TestGradientDescent asserts the regime deterministically. The default rule keeps the margins small.
            // The aggressive floor runs the explicit rule all the way (no late phase): that is its regime. The default
            // rule hands over to the late phase at theta = 1.5, whose steps are few and dear: 3000 of them at most.
            let step = if aggressive then NormalizedStep(0.5, 0.1) :> StepRule else Run.defaults.Step
            let late = if aggressive then None else Run.defaults.Late
            let s = Run.defaults |> Run.withModel kind depth |> Run.withSeed seed |> Run.withInitScale initScale
                    |> Run.withStep step |> Run.withLate late |> Run.withSteps (if aggressive then 12000L else 3000L)
                    |> Run.withTimeLimit 600.0
                    |> Run.withConvergenceAngle 0.0 // the budget is the steps; the clock only guards against a hang
                    // (a loaded machine once ran out of 30 s)
            let what = $"scale {factor:e0}, init {initScale:e0}, {Model.name kind} L={depth}, N={n}, D={d}, seed {seed}"
            let run, texts = files s data
            for name, text in texts do
                for bad in [ "NaN"; "Infinity"; "∞" ] do
                    Expect.isFalse (text.Contains bad) $"{name} has {bad} ({what})"
                if name.EndsWith ".csv" then
                    let rows = text.Split('\n') |> Array.filter (fun l -> l <> "")
                    for row, line in Array.indexed rows do
                        let cells = line.Split(',')
                        for column, cell in Array.indexed cells do
                            // Allowed empty: the first record's angle (the header is row 0); and the smoothed margin
                            // -log L / ||beta|| where ||beta|| < 1e-260 makes it leave the double range (a start at
                            // scale 1e-66 at depth 4: log L ~ log N over ||beta|| ~ 1e-306).
                            let isAngle = name = "trajectory.csv" && row = 1 && column = 6
                            let tinyBeta =
                                name = "trajectory.csv" && column = 3 && row > 0
                                && Double.Parse(cells[2], Globalization.CultureInfo.InvariantCulture) < log 1e-260
                            if cell = "" then
                                Expect.isTrue (isAngle || tinyBeta) $"{name} row {row} column {column} empty ({what})"
            Expect.notEqual run.Result.Outcome TrainingOutcome.NonFinite $"no divergence ({what})"
            Expect.isTrue (texts |> List.exists (fun (name, _) -> name = "beta.csv")) "beta.csv written"
            // The store's rows of the same run: every number finite, only the first angle null.
            let config =
                { Sweep.defaults with
                    Model = kind; Depth = depth; InitScale = initScale; Step = step; Seed = seed; MaxSteps = 12000L }
            let runRow, trajectory = Runner.toRows config data run.Result
            let finite (v: Nullable<float>) = v.HasValue && Double.IsFinite v.Value
            let smoothedOk (logBeta: Nullable<float>) (v: Nullable<float>) =
                finite v || (logBeta.HasValue && logBeta.Value < log 1e-260)
            let values = [ runRow.FinalLogBetaNorm; runRow.FinalNormalizedMargin; runRow.LogParameterNorm ]
            Expect.isTrue (List.forall finite values && smoothedOk runRow.FinalLogBetaNorm runRow.FinalSmoothedMargin)
                $"run row ({what})"
            for i, t in Array.indexed trajectory do
                let row = [ t.LogBetaNorm; t.NormalizedMargin; t.LogParameterNorm ]
                          @ (if i > 0 then [ t.AngleToPrevious ] else [])
                Expect.isTrue (List.forall finite row && smoothedOk t.LogBetaNorm t.SmoothedMargin)
                    $"trajectory row {i} ({what})"
                Expect.isTrue (Array.forall Double.IsFinite t.Direction) "finite direction"

        testCase
            ("the smoothed margin is written wherever it is a double: conv L=4 on data x 1e-50 from init 1e-77 "
             + "(nu k far below -1000), a case the property above once drew") <| fun _ ->
            // -log L / ||beta|| in input units was formed as (-log L at scale) 2^(-nu k) / ||P(w')|| R: at nu k < -1000
            // the first product overflowed and the cell was empty although the value is a double (ScaledStep.Quotient
            // now).
            let data = scaled 1e-50 (SyntheticData.GaussianTeacher(2, 3, 0UL))
            let s = Run.defaults |> Run.withModel Convolutional 4 |> Run.withSeed 0UL |> Run.withInitScale 1e-77
                    |> Run.withStep (NormalizedStep(0.5, 0.1))
                    |> Run.withSteps 12000L |> Run.withTimeLimit 600.0 |> Run.withConvergenceAngle 0.0
            let r = Run.train s data
            let mutable checkedRecords = 0
            for record in r.Records do
                // In input units log ||beta|| >= log 1e-260 keeps -log L / ||beta|| (-log L <= log N here) inside the
                // range.
                if record.LogBetaNorm >= log 1e-260 && record.LogBetaNorm <= log 1e300 then
                    checkedRecords <- checkedRecords + 1
                    Expect.isTrue (Double.IsFinite record.SmoothedMargin)
                        ($"step {record.Step}: smoothed margin {record.SmoothedMargin} "
                         + $"at log ||beta|| {record.LogBetaNorm}")
            Expect.isGreaterThan checkedRecords 10 "records in the range checked"

        testCase "the direction does not depend on the data's scale: 1e-150, 2^-400, 1, 2^400, 1e150" <| fun _ ->
            let data = SyntheticData.GaussianTeacher(8, 12, 3UL)
            let mutable worst = 0.0
            for kind, depth in [ Convolutional, 2; FullyConnected, 3; Diagonal, 2 ] do
                // The default rule and late phase, to log L = -1e6 (theta 13.8, in the sliding mode). The wall-clock
                // limit is lifted to a hang guard, so a busy machine cannot end one run early.
                let s = Run.defaults |> Run.withModel kind depth |> Run.withLogLossTarget -1e6
                        |> Run.withTimeLimit 900.0 |> Run.withConvergenceAngle 0.0
                let reference = Run.train s data
                Expect.equal reference.Outcome TrainingOutcome.LossTargetReached "the reference reached log L = -1e6"
                for factor in [ 1e-150; 2.0 ** -400.0; 2.0 ** 400.0; 1e150 ] do
                    let r = Run.train s (scaled factor data)
                    let angle = Geometry.Angle(ReadOnlySpan r.Direction, ReadOnlySpan reference.Direction)
                    if factor = 2.0 ** -400.0 || factor = 2.0 ** 400.0 then
                        Expect.equal r.Steps reference.Steps "same steps"
                        Expect.equal r.Direction reference.Direction
                            $"{Model.name kind}: power of two {factor:e2}: same bits"
                    else
                        // 1e150 is not a power of two: after the division by R the features differ from the unscaled
                        // run's by one rounding (relative 1.1e-16), which may move an accept/reject decision of the
                        // late phase's step control; the two runs then follow the flow each within its tolerance.
                        // Bound: the faithfulness bound of the late phase, 1 - cos <= 1e-9 (4.5e-5 rad).
                        worst <- max worst angle
                        Expect.isLessThan angle 4.5e-5 $"{Model.name kind} x {factor:e0}: angle to the unscaled run"
                    // The normalized margin moves by at most max_n ||x_n|| times the change of direction.
                    let bound = data.MaxPointNorm() * angle + 1e-13
                    Expect.isLessThanOrEqual
                        (abs (r.Final.NormalizedMargin / factor - reference.Final.NormalizedMargin)) bound
                        "margin in input units"
                    if factor = 2.0 ** -400.0 || factor = 2.0 ** 400.0 then
                        // Same iterates: ||beta|| in input units scales by exactly 1 / factor.
                        Expect.floatClose { absolute = 1e-12; relative = 1e-14 } (r.Final.LogBetaNorm + log factor)
                            reference.Final.LogBetaNorm "log ||beta|| in input units"
            printfn "AnyScale: worst angle to the unscaled run for factors 1e-150 and 1e150: %.2e rad" worst

        testCase
            ("features near the end of the double range (1e300) train; a row whose norm overflows is refused, "
             + "naming the row") <| fun _ ->
            let data = scaled 1e300 (SyntheticData.GaussianTeacher(6, 8, 2UL))
            let r = Run.train (Run.defaults |> Run.withModel Convolutional 2 |> Run.withSteps 50_000L) data
            Expect.isTrue (r.Outcome = TrainingOutcome.StepLimit || r.Outcome = TrainingOutcome.Converged)
                $"trained ({r.Outcome})"
            Expect.isTrue (r.Final.NormalizedMargin > 0.0 && Double.IsFinite r.Final.NormalizedMargin)
                "separates, finite margin"
            let features = Array.copy data.Features
            features[3 * 8] <- 1.5e308
            features[3 * 8 + 1] <- 1.5e308
            let e = TestUtil.throws<ArgumentException> (fun () -> Dataset(features, data.Labels, 8, "big") |> ignore)
                        "overflowing norm"
            Expect.stringContains e.Message "point 3" "names the row (0-based point index)"

        testCase
            ("points whose norms differ by 1e140 train to the l2 limit; by 1e160 or more, training refuses them "
             + "with a clear error, not NonFinite") <| fun _ ->
            // y x = (s, s) and (1, 2): separable, and the l2 limit (1, 2) / sqrt 5 is set by the small point alone.
            let pair (spread: float) =
                Dataset([| spread; spread; -1.0; -2.0 |], [| 1.0; -1.0 |], 2, $"spread {spread:e0}")
            let s = Run.defaults |> Run.withModel Linear 1 |> Run.withTimeLimit 60.0
            let r = Run.train s (pair 1e140)
            Expect.equal r.Outcome TrainingOutcome.Converged "1e140: converged"
            Expect.isLessThan (TestUtil.relativeError r.Direction [| 1.0 / sqrt 5.0; 2.0 / sqrt 5.0 |]) 1e-6
                "1e140: the l2 limit"
            for spread in [ 1e160; 1e308 ] do
                let e =
                    TestUtil.throws<ArgumentException> (fun () -> Run.train s (pair spread) |> ignore) $"{spread:e0}"
                Expect.stringContains e.Message "2^500" $"{spread:e0}: says why"
                let model = RunSpec.parameterization s 2
                let w0 = ImplicitBias.Engine.Networks.ParameterizationExtensions.Initialize(model, 0.5, 1UL)
                let train () =
                    GradientDescent.Train(model, pair spread, ReadOnlySpan w0, RunSpec.engineSettings s) |> ignore
                let engine = TestUtil.throws<ArgumentException> train "the engine too"
                Expect.stringContains engine.Message "2^500" $"{spread:e0}: the engine says why"
    ]
