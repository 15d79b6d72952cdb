/// Gradient descent (core/Engine/Training): eq. (7), the normalized rule, determinism, the
/// recording schedule, and every stopping rule, including not converging as a recorded outcome.
module ImplicitBias.Tests.TestGradientDescent

open System
open System.Threading
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

let private data = SyntheticData.GaussianTeacher(6, 8, 5UL)
let private settings step steps = TrainingSettings(step, ExponentialLoss(), steps)
let private train (model: IParameterization) (w0: float[]) (s: TrainingSettings) =
    GradientDescent.Train(model, data, ReadOnlySpan w0, s)

[<Tests>]
let tests =
    testList "GradientDescent" [
        testCase
            "one fixed step is eq. (7) on the data scaled to unit size: w - eta grad L(w), with grad L = L grad log L"
        <| fun _ ->
            // Training works on the data divided by R = max_n ||x_n|| and reports w in the input's
            // coordinates: w / ||w|| unchanged, log ||w|| lowered by (log R) / nu.
            let scaled = UnitScale.Of(data, ref 0.0)
            let r = UnitScale.Scale data
            Expect.isTrue (r <> 1.0) "this dataset is rescaled"
            for model in [ LinearModel(8) :> IParameterization; FullyConnectedNetwork(8, 3);
                           ConvolutionalFourierNetwork(8, 2) ] do
                let w0 = model.Initialize(1.0, 3UL)
                let objective = LogLossObjective(model, scaled, ExponentialLoss())
                let grad = Array.zeroCreate model.ParameterCount
                let logLoss = objective.ValueAndGradient(ReadOnlySpan w0, Span grad)
                let expected = Array.map2 (fun w g -> w - 0.01 * exp logLoss * g) w0 grad
                let result = train model w0 (settings (FixedStep 0.01) 1L)
                let norm = sqrt (dot expected expected)
                Expect.isLessThan (relativeError result.Parameters (expected |> Array.map (fun v -> v / norm))) 1e-14
                    model.Name
                Expect.floatClose Accuracy.veryHigh result.LogParameterNorm (log norm - log r / float model.Degree)
                    "log ||w||"

        testCase
            ("with the floor the margins grow geometrically: log(-log L) rises at a steady rate, up to nu log(1 + rho) "
             + "per step") <| fun _ ->
            // A step of length rho ||w|| exactly along w would multiply the margins by (1 + rho)^nu; the
            // gradient of log L is only roughly parallel to w (it follows the current support vectors),
            // so the rate is a fraction of that (0.8 for this conv net when written), steady from window to window.
            let rho = 1e-2
            for model in [ ConvolutionalFourierNetwork(8, 2) :> IParameterization; FullyConnectedNetwork(8, 3) ] do
                let at steps =
                    (train model (model.Initialize(0.5, 3UL)) (settings (NormalizedStep(0.5, rho)) steps)).Final.LogLoss
                let a, b, c = at 3000L, at 3200L, at 3400L
                Expect.isLessThan a -1e6 $"{model.Name}: the floor binds (margins far past eta * steps)"
                let rate1, rate2 = (log (-b) - log (-a)) / 200.0, (log (-c) - log (-b)) / 200.0
                let full = float model.Degree * log (1.0 + rho)
                Expect.floatClose { absolute = 0.0; relative = 0.1 } rate2 rate1 $"{model.Name}: steady rate"
                Expect.isGreaterThan rate1 (0.5 * full) $"{model.Name}: at least half of nu log(1 + rho)"
                Expect.isLessThan rate1 (1.05 * full) $"{model.Name}: at most nu log(1 + rho)"

        testCase "margins grow past the double range and training goes on: every recorded value stays finite"
        <| fun _ ->
            // With a floor of 5% per step, log ||beta|| passes 709 (||beta|| > 1.8e308) within a few thousand
            // steps (linear: 1e154 ||w||^1); the run must still end at its step budget with a usable state.
            for model in [ LinearModel(8) :> IParameterization; ConvolutionalFourierNetwork(8, 2);
                           FullyConnectedNetwork(8, 3) ] do
                let r = train model (model.Initialize(0.5, 3UL)) (settings (NormalizedStep(0.5, 0.05)) 40_000L)
                Expect.equal (r.Outcome, r.Steps) (TrainingOutcome.StepLimit, 40_000L) model.Name
                Expect.isGreaterThan r.Final.LogBetaNorm 800.0
                    $"{model.Name}: ||beta|| far past 1e308 (log 1.8e308 = 709.8)"
                Expect.equal r.Final.LogLoss Double.NegativeInfinity "log L itself is no longer a double"
                for x in r.Records do
                    let values = [ x.LogBetaNorm; x.SmoothedMargin; x.NormalizedMargin; x.LogParameterNorm; x.Seconds ]
                    Expect.isTrue (values |> List.forall Double.IsFinite)
                        $"{model.Name}: finite record at step {x.Step}"
                    Expect.isTrue (x.Direction |> Array.forall Double.IsFinite) "finite direction"
                Expect.isTrue (Array.forall Double.IsFinite r.Direction && Array.forall Double.IsFinite r.Parameters)
                    "finite state"
                Expect.floatClose Accuracy.high (Geometry.Norm(ReadOnlySpan r.Direction)) 1.0 "unit direction"
                Expect.isTrue (r.Final.NormalizedMargin > 0.0) "separates"
                // The smoothed margin -log L / ||beta|| has reached the normalized margin (exp loss, huge margins).
                Expect.floatClose { absolute = 0.0; relative = 1e-12 } r.Final.SmoothedMargin r.Final.NormalizedMargin
                    "smoothed = min margin"

        testCase
            ("the split w = 2^k w' does not change the iterates: same bits as the unscaled iteration while it is "
             + "representable") <| fun _ ->
            // Scaling the data by a power of two changes nothing either (UnitScale divides it out exactly).
            for model in [ ConvolutionalFourierNetwork(8, 3) :> IParameterization; DiagonalNetwork(8, 2);
                           FullyConnectedNetwork(8, 2) ] do
                let w0 = model.Initialize(0.5, 4UL)
                let a = train model w0 (settings (NormalizedStep(0.5, 3e-3)) 3000L)
                let big = Dataset(data.Features |> Array.map (fun v -> v * 1024.0), data.Labels, data.Dimension)
                let b = GradientDescent.Train(model, big, ReadOnlySpan w0, settings (NormalizedStep(0.5, 3e-3)) 3000L)
                Expect.equal b.Direction a.Direction $"{model.Name}: 1024 x data, same direction bit for bit"
                Expect.floatClose Accuracy.veryHigh b.Final.NormalizedMargin (1024.0 * a.Final.NormalizedMargin)
                    "margin in input units"
                // Twin without the split: the plain iteration w <- w - s grad log L in doubles, by hand on the
                // generic kernel (margin scale 1, k = 0, never rescaled), on the unit-scaled data.
                use kernel = new GenericStepper(model, UnitScale.Of(data, ref 0.0), ReadOnlySpan w0)
                let rule = NormalizedStep(0.5, 3e-3)
                let r2 = (UnitScale.Of(data, ref 0.0)).MaxPointNorm() ** 2.0
                for _ in 1 .. 3000 do
                    let l = kernel.Evaluate(ExponentialLoss())
                    let g2 = kernel.Gradient()
                    kernel.Step(rule.Multiplier(l, kernel.ParameterNormSquared(), g2, model.Degree, r2))
                let beta = Array.zeroCreate 8
                kernel.CopyBeta(Span beta)
                let generic = GradientDescent.TrainGeneric(model, data, ReadOnlySpan w0, settings rule 3000L)
                Expect.equal generic.Direction (Geometry.Normalize(ReadOnlySpan beta))
                    $"{model.Name}: split run = plain run, bit for bit"
                Expect.isGreaterThan (generic.LogParameterNorm - a.Records[0].LogParameterNorm) (log 4.0)
                    "w grew past 4 times, so w' was rescaled"

        testCase "normalized steps lower log L by about eta per step once the data is separated" <| fun _ ->
            // First-order claim of the rule: Delta log L = -eta + O(eta^2). Checked over 100 steps late in training.
            for model in [ FullyConnectedNetwork(8, 3) :> IParameterization; ConvolutionalFourierNetwork(8, 4);
                           DiagonalNetwork(8, 2) ] do
                let at steps =
                    (train model (model.Initialize(0.5, 3UL)) (settings (NormalizedStep 0.05) steps)).Final.LogLoss
                let perStep = (at 5000L - at 5100L) / 100.0
                Expect.floatClose { absolute = 0.0; relative = 0.02 } perStep 0.05 model.Name

        testCase "deterministic: iterates do not depend on how the run is recorded or on other runs in parallel"
        <| fun _ ->
            // The settling rule looks at the direction itself (StepFloor), on its own schedule: recording
            // once a decade without directions must give the same bits as 20 records a decade with them,
            // and four runs on four threads the same bits as one alone (no shared mutable state).
            let rule = SettlingStep(0.5, 1e-3, 0.2, 1e-2)
            for model in [ FullyConnectedNetwork(8, 2) :> IParameterization; ConvolutionalFourierNetwork(8, 3);
                           DiagonalNetwork(8, 2) ] do
                let w0 = model.Initialize(0.1, 9UL)
                let dense = train model w0 (settings rule 30_000L)
                let sparse = train model w0 (TrainingSettings(rule, ExponentialLoss(), 30_000L, RecordsPerDecade = 1,
                                                              RecordDirections = false))
                Expect.isGreaterThan dense.Final.LogBetaNorm 5.0 $"{model.Name}: far enough for the floor to settle"
                Expect.equal sparse.Parameters dense.Parameters $"{model.Name}: records do not change the iterates"
                Expect.equal sparse.Final.LogBetaNorm dense.Final.LogBetaNorm model.Name
                let parallel' = Array.Parallel.init 4 (fun _ -> train model w0 (settings rule 30_000L))
                for p in parallel' do
                    Expect.equal p.Parameters dense.Parameters $"{model.Name}: same bits on another thread"
                    Expect.equal (p.Records |> Seq.map (fun r -> r.LogLoss) |> Seq.toList)
                        (dense.Records |> Seq.map (fun r -> r.LogLoss) |> Seq.toList) model.Name

        testCase "records are log-spaced, start at 0 and end at the last step" <| fun _ ->
            let r = train (LinearModel 8) (LinearModel(8).Initialize(0.1, 1UL))
                          (TrainingSettings(NormalizedStep 0.5, ExponentialLoss(), 10000L, RecordsPerDecade = 10))
            let steps = r.Records |> Seq.map (fun x -> x.Step) |> Seq.toArray
            Expect.equal steps[0] 0L "first"
            Expect.equal steps[steps.Length - 1] 10000L "last"
            Expect.isTrue (steps |> Array.pairwise |> Array.forall (fun (a, b) -> b > a)) "increasing"
            let inDecade lo hi = steps |> Array.filter (fun s -> s >= lo && s < hi) |> Array.length
            Expect.equal (inDecade 1000L 10000L) 10 "10 records in [1000, 10000)"
            Expect.equal (inDecade 100L 1000L) 10 "10 records in [100, 1000)"

        testCase "recorded metrics are what they claim" <| fun _ ->
            let model = ConvolutionalFourierNetwork(8, 2)
            let r = train model (model.Initialize(0.5, 2UL)) (settings (NormalizedStep 0.5) 500L)
            Expect.isTrue (Double.IsNaN r.Records[0].AngleToPrevious) "no angle at the first record"
            let z = data.SignedFeatures()
            for x in r.Records |> Seq.skip 1 do
                Expect.floatClose Accuracy.veryHigh (sqrt (dot x.Direction x.Direction)) 1.0 "unit direction"
                Expect.isLessThan (relativeError x.FourierMagnitudes (UnitaryDft.Magnitudes(ReadOnlySpan x.Direction)))
                    1e-12 "spectrum"
                Expect.floatClose Accuracy.high x.NormalizedMargin
                    (Geometry.NormalizedMargin(ReadOnlySpan z, ReadOnlySpan x.Direction)) "margin"
            let final = r.Final
            // Independent: w = exp(log ||w||) * (w / ||w||) through the model's own Predictor gives beta in input
            // coordinates.
            let w = r.Parameters |> Array.map (fun v -> v * exp r.LogParameterNorm)
            let beta = model.Predictor(ReadOnlySpan w)
            Expect.floatClose Accuracy.high final.LogBetaNorm (log (sqrt (dot beta beta))) "log beta norm"
            Expect.isLessThan (relativeError r.Direction (beta |> Array.map (fun v -> v / sqrt (dot beta beta)))) 1e-12
                "direction = P(w) / ||P(w)||"
            let margins = [ for n in 0 .. data.Count - 1 -> dot (z[n * 8 .. n * 8 + 7]) beta ]
            let logLoss = log (margins |> List.sumBy (fun m -> exp (-m)))
            Expect.floatClose Accuracy.high final.LogLoss logLoss "log L of the input-coordinate beta"
            Expect.floatClose Accuracy.high final.SmoothedMargin (-logLoss / sqrt (dot beta beta))
                "smoothed margin = -log L / ||beta||"

        testCase "stops at the step budget" <| fun _ ->
            let r = train (LinearModel 8) (Array.zeroCreate 8) (settings (NormalizedStep 0.5) 123L)
            Expect.equal (r.Outcome, r.Steps) (TrainingOutcome.StepLimit, 123L) "outcome"

        testCase "stops at the log-loss target" <| fun _ ->
            let s = TrainingSettings(NormalizedStep 0.5, ExponentialLoss(), 1_000_000L, LogLossTarget = -50.0)
            let r = train (DiagonalNetwork(8, 2)) (DiagonalNetwork(8, 2).Initialize(0.1, 4UL)) s
            Expect.equal r.Outcome TrainingOutcome.LossTargetReached "outcome"
            Expect.isLessThanOrEqual r.Final.LogLoss -50.0 "final log L"
            Expect.isGreaterThan r.Records[r.Records.Count - 2].LogLoss -50.0 "not reached before the last record"

        testCase "a log-loss target is landed on exactly, also when the crossing step rescales w' (every target of 40)"
        <| fun _ ->
            // A 5% floor grows ||w|| by 5% a step, so w' is rescaled by a power of two every ~14 steps and
            // some targets are crossed on such a step; the final log L must still be the target.
            for model in [ ConvolutionalFourierNetwork(8, 2) :> IParameterization; LinearModel(8) ] do
                for i in 0 .. 39 do
                    let target = -(10.0 ** (1.0 + 0.1 * float i))
                    let s = TrainingSettings(NormalizedStep(0.5, 0.05), ExponentialLoss(), 100_000L,
                                             LogLossTarget = target)
                    let r = train model (model.Initialize(0.5, 3UL)) s
                    Expect.equal r.Outcome TrainingOutcome.LossTargetReached $"{model.Name}: {target}"
                    Expect.floatClose { absolute = 0.0; relative = 1e-9 } r.Final.LogLoss target
                        $"{model.Name}: landed on {target}"
                    Expect.isGreaterThan r.Records[r.Records.Count - 2].LogLoss target "not before the last record"

        testCase "stops at the wall-clock limit" <| fun _ ->
            let s = TrainingSettings(NormalizedStep 0.5, ExponentialLoss(), Int64.MaxValue, TimeLimitSeconds = 0.3)
            let r = train (FullyConnectedNetwork(8, 2)) (FullyConnectedNetwork(8, 2).Initialize(0.1, 4UL)) s
            Expect.equal r.Outcome TrainingOutcome.TimeLimit "outcome"
            Expect.isGreaterThanOrEqual r.Seconds 0.3 "ran at least the limit"

        testCase "a cancelled run stops with outcome Cancelled" <| fun _ ->
            use cts = new CancellationTokenSource()
            cts.Cancel()
            let r = GradientDescent.Train(LinearModel 8, data, ReadOnlySpan(Array.zeroCreate 8),
                                          settings (NormalizedStep 0.5) 1000L, null, cts.Token)
            Expect.equal (r.Outcome, r.Steps) (TrainingOutcome.Cancelled, 0L) "outcome"

        testCase "a diverging run is recorded as NonFinite, not thrown, and keeps the last finite state" <| fun _ ->
            // Real divergence: a fixed step of 1e300 L throws some margins to about -1e300, log L to +1e300, and
            // the next step, 1e300 exp(1e300), leaves the double range. (A huge step that happens to lower the
            // loss is not divergence: the scale split w = 2^k w' carries it, and the run goes on.)
            let model = LinearModel(8)
            let r = train model (model.Initialize(3.0, 1UL)) (settings (FixedStep 1e300) 1000L)
            Expect.equal r.Outcome TrainingOutcome.NonFinite "outcome"
            Expect.isTrue (r.Direction |> Array.forall Double.IsFinite) "finite direction"
            Expect.isTrue (r.Parameters |> Array.forall Double.IsFinite) "finite parameters"
            Expect.isTrue (Double.IsFinite r.Final.LogBetaNorm && Double.IsFinite r.Final.SmoothedMargin)
                "finite final record"

        testCase "the normalized rule separates the data and drives log L down at depths 1-5 (fc, conv)" <| fun _ ->
            for make in [ (fun l -> FullyConnectedNetwork(8, l) :> IParameterization);
                          (fun l -> ConvolutionalFourierNetwork(8, l)) ] do
                for depth in 1 .. 5 do
                    let model = make depth
                    let r = train model (model.Initialize(0.1, 6UL)) (settings (NormalizedStep 0.5) 20000L)
                    Expect.equal r.Outcome TrainingOutcome.StepLimit model.Name
                    Expect.isGreaterThan r.Final.NormalizedMargin 0.0 $"{model.Name}: separates"
                    Expect.isLessThan r.Final.LogLoss -20.0 $"{model.Name}: loss driven down"

        testCase "diagonal networks of depth 2 separate; deeper ones may stall, which is recorded, not thrown"
        <| fun _ ->
            // For diagonal networks w_l[i]^2 - w_k[i]^2 is conserved by gradient flow, so from a small
            // initialization the sign of beta_i = prod_l w_l[i] is nearly locked for L >= 3 and the run can
            // stall at a non-separating point (the paper's assumption (a), L -> 0, then fails). Depth 2 can
            // still flip signs. The runs end normally with outcome StepLimit either way.
            for depth in 2 .. 5 do
                let model = DiagonalNetwork(8, depth)
                let r = train model (model.Initialize(0.1, 6UL)) (settings (NormalizedStep 0.5) 20000L)
                Expect.equal r.Outcome TrainingOutcome.StepLimit model.Name
                Expect.isTrue (Double.IsFinite r.Final.LogLoss) model.Name
                if depth = 2 then Expect.isGreaterThan r.Final.NormalizedMargin 0.0 "depth 2 separates"
    ]
