/// The fast step kernels against their slow twin (the generic kernel over the parameterization's
/// Predictor and PullBack, with the time-domain convolution for conv), thread-count invariance and
/// zero allocation per step.
module ImplicitBias.Tests.TestSteppers

open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Steppers
open ImplicitBias.Engine.Networks
open ImplicitBias.Tests.TestUtil

let private settingsWith (rule: StepRule) (loss: ILoss) steps =
    TrainingSettings(rule, loss, steps, RecordsPerDecade = 5)
let private settings (loss: ILoss) steps = settingsWith (NormalizedStep(0.5)) loss steps

/// Trains `steps` steps of `rule` with the fast kernel (Train) and the generic one (TrainGeneric on `twin`).
let private compareWith (rule: StepRule) (fast: IParameterization) (twin: IParameterization) (data: Dataset)
                        (loss: ILoss) steps =
    let w0 = fast.Initialize(0.5, 11UL)
    let a = GradientDescent.Train(fast, data, System.ReadOnlySpan w0, settingsWith rule loss steps)
    let b = GradientDescent.TrainGeneric(twin, data, System.ReadOnlySpan w0, settingsWith rule loss steps)
    Expect.equal a.Steps b.Steps "same number of steps"
    Expect.equal a.Records.Count b.Records.Count "same records"
    Expect.isLessThan (relativeError a.Beta b.Beta) 1e-10 "beta after training"
    Expect.isLessThan (relativeError a.Parameters b.Parameters) 1e-10 "parameters after training"
    let la = a.Records |> Seq.map (fun r -> r.LogLoss) |> Array.ofSeq
    let lb = b.Records |> Seq.map (fun r -> r.LogLoss) |> Array.ofSeq
    Expect.isLessThan (relativeError la lb) 1e-10 "recorded log losses"
    // min_n <z_n, beta / ||beta||> moves by at most R ||a/|a| - b/|b||| <= 2 R |a - b| / |b| (R = max ||x_n||):
    // the margins must agree as closely as the betas do.
    let r = data.MaxPointNorm()
    let l2 (v: float[]) = sqrt (Array.sumBy (fun x -> x * x) v)
    let betaChange = l2 (Array.map2 (-) a.Beta b.Beta) / l2 b.Beta
    Expect.isLessThanOrEqual (a.Final.NormalizedMargin - b.Final.NormalizedMargin |> abs) (2.0 * r * betaChange + 1e-14)
        "final normalized margin, as close as beta"

/// Like compareWith over a horizon where the trajectory itself may amplify round-off: the fast kernel must stay
/// as close to the generic one as the generic one stays to itself started from w0 with one entry times 1 + 1e-15
/// (within a factor 20, plus 1e-12), and that sensitivity must stay below 1e-8, or the test would say nothing.
let private compareConditioned (rule: StepRule) (model: IParameterization) (data: Dataset) (loss: ILoss) steps =
    let w0 = model.Initialize(0.5, 11UL)
    let w1 = w0 |> Array.mapi (fun i x -> if i = 0 then x * (1.0 + 1e-15) else x)
    let a = GradientDescent.Train(model, data, System.ReadOnlySpan w0, settingsWith rule loss steps)
    let b = GradientDescent.TrainGeneric(model, data, System.ReadOnlySpan w0, settingsWith rule loss steps)
    let c = GradientDescent.TrainGeneric(model, data, System.ReadOnlySpan w1, settingsWith rule loss steps)
    Expect.equal a.Steps b.Steps "same number of steps"
    for what, fa, fb, fc in [ "beta", a.Beta, b.Beta, c.Beta;
                              "parameters", a.Parameters, b.Parameters, c.Parameters ] do
        let sensitivity = relativeError fc fb
        Expect.isLessThan sensitivity 1e-8 $"{model.Name}: the trajectory's own sensitivity to round-off in {what}"
        Expect.isLessThanOrEqual (relativeError fa fb) (1e-12 + 20.0 * sensitivity)
            $"{model.Name}: {what} after training (sensitivity {sensitivity:E1})"

/// compareWith the normalized step 0.5.
let private compare fast twin data loss steps = compareWith (NormalizedStep(0.5)) fast twin data loss steps

let private losses: ILoss list = [ ExponentialLoss(); LogisticLoss() ]

/// Runs `steps` steps on a kernel created with `threads` threads and returns its parameters.
let private runKernel (model: IParameterization) (data: Dataset) threads steps =
    let w0 = model.Initialize(0.5, 3UL)
    use kernel = NetworkFamilies.Stepper(model, data, System.ReadOnlySpan w0, threads)
    let r = GradientDescent.Run(kernel, data, settings (ExponentialLoss()) steps)
    r.Parameters, kernel.Name

[<Tests>]
let tests =
    testList "Steppers" [
        testCase "Fourier conv kernel = time-domain conv (generic) over 40 steps, even and odd D, L = 1..4, both losses"
        <| fun () ->
            for (d, n, l) in [ (16, 6, 2); (9, 5, 3); (12, 8, 4); (7, 4, 1) ] do
                for loss in losses do
                    let data = SyntheticData.GaussianTeacher(n, d, uint64 (d * 7 + l))
                    compare (ConvolutionalFourierNetwork(d, l)) (ConvolutionalNetwork(d, l)) data loss 40L

        testCase "Fourier conv kernel = generic Fourier-domain conv (FFT per step) over 40 steps" <| fun () ->
            let data = SyntheticData.FourierSparseTeacher(10, 32, 3, 5UL)
            compare (ConvolutionalFourierNetwork(32, 3)) (ConvolutionalFourierNetwork(32, 3)) data (ExponentialLoss())
                40L

        testCase "diagonal kernel = generic diagonal network over 40 steps, L = 1..4, both losses" <| fun () ->
            for l in 1 .. 4 do
                for loss in losses do
                    let data = SyntheticData.GaussianTeacher(7, 10, uint64 l)
                    compare (DiagonalNetwork(10, l)) (DiagonalNetwork(10, l)) data loss 40L

        testCase
            "fc kernel = generic fc network over 40 steps, L = 1..4, even and odd D, uneven hidden widths, both losses"
        <| fun () ->
            let models =
                [ for d in [ 8; 13 ] do
                    for l in 1 .. 4 do yield d, FullyConnectedNetwork(d, l)
                  yield 9, FullyConnectedNetwork(9, 3, [ 5; 11 ])
                  yield 6, FullyConnectedNetwork(6, 2, [ 1 ]) ]
            for d, model in models do
                for loss in losses do
                    let data = SyntheticData.GaussianTeacher(7, d, uint64 (d + model.Depth))
                    compare model model data loss 40L

        testCase
            ("fc kernel = generic fc network under the default settling rule (capped midpoint steps, floor) "
             + "over 3000 steps") <| fun () ->
            for d, l in [ (8, 2); (12, 3); (7, 4) ] do
                let data = SyntheticData.GaussianTeacher(5, d, uint64 (3 * d + l))
                compareConditioned (SettlingStep(0.5, 1e-3, 0.2, 1e-3, true, true)) (FullyConnectedNetwork(d, l)) data
                    (ExponentialLoss()) 3000L

        testCase
            "fc kernel = generic fc network when landing on a log-loss target (step back, re-evaluate, partial steps)"
        <| fun () ->
            for l in [ 2; 3 ] do
                let model = FullyConnectedNetwork(10, l)
                let data = SyntheticData.GaussianTeacher(6, 10, uint64 l)
                let w0 = model.Initialize(0.5, 5UL)
                let s = TrainingSettings(NormalizedStep(0.5), ExponentialLoss(), 100_000L, LogLossTarget = -20.0,
                                         RecordsPerDecade = 5)
                let a = GradientDescent.Train(model, data, System.ReadOnlySpan w0, s)
                let b = GradientDescent.TrainGeneric(model, data, System.ReadOnlySpan w0, s)
                Expect.equal a.Outcome TrainingOutcome.LossTargetReached "fast kernel reached the target"
                Expect.equal b.Outcome TrainingOutcome.LossTargetReached "generic kernel reached the target"
                Expect.equal a.Steps b.Steps "same steps"
                // Landing solves for the fraction of the last step that meets the target: both end on it.
                Expect.floatClose Accuracy.high a.Final.LogLoss -20.0 "fast kernel landed on the target"
                Expect.isLessThan (relativeError a.Parameters b.Parameters) 1e-9 "parameters at the target"

        testCase
            ("FullyConnectedStepper = generic fc network under the exponential loss (normalized, settling with "
             + "midpoints, a target, divergence), square and uneven widths, above and below the lane kernels' cap")
        <| fun () ->
            // Since engine 2.7 GradientDescent.Train sends fc runs of at most FullyConnectedFamily.MaxLaneParameters
            // under the exponential loss to FullyConnectedLoneStepper, so the tests above compare that kernel;
            // FullyConnectedStepper still trains the larger ones (and every logistic run). Here it is built directly
            // (NetworkFamilies.Stepper), and through Train above the cap (fc(24, 3): 1176 parameters, rows of 24: its
            // four-vector loop).
            let cases = [ FullyConnectedNetwork(8, 3), 6; FullyConnectedNetwork(9, 3, [ 5; 11 ]), 7;
                          FullyConnectedNetwork(6, 2, [ 1 ]), 5; FullyConnectedNetwork(24, 3), 12;
                          FullyConnectedNetwork(20, 1), 9 ]
            let rules: (StepRule * int64 * float) list =
                [ NormalizedStep(0.5), 40L, -infinity; SettlingStep(0.5, 1e-3, 0.2, 1e-3, true, true), 1000L, -infinity
                  NormalizedStep(0.5), 100_000L, -20.0; FixedStep(1e6), 2000L, -infinity ]
            for model, n in cases do
                let data = SyntheticData.GaussianTeacher(n, model.Dimension, uint64 (model.Dimension + model.Depth))
                let w0 = model.Initialize(0.5, 11UL)
                for rule, steps, target in rules do
                    let s = TrainingSettings(rule, ExponentialLoss(), steps, LogLossTarget = target,
                                             RecordsPerDecade = 5)
                    let scale = ref 0.0
                    let scaled = UnitScale.Of(data, scale)
                    use kernel = NetworkFamilies.Stepper(model, scaled, System.ReadOnlySpan w0, 1)
                    Expect.stringStarts kernel.Name "fast-fc" "FullyConnectedStepper"
                    let a = GradientDescent.Run(kernel, scaled, s, dataScale = scale.Value)
                    let b = GradientDescent.TrainGeneric(model, data, System.ReadOnlySpan w0, s)
                    let what = $"{model.Name} P={model.ParameterCount} {rule.Describe()} target {target}"
                    Expect.equal (a.Outcome, a.Steps) (b.Outcome, b.Steps) $"{what}: outcome and steps"
                    Expect.isLessThan (relativeError a.Parameters b.Parameters) 1e-9 $"{what}: parameters"
                    Expect.isLessThan (relativeError a.Beta b.Beta) 1e-9 $"{what}: beta"
                    if model.ParameterCount > FullyConnectedFamily.MaxLaneParameters then
                        let c = GradientDescent.Train(model, data, System.ReadOnlySpan w0, s)
                        Expect.equal (c.Parameters |> Array.map System.BitConverter.DoubleToInt64Bits)
                            (a.Parameters |> Array.map System.BitConverter.DoubleToInt64Bits)
                            $"{what}: Train above the cap is FullyConnectedStepper"

        testCase
            ("fc kernel: StepBack restores the parameters before the last step bit for bit, once; Scale does not "
             + "touch them") <| fun () ->
            let model = FullyConnectedNetwork(9, 3)
            let data = SyntheticData.GaussianTeacher(5, 9, 2UL)
            let w0 = model.Initialize(0.5, 4UL)
            use kernel = NetworkFamilies.Stepper(model, data, System.ReadOnlySpan w0, 1)
            let parameters () = let w = Array.zeroCreate model.ParameterCount in kernel.CopyParameters(System.Span w); w
            kernel.Evaluate(ExponentialLoss()) |> ignore
            kernel.Gradient() |> ignore
            kernel.Step(0.3)
            let stepped = parameters ()
            Expect.notEqual stepped w0 "the step moved w"
            Expect.floatClose Accuracy.veryHigh (kernel.ParameterNormSquared()) (dot stepped stepped)
                "||w||^2 after the step"
            kernel.Scale(0.25)
            kernel.StepBack()
            Expect.sequenceEqual (parameters ()) w0 "back to w0, unscaled, bit for bit"
            Expect.floatClose Accuracy.veryHigh (kernel.ParameterNormSquared()) (dot w0 w0) "its norm too"
            kernel.StepBack()
            Expect.sequenceEqual (parameters ()) w0 "a second StepBack leaves w as it is"
            // The same call sequences on the generic kernel give the same parameters, bit for bit (no arithmetic
            // differs: steps are undone, scaling by powers of two is exact).
            use generic = new GenericStepper(model, data, System.ReadOnlySpan w0)
            let genericParameters () =
                let w = Array.zeroCreate model.ParameterCount in generic.CopyParameters(System.Span w); w
            let sequences: (string * (Stepper -> unit) list) list =
                [ "step, back, scale, back",
                  [ (fun k -> k.Step 0.3); (fun k -> k.StepBack()); (fun k -> k.Scale 0.5); (fun k -> k.StepBack()) ]
                  "scale, step, scale, back",
                  [ (fun k -> k.Scale 2.0); (fun k -> k.Step 0.1); (fun k -> k.Scale 0.25); (fun k -> k.StepBack()) ]
                  "step, back, back, scale",
                  [ (fun k -> k.Step 0.2); (fun k -> k.StepBack()); (fun k -> k.StepBack()); (fun k -> k.Scale 4.0) ] ]
            for name, calls in sequences do
                for k in [ kernel :> Stepper; generic ] do
                    k.Evaluate(ExponentialLoss()) |> ignore
                    k.Gradient() |> ignore
                    for call in calls do call k
                Expect.sequenceEqual (parameters ()) (genericParameters ())
                    $"{name}: the fc kernel's parameters are the generic kernel's"
                Expect.floatClose Accuracy.veryHigh (kernel.ParameterNormSquared()) (generic.ParameterNormSquared())
                    $"{name}: ||w||^2"
            kernel.Evaluate(ExponentialLoss()) |> ignore
            kernel.Scale(0.5)
            TestUtil.throws<System.InvalidOperationException> (fun () -> kernel.Gradient() |> ignore)
                "Gradient after a Scale, without an Evaluate" |> ignore

        testCase "fc kernel = generic fc network when steps diverge (stepping back from a non-finite iterate), L = 1..4"
        <| fun () ->
            for l in 1 .. 4 do
                let model = FullyConnectedNetwork(6, l)
                let data = SyntheticData.GaussianTeacher(5, 6, uint64 (10 + l))
                let w0 = model.Initialize(0.5, 7UL)
                for rule in [ FixedStep(1e3) :> StepRule; FixedStep(1e6) ] do
                    let s = TrainingSettings(rule, ExponentialLoss(), 2000L, RecordsPerDecade = 5)
                    let a = GradientDescent.Train(model, data, System.ReadOnlySpan w0, s)
                    let b = GradientDescent.TrainGeneric(model, data, System.ReadOnlySpan w0, s)
                    Expect.equal (a.Outcome, a.Steps) (b.Outcome, b.Steps)
                        $"L={l} {rule.Describe()}: same outcome and steps"
                    Expect.isLessThan (relativeError a.Parameters b.Parameters) 1e-10
                        $"L={l} {rule.Describe()}: parameters"

        testCase "linear kernel = generic linear model over 40 steps, both losses" <| fun () ->
            for loss in losses do
                let data = SyntheticData.GaussianTeacher(9, 13, 2UL)
                compare (LinearModel(13)) (LinearModel(13)) data loss 40L

        testCase
            ("lift kernel = time-domain kernel network (generic) over 300 steps: 1-D and 2-D, K in {1, 2, 4, D}, "
             + "C in {1, 2, K}, both losses") <| fun () ->
            let cases =
                [ for d in [ 7; 12 ] do
                    for k in [ 1; 2; 4; d ] do
                        for c in [ 1; 2; k ] |> List.distinct do
                            yield KernelConvolutionalNetwork(d, k, c, 2)
                  yield KernelConvolutionalNetwork(Grid(3, 5), KernelSize(2, 3), 2, 2)
                  yield KernelConvolutionalNetwork(Grid(4, 4), KernelSize(4, 4), 1, 2)
                  yield KernelConvolutionalNetwork(Grid(4, 3), KernelSize(1, 1), 3, 2) ]
            for model in cases do
                for loss in losses do
                    let data =
                        SyntheticData.GaussianTeacher(6, model.Dimension, uint64 (model.Dimension * 3 + model.Channels))
                    // Step 0.25, not 0.5: at 0.5 the trajectory of D = 7, K = 7, C = 2 itself amplifies round-off
                    // (measured: the generic kernel from w0 and from w0 with one entry times 1 + 1e-15 differ by
                    // 8e-14 after 40 steps and 3e-2 after 100), so no pair of kernels could agree there.
                    compareWith (NormalizedStep(0.25)) model model data loss 300L

        testCase
            ("Fourier kernel on 2-D grids = time-domain full-width KernelConvolutionalNetwork (generic) over 300 "
             + "steps, L = 1..4, both losses") <| fun () ->
            for g in [ Grid(3, 4); Grid(4, 4); Grid(2, 5); Grid(5, 3) ] do
                for depth in 1 .. 4 do
                    for loss in losses do
                        let model = KernelConvolutionalNetwork(g, KernelSize.Full g, 1, depth)
                        let data = SyntheticData.GaussianTeacher(6, g.Count, uint64 (g.Count * 5 + depth))
                        // Step 0.1 and a conditioned comparison: at L = 4 the trajectories themselves amplify round-off
                        // (measured at step 0.25 on 4 x 4: generic from w0 and from w0 with one entry times 1 + 1e-15
                        // differ by 7e-11 after 40 steps and 2e-2 after 100; at 0.1 by up to 8e-10 after 300).
                        compareConditioned (NormalizedStep(0.1)) model data loss 300L

        testCase "Train picks the fast kernel for conv, diag, linear and the generic one otherwise" <| fun () ->
            Expect.isTrue (NetworkFamilies.HasFastStepper(ConvolutionalFourierNetwork(8, 2))) "conv (Fourier)"
            Expect.isTrue (NetworkFamilies.HasFastStepper(DiagonalNetwork(8, 2))) "diag"
            Expect.isTrue (NetworkFamilies.HasFastStepper(LinearModel(8))) "linear"
            Expect.isFalse (NetworkFamilies.HasFastStepper(ConvolutionalNetwork(8, 2)))
                "time-domain conv stays the naive twin"
            Expect.isTrue (NetworkFamilies.HasFastStepper(FullyConnectedNetwork(8, 2))) "fc"
            let data = SyntheticData.GaussianTeacher(3, 12, 1UL)
            let kernelName (model: IParameterization) =
                use k = NetworkFamilies.Stepper(model, data, System.ReadOnlySpan(model.Initialize(0.5, 1UL)), 1)
                k.Name
            Expect.stringStarts (kernelName (KernelConvolutionalNetwork(12, 3, 2, 2))) "lift-"
                "depth-2 kernel network: the lift kernel"
            Expect.stringStarts (kernelName (KernelConvolutionalNetwork(Grid(3, 4), KernelSize(2, 2), 1, 2))) "lift-"
                "2-D depth-2 kernel network: the lift kernel"
            Expect.equal (kernelName (KernelConvolutionalNetwork(Grid(3, 4), KernelSize(3, 4), 1, 3)))
                "fourier-conv-3x4-L3" "2-D full width: the Fourier kernel on the grid"
            Expect.equal (kernelName (KernelConvolutionalNetwork(12, 12, 1, 2))) "fourier-conv-L2"
                "1-D full width, one channel: the paper's Fourier kernel"
            Expect.stringStarts (kernelName (KernelConvolutionalNetwork(12, 12, 2, 2))) "lift-"
                "full width, two channels: the lift kernel"
            Expect.stringStarts (kernelName (KernelConvolutionalNetwork(12, 3, 1, 3))) "generic-"
                "deep kernel network: generic"
            Expect.equal (kernelName (FullyConnectedNetwork(12, 3))) "fast-fc-L3" "fc: the fc kernel"

        testCase "one thread and three threads give bit-identical iterates (conv, diag, linear)" <| fun () ->
            let data = SyntheticData.GaussianTeacher(37, 96, 9UL)
            for model in [ ConvolutionalFourierNetwork(96, 3) :> IParameterization; DiagonalNetwork(96, 2);
                           LinearModel(96); FullyConnectedNetwork(96, 2); KernelConvolutionalNetwork(96, 4, 2, 2);
                           KernelConvolutionalNetwork(Grid(8, 12), KernelSize(8, 12), 1, 3) ] do
                let one, _ = runKernel model data 1 30L
                let three, _ = runKernel model data 3 30L
                Expect.sequenceEqual three one $"{model.Name}: threads must not change a single bit"

        testCase "a step allocates zero bytes (Evaluate + Step, after warm-up), one and two threads" <| fun () ->
            let data = SyntheticData.GaussianTeacher(40, 64, 4UL)
            for threads in [ 1; 2 ] do
                for model in [ ConvolutionalFourierNetwork(64, 4) :> IParameterization; DiagonalNetwork(64, 4);
                               LinearModel(64); FullyConnectedNetwork(64, 3);
                               KernelConvolutionalNetwork(Grid(8, 8), KernelSize(3, 3), 3, 2);
                               KernelConvolutionalNetwork(Grid(8, 8), KernelSize(8, 8), 1, 3) ] do
                    let w0 = model.Initialize(0.5, 1UL)
                    use kernel = NetworkFamilies.Stepper(model, data, System.ReadOnlySpan w0, threads)
                    let loss = ExponentialLoss()
                    let step () =
                        let l = kernel.Evaluate(loss)
                        let g2 = kernel.Gradient()
                        kernel.Step(
                            NormalizedStep(0.5).Multiplier(l, kernel.ParameterNormSquared(), g2, kernel.Degree, 1.0))
                    for _ in 1 .. 200 do step () // past tiered-JIT promotion (call counting starts at 30 calls)
                    let before = System.GC.GetAllocatedBytesForCurrentThread()
                    for _ in 1 .. 100 do step ()
                    let bytes = System.GC.GetAllocatedBytesForCurrentThread() - before
                    Expect.equal bytes 0L $"{kernel.Name}, {threads} thread(s): bytes allocated by 100 steps"

        testCase
            ("a lone kernel's step allocates zero bytes (Evaluate, Gradient, Step and MidpointStep, after warm-up): "
             + "conv, diag, linear, fc") <| fun () ->
            let data = UnitScale.Of(SyntheticData.GaussianTeacher(10, 16, 4UL), ref 0.0)
            for model in [ ConvolutionalFourierNetwork(16, 2) :> IParameterization; DiagonalNetwork(16, 3);
                           LinearModel(16); FullyConnectedNetwork(16, 3); FullyConnectedNetwork(16, 2, [ 9 ]) ] do
                use kernel = NetworkFamilies.Alone(model, data, System.ReadOnlySpan(model.Initialize(0.5, 1UL)))
                let loss = ExponentialLoss()
                let step i =
                    let l = kernel.Evaluate(loss)
                    let g2 = kernel.Gradient()
                    let s = NormalizedStep(0.5).Multiplier(l, kernel.ParameterNormSquared(), g2, kernel.Degree, 1.0)
                    if i % 2 = 0 then kernel.Step s else kernel.MidpointStep(loss, 1.0, s)
                for i in 1 .. 200 do step i
                let before = System.GC.GetAllocatedBytesForCurrentThread()
                for i in 1 .. 100 do step i
                Expect.equal (System.GC.GetAllocatedBytesForCurrentThread() - before) 0L
                    $"{kernel.Name}: bytes allocated by 100 steps"

        testCase
            ("Gradient() returns ||grad_w log L||^2 of the real parameters, Evaluate log L and ParameterNormSquared "
             + "||w||^2 (vs the objective), the fast kernels and the lone ones, even and odd D") <| fun () ->
            // The Fourier kernel holds half spectra: its norm must weight conjugate pairs twice (Parseval). Lone
            // kernels (NetworkFamilies.Alone, for the models a lane kernel trains) hold padded vectors and, for fc,
            // every layer twice.
            for d in [ 7; 8; 13 ] do
                let data = UnitScale.Of(SyntheticData.GaussianTeacher(5, d, 3UL), ref 0.0)
                let models: IParameterization list =
                    [ ConvolutionalFourierNetwork(d, 3); DiagonalNetwork(d, 2); LinearModel(d);
                      FullyConnectedNetwork(d, 2); FullyConnectedNetwork(d, 3, [ 11; 2 ])
                      KernelConvolutionalNetwork(d, 3, 2, 2)
                      if d % 2 = 0 then KernelConvolutionalNetwork(Grid(2, d / 2), KernelSize(2, d / 2), 1, 3) ]
                for model in models do
                    let w0 = model.Initialize(0.7, 2UL)
                    let kernels =
                        [ NetworkFamilies.Stepper(model, data, System.ReadOnlySpan w0, 1)
                          if NetworkFamilies.LanesApply(model, ExponentialLoss(), data.Count, d) then
                              NetworkFamilies.Alone(model, data, System.ReadOnlySpan w0) ]
                    let grad = Array.zeroCreate model.ParameterCount
                    let value =
                        LogLossObjective(model, data, ExponentialLoss())
                            .ValueAndGradient(System.ReadOnlySpan w0, System.Span grad)
                    for kernel in kernels do
                        use kernel = kernel
                        let logLoss = kernel.Evaluate(ExponentialLoss())
                        let fast = kernel.Gradient()
                        Expect.floatClose Accuracy.high fast (dot grad grad) $"{kernel.Name}, D = {d}: ||grad||^2"
                        Expect.floatClose Accuracy.high logLoss value $"{kernel.Name}, D = {d}: log L"
                        Expect.floatClose Accuracy.high (kernel.ParameterNormSquared()) (dot w0 w0)
                            $"{kernel.Name}, D = {d}: ||w||^2"
    ]
