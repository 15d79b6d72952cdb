/// The settling rule's floor-after-cap option (SettlingStep.FloorAfterCap): capped steps drop the floor
/// to 0 and its speed anchor, so the floor is measured from the direction after the capped phase. Checked
/// on the floor itself, through the training loop, and for its text form.
module ImplicitBias.Tests.TestFloorAfterCap

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training

// ||w||^2 = 1, nu = 3, eta 0.5, cap 1e-2: the eta step 0.5 / g2 is capped while sqrt(g2) <= 50.
let private cappedGradient = 1.0
let private freeGradient = 1e8
let private unitAt (angle: float) = [| cos angle; sin angle |]

/// The floor's sequence: a free step before the fit, an anchor, a capped step, an observation 1.5 later,
/// a free step past the fit, an observation 1.1 later, a capped step again.
let private sequence (rule: SettlingStep) =
    let floor = rule.Start()
    floor.AfterGradient(0.5, 1.0, freeGradient, 3, 0L) // a free step before the fit (log L > 0) does not end the capped phase
    floor.Observe(1.0, ReadOnlySpan(unitAt 0.0))
    floor.AfterGradient(-10.0, 1.0, cappedGradient, 3, 0L)
    let afterCap = floor.Floor
    floor.Observe(2.5, ReadOnlySpan(unitAt 1e-3))
    let afterFirstRise = floor.Floor
    floor.AfterGradient(-10.0, 1.0, freeGradient, 3, 0L)
    let multiplier = floor.Multiplier(1.0, freeGradient, 3, 0L)
    floor.Observe(3.6, ReadOnlySpan(unitAt 1.5e-3))
    let settled = floor.Floor
    floor.AfterGradient(-10.0, 1.0, cappedGradient, 3, 0L) // a capped step past the capped phase (chatter at the end of the fit)
    afterCap, afterFirstRise, multiplier, settled, floor.Floor

[<Tests>]
let tests =
    testList "Floor after cap" [
        testCase "the capped phase drops the floor and its anchor; the floor comes back from the speed measured after it" <| fun _ ->
            let afterCap, afterFirstRise, multiplier, settled, later = sequence (SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, true))
            Expect.equal afterCap 0.0 "a capped step sets the floor to 0"
            Expect.equal afterFirstRise 0.0 "the first observation after the cap is a new anchor, not a measurement across the cap"
            Expect.equal multiplier (0.5 / freeGradient) "with the floor at 0 the step is the eta step"
            Expect.floatClose Accuracy.high settled (0.2 * 5e-4 / 1.1) "then Kappa times the speed measured after the cap"
            Expect.equal later settled "capped steps after the first free one do not reset the floor"
            // The same sequence without the option: the floor keeps MaxFloor through the capped step and measures across it.
            let afterCap', afterFirstRise', multiplier', _, _ = sequence (SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, false))
            Expect.equal afterCap' 1e-3 "without the option the floor stays at MaxFloor"
            Expect.floatClose Accuracy.high afterFirstRise' (0.2 * 1e-3 / 1.5) "and measures the speed across the cap"
            Expect.isGreaterThan multiplier' (0.5 / freeGradient) "so the floor, not the eta step, sets the step"

        testCase "the training loop applies it: runs past the cap differ with and without the option, on the fast and the generic kernel" <| fun _ ->
            // Cap 1e-3 ends the capped phase near margin 0.5 / (3 * 1e-3); log L = -1e6 is far past it, where the floor sets
            // the steps (measured when written: 7525 steps with the option, 6768 without).
            let model = ConvolutionalFourierNetwork(8, 3)
            let data = SyntheticData.GaussianTeacher(5, 8, 4UL)
            let w0 = model.Initialize(0.5, 2UL)
            let run train afterCap =
                let s = TrainingSettings(SettlingStep(0.5, 1e-3, 0.2, 1e-3, true, afterCap), ExponentialLoss(), 2_000_000L, LogLossTarget = -1e6)
                let r: TrainingResult = train s
                Expect.equal r.Outcome TrainingOutcome.LossTargetReached $"floor-after-cap {afterCap}"
                r
            for name, train in [ "fast kernel", (fun s -> GradientDescent.Train(model, data, ReadOnlySpan w0, s))
                                 "generic kernel", (fun s -> GradientDescent.TrainGeneric(model, data, ReadOnlySpan w0, s)) ] do
                let on, off = run train true, run train false
                Expect.notEqual on.Steps off.Steps $"{name}: the option changes the steps after the cap ({on.Steps} vs {off.Steps})"

        testCase "StepFloor.Step (one pass) = AfterGradient, Multiplier and TakesMidpoint (the slow twins), bit for bit" <| fun _ ->
            // Two floors driven along the same seeded sequence of steps: one through the three calls, one through Step.
            // Draws span capped and free steps (||G||^2 over 40 decades), log L on both sides of 0, nu = 1..5, scale
            // exponents k that change (the cached power of two), ||G||^2 = 0 and an observation now and then (anchor and floor).
            let random = Random(20261203)
            let mutable capped, free, midpoints = 0, 0, 0
            for rule in [ SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, true); SettlingStep(0.5, 1e-5, 0.2, 1e-5, true, false); SettlingStep(2.0, 1e-2, 0.5, 0.1, false, true) ] do
                let slow, fast = rule.Start(), rule.Start()
                let mutable k = 0L
                for i in 0 .. 4999 do
                    let degree = 1 + random.Next 5
                    if random.Next 50 = 0 then k <- int64 (random.Next(-300, 300))
                    let p2 = 0.25 + 3.75 * random.NextDouble()
                    let g2 = if random.Next 200 = 0 then 0.0 else Math.Pow(10.0, -20.0 + 40.0 * random.NextDouble()) * Math.Pow(2.0, float (-2L * int64 degree * k) |> max -1000.0 |> min 1000.0)
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
                    Expect.equal (BitConverter.DoubleToInt64Bits got) (BitConverter.DoubleToInt64Bits expected) $"multiplier at draw {i} ({got} vs {expected})"
                    Expect.equal midpoint expectedMidpoint $"midpoint at draw {i}"
                    Expect.equal (BitConverter.DoubleToInt64Bits fast.Floor) (BitConverter.DoubleToInt64Bits slow.Floor) $"floor after draw {i}"
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
            Expect.equal (SettlingStep(0.5, 1e-3, 0.2, 0.1, false, true).Describe()) "settling:0.5:0.001:0.2:0.1:floor-after-cap" "the cap is printed when the option is on"
            Expect.isFalse (StepRule.Parse "settling:0.5:1e-05:0.2:1e-05:midpoint" :?> SettlingStep).FloorAfterCap "off unless asked"
            Expect.isTrue ((rule :?> SettlingStep).Smaller 10.0).FloorAfterCap "the 10x smaller twin resets alike"
            for bad in [ "settling:0.5:1e-05:0.2:floor-after-cap"; "settling:0.5:1e-05:0.2:1e-05:floor-after-cap:midpoint"
                         "normalized:0.5:1e-05:floor-after-cap"; "settling:0.5:1e-05:0.2:1e-05:midpoint:floor-after-cap:1" ] do
                TestUtil.throws<ArgumentException> (fun () -> StepRule.Parse bad |> ignore) bad |> ignore
    ]
