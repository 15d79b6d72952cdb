/// The settling step rule (SettlingStep) and its two options: capped steps by the explicit midpoint rule
/// (Midpoint: against a hand-written iteration, its order of accuracy, the lone kernels' slow form), and the
/// floor dropped after the capped phase (FloorAfterCap: on the floor itself, through the training loop, the
/// one-pass StepFloor.Step against its slow twins); each option's text form.
module ImplicitBias.Tests.TestSettlingStep

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Steppers
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

let private models: IParameterization list =
    [ ConvolutionalFourierNetwork(8, 3); DiagonalNetwork(8, 2); FullyConnectedNetwork(8, 3) ]

/// The plain iteration by hand on arrays (no split w = 2^k w', no kernel): each step moves w by
/// -s grad log L, s = the capped normalized multiplier at w, with the gradient taken at w - (s/2) grad
/// (midpoint) or at w (Euler). Fails if a step is not in the capped regime.
let private byHand (model: IParameterization) (data: Dataset) (rule: SettlingStep) (w0: float[]) (steps: int) midpoint =
    let objective = LogLossObjective(model, data, ExponentialLoss())
    let w = Array.copy w0
    let g = Array.zeroCreate w.Length
    for _ in 1 .. steps do
        objective.ValueAndGradient(ReadOnlySpan w, Span g) |> ignore
        let w2, g2 = dot w w, dot g g
        if not (NormalizedStep.EtaStepIsCapped(rule.Eta, rule.Cap, w2, g2, model.Degree, 0L)) then
            failwith "left the capped regime"
        let s = NormalizedStep.Scaled(rule.Eta, rule.MaxFloor, rule.Cap, w2, g2, model.Degree, 0L)
        if midpoint then
            let half = Array.map2 (fun x y -> x - 0.5 * s * y) w g
            objective.ValueAndGradient(ReadOnlySpan half, Span g) |> ignore
        for i in 0 .. w.Length - 1 do w[i] <- w[i] - s * g[i]
    w

/// 1 - cos as ||a/|a| - b/|b|||^2 / 2 (no cancellation near 0).
let private gap (a: float[]) (b: float[]) =
    let na, nb = sqrt (dot a a), sqrt (dot b b)
    0.5 * Array.fold2 (fun s x y -> s + (x / na - y / nb) ** 2.0) 0.0 a b

// ||w||^2 = 1, nu = 3, eta 0.5, cap 1e-2: the eta step 0.5 / g2 is capped while sqrt(g2) <= 50.
let private cappedGradient = 1.0
let private freeGradient = 1e8
let private unitAt (angle: float) = [| cos angle; sin angle |]

/// The floor's sequence: a free step before the fit, an anchor, a capped step, an observation 1.5 later,
/// a free step past the fit, an observation 1.1 later, a capped step again.
let private sequence (rule: SettlingStep) =
    let floor = rule.Start()
    floor.AfterGradient(0.5, 1.0, freeGradient, 3, 0L) // a free step before the fit (log L > 0) does not end
                                                        // the capped phase
    floor.Observe(1.0, ReadOnlySpan(unitAt 0.0))
    floor.AfterGradient(-10.0, 1.0, cappedGradient, 3, 0L)
    let afterCap = floor.Floor
    floor.Observe(2.5, ReadOnlySpan(unitAt 1e-3))
    let afterFirstRise = floor.Floor
    floor.AfterGradient(-10.0, 1.0, freeGradient, 3, 0L)
    let multiplier = floor.Multiplier(1.0, freeGradient, 3, 0L)
    floor.Observe(3.6, ReadOnlySpan(unitAt 1.5e-3))
    let settled = floor.Floor
    floor.AfterGradient(-10.0, 1.0, cappedGradient, 3, 0L) // a capped step past the capped phase (chatter at the
                                                            // end of the fit)
    afterCap, afterFirstRise, multiplier, settled, floor.Floor

/// The midpoint option (SettlingStep.Midpoint).
let private midpoint =
    testList "midpoint" [
        testCase
            "a capped midpoint step is w - s grad(w - (s/2) grad(w)): the training loop against the iteration by hand"
        <| fun _ ->
            // Independent twin: the plain iteration on arrays through LogLossObjective (byHand), on the data
            // scaled to unit size as training does. The Euler iteration by hand is far from it, so the
            // tolerance separates the two rules.
            let data = SyntheticData.GaussianTeacher(6, 8, 5UL)
            let scaled = UnitScale.Of(data, ref 0.0)
            let rule = SettlingStep(50.0, 0.0, 0.2, 1e-2, true)
            for model in models do
                let w0 = model.Initialize(0.5, 3UL)
                let expected = byHand model scaled rule w0 300 true
                let euler = byHand model scaled rule w0 300 false
                let unit (v: float[]) = let n = sqrt (dot v v) in v |> Array.map (fun x -> x / n)
                let settings = TrainingSettings(rule, ExponentialLoss(), 300L)
                for name, r in
                    [ "fast kernel", GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
                      "generic kernel", GradientDescent.TrainGeneric(model, data, ReadOnlySpan w0, settings) ] do
                    Expect.isLessThan (relativeError r.Parameters (unit expected)) 1e-12
                        $"{model.Name} {name}: direction of w"
                    Expect.isGreaterThan (relativeError r.Parameters (unit euler)) 1e-8
                        $"{model.Name} {name}: not the Euler iteration"
                    Expect.floatClose { absolute = 1e-12; relative = 0.0 }
                        (r.LogParameterNorm + log (UnitScale.Scale data) / float model.Degree)
                        (log (sqrt (dot expected expected))) $"{model.Name} {name}: log ||w||"
                    Expect.isGreaterThan (r.LogParameterNorm - r.Records[0].LogParameterNorm) (log 4.0)
                        "w grew past 4 times, so w' was rescaled"

        testCase
            ("the split w = 2^k w' does not change the midpoint iterates: same bits as the plain iteration "
             + "on the generic kernel") <| fun _ ->
            // As the split test of TestGradientDescent, for the midpoint sequence: half step, gradient there, back,
            // full step, all at margin scale 1 and k = 0 (never rescaled), against TrainGeneric, which rescales.
            let data = SyntheticData.GaussianTeacher(6, 8, 5UL)
            let scaled = UnitScale.Of(data, ref 0.0)
            let rule = SettlingStep(50.0, 0.0, 0.2, 1e-2, true)
            for model in models do
                let w0 = model.Initialize(0.5, 4UL)
                use kernel = new GenericStepper(model, scaled, ReadOnlySpan w0)
                for _ in 1 .. 400 do
                    kernel.Evaluate(ExponentialLoss()) |> ignore
                    let g2 = kernel.Gradient()
                    let w2 = kernel.ParameterNormSquared()
                    let s = NormalizedStep.Scaled(rule.Eta, rule.MaxFloor, rule.Cap, w2, g2, model.Degree, 0L)
                    Expect.isTrue (NormalizedStep.EtaStepIsCapped(rule.Eta, rule.Cap, w2, g2, model.Degree, 0L))
                        "capped regime"
                    kernel.Step(0.5 * s)
                    kernel.Evaluate(ExponentialLoss()) |> ignore
                    kernel.Gradient() |> ignore
                    kernel.StepBack()
                    kernel.Step s
                let beta = Array.zeroCreate 8
                kernel.CopyBeta(Span beta)
                let generic = GradientDescent.TrainGeneric(model, data, ReadOnlySpan w0,
                                                           TrainingSettings(rule, ExponentialLoss(), 400L))
                Expect.equal generic.Direction (Geometry.Normalize(ReadOnlySpan beta))
                    $"{model.Name}: split run = plain run, bit for bit"
                Expect.isGreaterThan (generic.LogParameterNorm - generic.Records[0].LogParameterNorm) (log 4.0)
                    "w' was rescaled"

        testCase
            ("a lone kernel's MidpointStep (no log L, no norms at the midpoint, no step back) = Stepper's slow form, "
             + "bit for bit") <| fun _ ->
            // Twins from the same start: the lone kernel takes its override; a lane of a one-group lane kernel
            // (LaneView, which keeps Stepper's default MidpointStep: half Step, Evaluate, Gradient, StepBack, Step)
            // takes the slow form, with the lane's bits. 300 steps at varied multipliers and margin scales; the
            // parameters, the next log L and ||grad||^2, and StepBack's iterate must have the same bits. Conv L = 1..4,
            // diag, linear, fc (square and uneven widths); even and odd D.
            let cases: (IParameterization * Dataset) list =
                [ for depth in 1 .. 4 do
                    yield ConvolutionalFourierNetwork(12, depth) :> IParameterization,
                          SyntheticData.GaussianTeacher(7, 12, uint64 depth)
                    yield ConvolutionalFourierNetwork(9, depth),
                          SyntheticData.GaussianTeacher(5, 9, uint64 (10 + depth))
                  yield DiagonalNetwork(11, 3), SyntheticData.GaussianTeacher(6, 11, 3UL)
                  yield LinearModel(10), SyntheticData.GaussianTeacher(4, 10, 4UL)
                  yield FullyConnectedNetwork(12, 3), SyntheticData.GaussianTeacher(7, 12, 5UL)
                  yield FullyConnectedNetwork(9, 4, [ 5; 11; 3 ]), SyntheticData.GaussianTeacher(6, 9, 6UL)
                  yield FullyConnectedNetwork(7, 1), SyntheticData.GaussianTeacher(5, 7, 7UL) ]
            let loss = ExponentialLoss()
            for model, data in cases do
                let scaled = UnitScale.Of(data, ref 0.0)
                let w0 = model.Initialize(0.7, 9UL)
                use fast = NetworkFamilies.Alone(model, scaled, ReadOnlySpan w0)
                let lanes = NetworkFamilies.Lanes(model, loss, data.Count, data.Dimension, 1)
                lanes.Load(0, scaled, ReadOnlySpan w0)
                use slow = new LaneView(lanes, 0)
                let parameters (k: Stepper) =
                    let w = Array.zeroCreate model.ParameterCount in k.CopyParameters(Span w); w
                let bitsOf (w: float[]) = Array.map BitConverter.DoubleToInt64Bits w
                for step in 1 .. 300 do
                    let scale = [| 1.0; 0.5; 4.0 |][step % 3]
                    let a = fast.Evaluate(loss, scale)
                    let b = slow.Evaluate(loss, scale)
                    Expect.equal (BitConverter.DoubleToInt64Bits a) (BitConverter.DoubleToInt64Bits b)
                        $"{model.Name} step {step}: log L"
                    let ga, gb = fast.Gradient(), slow.Gradient()
                    Expect.equal (BitConverter.DoubleToInt64Bits ga) (BitConverter.DoubleToInt64Bits gb)
                        $"{model.Name} step {step}: ||grad||^2"
                    let s = 0.05 / sqrt (ga + 1e-300) * (1.0 + 0.1 * float (step % 7))
                    fast.MidpointStep(loss, scale, s)
                    slow.MidpointStep(loss, scale, s)
                    Expect.equal (bitsOf (parameters fast)) (bitsOf (parameters slow))
                        $"{model.Name} step {step}: parameters"
                fast.StepBack(); slow.StepBack()
                Expect.equal (bitsOf (parameters fast)) (bitsOf (parameters slow))
                    $"{model.Name}: StepBack after a midpoint step"
                Expect.notEqual (bitsOf (parameters fast)) (bitsOf w0) $"{model.Name}: the parameters moved"

        testCase
            ("capped midpoint steps are second order: halving the cap divides the path error (1 - cos) by 10 or more, "
             + "Euler's by about 4") <| fun _ ->
            // Path error at equal loss (log L = -1, still capped): 1 - cos to a run with a cap of 2.5e-4. The explicit
            // midpoint rule has a global error O(h^2) in the path (1 - cos ~ h^4: a factor 16 per halving), Euler's
            // O(h) (a factor 4). Measured when written: midpoint 13 to 34, Euler 3.7 to 4.3 on these three.
            let cases: (IParameterization * Dataset) list =
                [ ConvolutionalFourierNetwork(12, 3), SyntheticData.GaussianTeacher(8, 12, 2UL)
                  DiagonalNetwork(12, 2), SyntheticData.GaussianTeacher(8, 12, 2UL)
                  FullyConnectedNetwork(8, 3), SyntheticData.GaussianTeacher(6, 8, 3UL) ]
            for model, data in cases do
                let w0 = model.Initialize(0.5, 7UL)
                let run midpoint cap =
                    let s = TrainingSettings(SettlingStep(0.5, 0.0, 0.2, cap, midpoint), ExponentialLoss(), 10_000_000L,
                                             LogLossTarget = -1.0)
                    let r = GradientDescent.Train(model, data, ReadOnlySpan w0, s)
                    Expect.equal r.Outcome TrainingOutcome.LossTargetReached $"{model.Name} cap {cap}"
                    r.Direction
                for midpoint, lo, hi in [ true, 10.0, infinity; false, 3.0, 5.5 ] do
                    let reference = run true 2.5e-4
                    let errors = [ for cap in [ 8e-3; 4e-3; 2e-3 ] -> gap (run midpoint cap) reference ]
                    for a, b in List.pairwise errors do
                        Expect.isGreaterThan (a / b) lo $"{model.Name} midpoint={midpoint}: errors {errors}"
                        Expect.isLessThan (a / b) hi $"{model.Name} midpoint={midpoint}: errors {errors}"

        testCase "the midpoint option parses, prints, survives Smaller, and decides alike in scaled coordinates"
        <| fun _ ->
            let rule = StepRule.Parse "settling:0.5:1e-05:0.2:1e-05:midpoint"
            Expect.equal rule (SettlingStep(0.5, 1e-5, 0.2, 1e-5, true) :> StepRule) "parsed"
            Expect.equal (rule.Describe()) "settling:0.5:1E-05:0.2:1E-05:midpoint" "printed"
            Expect.equal (StepRule.Parse(rule.Describe())) rule "round trip"
            Expect.equal (SettlingStep(0.5, 1e-3, 0.2, 0.1, true).Describe()) "settling:0.5:0.001:0.2:0.1:midpoint"
                "the cap is printed when midpoint is on"
            Expect.isFalse (StepRule.Parse "settling:0.5:1e-05:0.2:1e-05" :?> SettlingStep).Midpoint "off unless asked"
            Expect.isTrue ((rule :?> SettlingStep).Smaller 10.0).Midpoint "the 10x smaller twin integrates alike"
            for bad in [ "settling:0.5:1e-05:0.2:midpoint"; "settling:0.5:1e-05:0.2:1e-05:rk4";
                         "normalized:0.5:1e-05:midpoint"; "settling:0.5:1e-05:0.2:1e-05:midpoint:1" ] do
                throws<ArgumentException> (fun () -> StepRule.Parse bad |> ignore) bad |> ignore
            // ||w||^2 = 4^k ||w'||^2 and ||grad||^2 = 4^((nu-1)k) ||G||^2: the decision "eta step >= cap" must not
            // depend on k.
            for degree in 1 .. 5 do
                for k in [ -7L; -2L; 3L; 9L ] do
                    for w2, g2 in [ 0.3, 2.0; 3.5, 0.01; 1.0, 1e-6; 1.0, 2.5e9 ] do
                        let plain =
                            NormalizedStep.EtaStepIsCapped(0.5, 1e-5, Math.ScaleB(w2, int (2L * k)),
                                                           Math.ScaleB(g2, int (2L * int64 (degree - 1) * k)),
                                                           degree, 0L)
                        let scaled = NormalizedStep.EtaStepIsCapped(0.5, 1e-5, w2, g2, degree, k)
                        Expect.equal scaled plain $"nu={degree} k={k} w2={w2} g2={g2}"
                        Expect.equal plain
                            (degree >= 2
                             && 0.5 / Math.ScaleB(g2, int (2L * int64 (degree - 1) * k))
                                >= 1e-5 * sqrt (Math.ScaleB(w2, int (2L * k))
                                                / Math.ScaleB(g2, int (2L * int64 (degree - 1) * k))))
                            "definition"
    ]

/// The floor-after-cap option (SettlingStep.FloorAfterCap).
let private floorAfterCap =
    testList "floor after cap" [
        testCase
            "the capped phase drops the floor and its anchor; the floor comes back from the speed measured after it"
        <| fun _ ->
            let afterCap, afterFirstRise, multiplier, settled, later =
                sequence (SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, true))
            Expect.equal afterCap 0.0 "a capped step sets the floor to 0"
            Expect.equal afterFirstRise 0.0
                "the first observation after the cap is a new anchor, not a measurement across the cap"
            Expect.equal multiplier (0.5 / freeGradient) "with the floor at 0 the step is the eta step"
            Expect.floatClose Accuracy.high settled (0.2 * 5e-4 / 1.1)
                "then Kappa times the speed measured after the cap"
            Expect.equal later settled "capped steps after the first free one do not reset the floor"
            // The same sequence without the option: the floor keeps MaxFloor through the capped step and measures
            // across it.
            let afterCap', afterFirstRise', multiplier', _, _ =
                sequence (SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, false))
            Expect.equal afterCap' 1e-3 "without the option the floor stays at MaxFloor"
            Expect.floatClose Accuracy.high afterFirstRise' (0.2 * 1e-3 / 1.5) "and measures the speed across the cap"
            Expect.isGreaterThan multiplier' (0.5 / freeGradient) "so the floor, not the eta step, sets the step"

        testCase
            ("the training loop applies it: runs past the cap differ with and without the option, on the fast "
             + "and the generic kernel") <| fun _ ->
            // Cap 1e-3 ends the capped phase near margin 0.5 / (3 * 1e-3); log L = -1e6 is far past it, where the
            // floor sets the steps (measured when written: 7525 steps with the option, 6768 without).
            let model = ConvolutionalFourierNetwork(8, 3)
            let data = SyntheticData.GaussianTeacher(5, 8, 4UL)
            let w0 = model.Initialize(0.5, 2UL)
            let run train afterCap =
                let s = TrainingSettings(SettlingStep(0.5, 1e-3, 0.2, 1e-3, true, afterCap), ExponentialLoss(),
                                         2_000_000L, LogLossTarget = -1e6)
                let r: TrainingResult = train s
                Expect.equal r.Outcome TrainingOutcome.LossTargetReached $"floor-after-cap {afterCap}"
                r
            for name, train in
                [ "fast kernel", (fun s -> GradientDescent.Train(model, data, ReadOnlySpan w0, s))
                  "generic kernel", (fun s -> GradientDescent.TrainGeneric(model, data, ReadOnlySpan w0, s)) ] do
                let on, off = run train true, run train false
                Expect.notEqual on.Steps off.Steps
                    $"{name}: the option changes the steps after the cap ({on.Steps} vs {off.Steps})"

        testCase "StepFloor.Step (one pass) = AfterGradient, Multiplier and TakesMidpoint (the slow twins), bit for bit"
        <| fun _ ->
            // Two floors driven along the same seeded sequence of steps: one through the three calls, one through Step.
            // Draws span capped and free steps (||G||^2 over 40 decades), log L on both sides of 0, nu = 1..5, scale
            // exponents k that change (the cached power of two), ||G||^2 = 0 and an observation now and then (anchor
            // and floor).
            let random = Random(20261203)
            let mutable capped, free, midpoints = 0, 0, 0
            for rule in [ SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, true);
                          SettlingStep(0.5, 1e-5, 0.2, 1e-5, true, false);
                          SettlingStep(2.0, 1e-2, 0.5, 0.1, false, true) ] do
                let slow, fast = rule.Start(), rule.Start()
                let mutable k = 0L
                for i in 0 .. 4999 do
                    let degree = 1 + random.Next 5
                    if random.Next 50 = 0 then k <- int64 (random.Next(-300, 300))
                    let p2 = 0.25 + 3.75 * random.NextDouble()
                    let g2 =
                        if random.Next 200 = 0 then 0.0
                        else Math.Pow(10.0, -20.0 + 40.0 * random.NextDouble())
                             * Math.Pow(2.0, float (-2L * int64 degree * k) |> max -1000.0 |> min 1000.0)
                    let logLoss = -10.0 + 12.0 * random.NextDouble()
                    if random.Next 100 = 0 then
                        let theta, angle = 3.0 * random.NextDouble(), random.NextDouble()
                        slow.Observe(theta, ReadOnlySpan(unitAt angle)); fast.Observe(theta, ReadOnlySpan(unitAt angle))
                    let isCapped = NormalizedStep.EtaStepIsCapped(rule.Eta, rule.Cap, p2, g2, degree, k)
                    if isCapped then capped <- capped + 1 else free <- free + 1
                    slow.AfterGradient(logLoss, p2, g2, degree, k)
                    let expected = slow.Multiplier(p2, g2, degree, k)
                    let expectedMidpoint = slow.TakesMidpoint(p2, g2, degree, k)
                    let mutable midpoint = false
                    let got = fast.Step(logLoss, p2, g2, degree, k, &midpoint)
                    if midpoint then midpoints <- midpoints + 1
                    Expect.equal (BitConverter.DoubleToInt64Bits got) (BitConverter.DoubleToInt64Bits expected)
                        $"multiplier at draw {i} ({got} vs {expected})"
                    Expect.equal midpoint expectedMidpoint $"midpoint at draw {i}"
                    Expect.equal (BitConverter.DoubleToInt64Bits fast.Floor) (BitConverter.DoubleToInt64Bits slow.Floor)
                        $"floor after draw {i}"
            Expect.isGreaterThan capped 1000 "capped steps drawn"
            Expect.isGreaterThan free 1000 "free steps drawn"
            Expect.isGreaterThan midpoints 500 "midpoint steps drawn"

        testCase "the option parses, prints, survives Smaller, and is refused out of place" <| fun _ ->
            let text = "settling:0.5:1e-05:0.2:1e-05:midpoint:floor-after-cap"
            let rule = StepRule.Parse text
            Expect.equal rule (SettlingStep(0.5, 1e-5, 0.2, 1e-5, true, true) :> StepRule) "parsed"
            Expect.equal (rule.Describe()) "settling:0.5:1E-05:0.2:1E-05:midpoint:floor-after-cap" "printed"
            Expect.equal (StepRule.Parse(rule.Describe())) rule "round trip"
            let euler = StepRule.Parse "settling:0.5:1e-05:0.2:1e-05:floor-after-cap"
            Expect.equal euler (SettlingStep(0.5, 1e-5, 0.2, 1e-5, false, true) :> StepRule) "without midpoint"
            Expect.equal (StepRule.Parse(euler.Describe())) euler "round trip without midpoint"
            Expect.equal (SettlingStep(0.5, 1e-3, 0.2, 0.1, false, true).Describe())
                "settling:0.5:0.001:0.2:0.1:floor-after-cap" "the cap is printed when the option is on"
            Expect.isFalse (StepRule.Parse "settling:0.5:1e-05:0.2:1e-05:midpoint" :?> SettlingStep).FloorAfterCap
                "off unless asked"
            Expect.isTrue ((rule :?> SettlingStep).Smaller 10.0).FloorAfterCap "the 10x smaller twin resets alike"
            for bad in [ "settling:0.5:1e-05:0.2:floor-after-cap";
                         "settling:0.5:1e-05:0.2:1e-05:floor-after-cap:midpoint"
                         "normalized:0.5:1e-05:floor-after-cap";
                         "settling:0.5:1e-05:0.2:1e-05:midpoint:floor-after-cap:1" ] do
                TestUtil.throws<ArgumentException> (fun () -> StepRule.Parse bad |> ignore) bad |> ignore
    ]

[<Tests>]
let tests = testList "SettlingStep" [ midpoint; floorAfterCap ]
