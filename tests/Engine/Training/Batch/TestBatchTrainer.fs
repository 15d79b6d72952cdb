/// Batched training (BatchTrainer: runs in the lanes of Vector512 groups) against each run trained
/// alone (GradientDescent.Train): the same bits in every result and record, over mixed data, sizes
/// (runs of different N in one batch, padded), depths, initial scales, step rules and stopping rules,
/// with lanes refilled as runs stop.
module ImplicitBias.Tests.TestBatchTrainer

open System
open System.Collections.Generic
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Batch

open ImplicitBias.Engine.Steppers
let private bits (x: float) = BitConverter.DoubleToInt64Bits x

let private sameBits (what: string) (a: float[]) (b: float[]) =
    Expect.equal (Array.map bits a) (Array.map bits b) what

let private sameOptional what (a: float[] | null) (b: float[] | null) =
    match a, b with
    | null, null -> ()
    | null, _ | _, null -> failtestf "%s: one is missing" what
    | a, b -> sameBits what a b

/// Every field of two results but the wall-clock times, bit for bit.
let sameResult (label: string) (a: TrainingResult) (b: TrainingResult) =
    Expect.equal a.Outcome b.Outcome $"{label}: outcome"
    Expect.equal a.Steps b.Steps $"{label}: steps"
    sameBits $"{label}: parameters" a.Parameters b.Parameters
    sameBits $"{label}: direction" a.Direction b.Direction
    sameBits $"{label}: norms" [| a.LogParameterNorm; a.LogBetaNorm |] [| b.LogParameterNorm; b.LogBetaNorm |]
    Expect.equal a.Records.Count b.Records.Count $"{label}: records"
    for (r, s) in Seq.zip a.Records b.Records do
        Expect.equal r.Step s.Step $"{label}: record step"
        sameBits $"{label}: record at step {r.Step}"
            [| r.LogLoss; r.LogBetaNorm; r.SmoothedMargin; r.NormalizedMargin; r.LogParameterNorm; r.AngleToPrevious |]
            [| s.LogLoss; s.LogBetaNorm; s.SmoothedMargin; s.NormalizedMargin; s.LogParameterNorm; s.AngleToPrevious |]
        sameOptional $"{label}: direction at step {r.Step}" r.Direction s.Direction
        sameOptional $"{label}: spectrum at step {r.Step}" r.FourierMagnitudes s.FourierMagnitudes

/// A mixed set of runs of a product network (make D L) of depth L in dimension D, run i on counts[i mod
/// length] points: data seeds, initial scales, step rules (settling, normalized with a floor, fixed, a
/// fixed step far too large), step budgets, a log-loss target on some and a convergence callback on others.
let private jobs (make: int -> int -> IParameterization) depth (counts: int list) dimension runs =
    let rules: StepRule[] =
        [| SettlingStep(0.5, 1e-3, 0.2, 1e-2); NormalizedStep(0.5, 3e-4); FixedStep(0.2); NormalizedStep(2.0);
           FixedStep(1e6); SettlingStep(0.5, 1e-3, 0.2, 1e-2, true)
           SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, true) |]
    [ for i in 0 .. runs - 1 ->
        let data = SyntheticData.GaussianTeacher(counts[i % counts.Length], dimension, uint64 (100 + i))
        let model = make dimension depth
        let w0 = model.Initialize([| 0.5; 0.05; 3.0 |][i % 3], uint64 (7 * i + 1))
        let steps = [| 400L; 1500L; 60L; 2500L |][i % 4]
        let target = if i % 4 = 1 then -30.0 else -infinity
        let settings = TrainingSettings(rules[i % rules.Length], ExponentialLoss(), steps, LogLossTarget = target,
                                        RecordsPerDecade = 10)
        let converged = if i % 6 = 4 then Func<TrainingRecord, bool>(fun r -> r.Step >= 300L) else null
        model, data, w0, settings, converged ]

/// Trains the runs (run i on counts[i mod length] points) in a batch for up to `maxCount` points of `groups`
/// groups (lanes refilled from the list) and alone (GradientDescent.Train: the lone kernel, on the run's own N);
/// compares every pair.
let private compareBatchOf (make: int -> int -> IParameterization) depth maxCount counts dimension runs groups =
    let runs = jobs make depth counts dimension runs
    let results = Dictionary<int, TrainingResult>()
    let queue = Queue(runs |> List.mapi (fun i (_, data, w0, settings, converged) ->
        BatchJob(data, w0, settings, Action<TrainingResult>(fun r -> results[i] <- r), null, converged)))
    let kernel = NetworkFamilies.Lanes(make dimension depth, ExponentialLoss(), maxCount, dimension, groups)
    Expect.isNotNull kernel "a lane kernel for the model"
    BatchTrainer.Train(kernel, fun () -> if queue.Count > 0 then queue.Dequeue() else null)
    Expect.equal results.Count runs.Length "every run finished"
    runs |> List.iteri (fun i (model, data, w0, settings, converged) ->
        let alone = GradientDescent.Train(model, data, ReadOnlySpan w0, settings, null,
                                          Threading.CancellationToken.None, converged)
        sameResult $"{model.Name} N={data.Count} of {maxCount} D={dimension} run {i}" results[i] alone)
    results.Values |> Seq.map (fun r -> r.Outcome) |> Set.ofSeq

/// compareBatchOf the convolutional network (Fourier domain).
let private compareBatch = compareBatchOf (fun d l -> ConvolutionalFourierNetwork(d, l))

/// The stopping rules whose paths differ (landing on the target and a divergence step back call a lane's group on
/// their own).
let private expectEveryStop (outcomes: Set<TrainingOutcome>) =
    for o in [ TrainingOutcome.StepLimit; TrainingOutcome.LossTargetReached; TrainingOutcome.Converged;
               TrainingOutcome.NonFinite ] do
        Expect.isTrue (outcomes.Contains o) $"some run stopped with {o}"

[<Tests>]
let tests =
    testList "BatchTrainer" [
        testCase "batched runs = runs alone, bit for bit: mixed data, scales, rules and stops; lanes refilled"
        <| fun () ->
            [ compareBatch 2 6 [ 6 ] 16 23 2; compareBatch 3 5 [ 5 ] 9 9 1; compareBatch 1 11 [ 11 ] 7 6 3;
              compareBatch 4 8 [ 8 ] 32 7 1 ]
            |> Set.unionMany |> expectEveryStop

        testCase "runs of different N in one batch (padded to the largest) = runs alone, bit for bit" <| fun () ->
            // N_lane from 1 to N_max, D not a power of two, groups where every lane is padded (N_max above every
            // run's N), lanes refilled with runs of another N; the rare paths (target, step back) on padded lanes.
            [ compareBatch 2 12 [ 1; 12; 5; 3; 9; 12; 2 ] 12 30 2
              compareBatch 3 9 [ 4; 9; 1; 6; 2 ] 9 17 1
              compareBatch 1 10 [ 3; 7 ] 7 9 2
              compareBatch 4 8 [ 8; 2; 5 ] 24 9 1
              compareBatch 5 20 [ 20; 13; 6 ] 20 8 1
              compareBatch 2 7 [ 7; 3 ] 15 9 1 ] // depth 2 (its own Gradient path) at an odd D: no Nyquist entry
            |> Set.unionMany |> expectEveryStop

        testCase "diagonal and linear runs: batched = alone, bit for bit (mixed N padded, scales, rules and stops)"
        <| fun () ->
            let diag = compareBatchOf (fun d l -> DiagonalNetwork(d, l))
            [ diag 2 6 [ 6 ] 16 23 2; diag 3 9 [ 4; 9; 1; 6; 2 ] 9 17 1; diag 1 10 [ 3; 7 ] 7 9 2;
              diag 4 8 [ 8; 2; 5 ] 24 9 1; diag 5 12 [ 12; 5 ] 12 8 1
              compareBatchOf (fun d _ -> LinearModel(d)) 1 11 [ 11; 4 ] 13 12 2 ]
            |> Set.unionMany |> expectEveryStop

        testCase "group-convolutional runs (D_n, Q8, A4, C7): batched = alone through the family, bit for bit"
        <| fun () ->
            let gconv name =
                compareBatchOf (fun _ l -> GroupConvolutionalFourierNetwork(StandardGroups.Parse name, l))
            [ gconv "D4" 2 8 [ 8; 3 ] 8 17 2; gconv "Q8" 3 6 [ 6; 2 ] 8 9 1; gconv "A4" 4 12 [ 12; 5 ] 12 9 1
              gconv "C7" 2 7 [ 7 ] 7 8 1; gconv "D3" 1 6 [ 6; 4 ] 6 9 1 ]
            |> Set.unionMany |> expectEveryStop

        testCase
            ("fully connected runs: batched = alone, bit for bit (square and uneven widths, D and widths not "
             + "multiples of 8, mixed N padded, scales, rules and stops)") <| fun () ->
            let square = compareBatchOf (fun d l -> FullyConnectedNetwork(d, l))
            [ square 3 10 [ 10 ] 16 23 2; square 1 9 [ 4; 9; 1 ] 9 12 1; square 2 12 [ 12; 5; 3 ] 12 17 2;
              square 4 8 [ 8; 2; 5 ] 7 9 1
              square 2 20 [ 20; 13 ] 20 9 1 // rows of 20: two blocks of eight and a tail of four
              compareBatchOf (fun d _ -> FullyConnectedNetwork(d, 3, [ 5; 11 ])) 3 7 [ 7; 3 ] 9 12 1
              compareBatchOf (fun d _ -> FullyConnectedNetwork(d, 2, [ 1 ])) 2 6 [ 6 ] 6 9 1 ]
            |> Set.unionMany |> expectEveryStop

        testCase
            ("seeded random fc shapes (depth 1..4, D 1..30, uneven hidden widths up to the cap, N up to 1024 / D, "
             + "one or two groups): batched = alone, bit for bit") <| fun () ->
            let rng = Random(2026_12_04)
            let dimensions = [| 1; 2; 3; 5; 7; 8; 9; 12; 15; 16; 17; 20; 24; 30 |]
            let mutable cases = 0
            while cases < 24 do
                let depth, d = 1 + rng.Next 4, dimensions[rng.Next dimensions.Length]
                let hidden = [ for _ in 1 .. depth - 1 -> if rng.Next 3 = 0 then d else 1 + rng.Next 20 ]
                if FullyConnectedNetwork(d, depth, hidden).ParameterCount <= FullyConnectedFamily.MaxLaneParameters then
                    let maxCount = 1 + rng.Next(max 1 (1024 / d))
                    let counts = [ maxCount; 1 + rng.Next maxCount; 1 + rng.Next maxCount ]
                    compareBatchOf (fun d l -> FullyConnectedNetwork(d, l, hidden)) depth maxCount counts d
                        (1 + rng.Next 12) (1 + rng.Next 2) |> ignore
                    cases <- cases + 1

        testCase "a padded point changes no bit of the gradient, not even the sign of a zero" <| fun () ->
            // Point 0 is x = 0 (weight 1, term +0); point 1 is tiny, at weight e^-200 or so: its term z q underflows to
            // -0, so the chain acc = fma(z, q, acc) ends at -0 and the entry -acc is +0. A +0 padding feature would
            // turn that -0 into +0 (fma(+0, +0, -0) = +0); the -0 features of the padding leave it.
            let d = 2
            let data = Dataset([| 0.0; 0.0; -1e-300; -1e-300 |], [| 1.0; 1.0 |], d, "underflow")
            let w0 = [| -1.0; -1.0 |]
            let entries (kernel: FourierLaneStepper) lane =
                kernel.SetMarginScale(lane, 1e302)
                kernel.Evaluate(lane / LaneStepper.Lanes)
                [| for i in 0 .. d - 1 -> kernel.PackedGradientEntry(lane, i) |]
            let alone = FourierLaneStepper(1, 2, d, 1)
            alone.Load(0, data, ReadOnlySpan w0)
            let expected = entries alone 0
            Expect.equal (bits expected[0]) (bits 0.0) "the chain underflowed to -0 (else this test tests nothing)"
            let padded = FourierLaneStepper(1, 5, d, 1)
            for j in 0 .. LaneStepper.Lanes - 1 do
                padded.Load(j, (if j = 3 then data else SyntheticData.GaussianTeacher(5, d, uint64 j)), ReadOnlySpan w0)
            Expect.equal (padded.LaneCount 3) 2 "lane 3 holds two points of five"
            sameBits "packed gradient, padded = alone" (entries padded 3) expected

        testCase
            ("midpoint lanes that stop at different steps leave nothing behind in their lane (batched = alone), "
             + "conv, diag, linear, fc") <| fun () ->
            // Every step of these runs is a capped midpoint step (the default rule near w = 0), so whole groups end
            // their steps from the previous iterate (each lane kernel's all-back Step path); the budgets and N differ,
            // so runs leave their groups mid-batch and the next ones (on another N) start in their lanes, next to
            // lanes that go on.
            let count, dimension = 5, 12
            let rule = SettlingStep(0.5, 1e-5, 0.2, 1e-5, true)
            for make in [ (fun d -> ConvolutionalFourierNetwork(d, 3) :> IParameterization);
                          (fun d -> ConvolutionalFourierNetwork(d, 2)); (fun d -> DiagonalNetwork(d, 3));
                          (fun d -> DiagonalNetwork(d, 2)); (fun d -> LinearModel(d))
                          (fun d -> FullyConnectedNetwork(d, 3)); (fun d -> FullyConnectedNetwork(d, 2, [ 9 ])) ] do
                let runs =
                    [ for i in 0 .. 19 ->
                        let data = SyntheticData.GaussianTeacher(1 + i % count, dimension, uint64 (300 + i))
                        let model = make dimension
                        let w0, steps = model.Initialize(0.5, uint64 (11 * i + 3)), int64 (37 + 13 * i)
                        let settings = TrainingSettings(rule, ExponentialLoss(), steps, RecordsPerDecade = 10)
                        // Every third run gets a log-loss target it crosses about two thirds into its budget, on a
                        // capped midpoint step: landing steps back from a midpoint step (to the start the back-mask
                        // Step must have kept).
                        if i % 3 <> 0 then model, data, w0, settings
                        else
                            let probe = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
                            let first, last = probe.Records[0].LogLoss, probe.Final.LogLoss
                            model, data, w0,
                            TrainingSettings(rule, ExponentialLoss(), steps,
                                             LogLossTarget = last + 0.3 * (first - last), RecordsPerDecade = 10) ]
                let results = Dictionary<int, TrainingResult>()
                let queue = Queue(runs |> List.mapi (fun i (_, data, w0, settings) ->
                    BatchJob(data, w0, settings, Action<TrainingResult>(fun r -> results[i] <- r))))
                BatchTrainer.Train(NetworkFamilies.Lanes(make dimension, ExponentialLoss(), count, dimension, 2),
                                   fun () -> if queue.Count > 0 then queue.Dequeue() else null)
                runs |> List.iteri (fun i (model, data, w0, settings) ->
                    let alone = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
                    Expect.isGreaterThan alone.Steps 0L "trained"
                    sameResult $"{model.Name} midpoint run {i}" results[i] alone)
                Expect.isTrue (results.Values |> Seq.exists (fun r -> r.Outcome = TrainingOutcome.LossTargetReached))
                    $"{(make dimension).Name}: some run landed on its target"

        testCase
            ("a lane kernel's group step allocates zero bytes (Evaluate, Gradient, Step, a masked Step back, "
             + "after warm-up): conv, diag, linear, fc") <| fun () ->
            let groups = 2
            for model in [ ConvolutionalFourierNetwork(16, 2) :> IParameterization; DiagonalNetwork(16, 3);
                           LinearModel(16); FullyConnectedNetwork(16, 3); FullyConnectedNetwork(12, 2, [ 9 ]) ] do
                let kernel = NetworkFamilies.Lanes(model, ExponentialLoss(), 10, model.Dimension, groups)
                for lane in 0 .. kernel.Capacity - 1 do
                    let data =
                        UnitScale.Of(SyntheticData.GaussianTeacher(1 + lane % 10, model.Dimension, uint64 (lane + 1)),
                                     ref 0.0)
                    kernel.Load(lane, data, ReadOnlySpan(model.Initialize(0.5, uint64 lane)))
                let multipliers = Array.create kernel.Capacity 1e-3
                let take = Array.init kernel.Capacity (fun lane -> lane % 3 <> 0)
                let back = Array.init kernel.Capacity (fun lane -> lane % 5 = 0)
                let busy = Array.create groups true
                let step () =
                    kernel.Evaluate(0, groups, ReadOnlySpan busy)
                    for g in 0 .. groups - 1 do
                        kernel.Gradient g
                        kernel.Step(g, ReadOnlySpan(multipliers, g * LaneStepper.Lanes, LaneStepper.Lanes),
                                    ReadOnlySpan(take, g * LaneStepper.Lanes, LaneStepper.Lanes))
                        kernel.Step(g, ReadOnlySpan(multipliers, g * LaneStepper.Lanes, LaneStepper.Lanes),
                                    ReadOnlySpan(take, g * LaneStepper.Lanes, LaneStepper.Lanes),
                                    ReadOnlySpan(back, g * LaneStepper.Lanes, LaneStepper.Lanes))
                for _ in 1 .. 200 do step ()
                let before = GC.GetAllocatedBytesForCurrentThread()
                for _ in 1 .. 100 do step ()
                Expect.equal (GC.GetAllocatedBytesForCurrentThread() - before) 0L
                    $"{model.Name}: bytes allocated by 100 group steps"

        testCase
            ("lane kernels apply to conv, diag, linear and fc (up to 1024 parameters) under the exponential loss "
             + "up to N D = 1024, and a run alone gets its lone kernel") <| fun () ->
            Expect.isTrue (NetworkFamilies.LanesApply(DiagonalNetwork(64, 2), ExponentialLoss(), 16, 64))
                "N D = 1024 exactly"
            Expect.isFalse (NetworkFamilies.LanesApply(DiagonalNetwork(64, 2), ExponentialLoss(), 17, 64)) "N D = 1088"
            let data = SyntheticData.GaussianTeacher(6, 16, 1UL)
            for model, name in [ ConvolutionalFourierNetwork(16, 2) :> IParameterization, "lone-fourier-conv-L2";
                                 DiagonalNetwork(16, 3), "lone-diag-L3"; LinearModel(16), "lone-linear";
                                 FullyConnectedNetwork(16, 3), "lone-fc-L3" ] do
                use kernel = NetworkFamilies.Alone(model, data, ReadOnlySpan(model.Initialize(0.5, 1UL)))
                Expect.equal kernel.Name name $"{model.Name} alone"
            Expect.isTrue (NetworkFamilies.LanesApply(ConvolutionalFourierNetwork(16, 2), ExponentialLoss(), 6, 16))
                "conv, exp, small"
            Expect.isTrue (NetworkFamilies.LanesApply(DiagonalNetwork(16, 2), ExponentialLoss(), 6, 16))
                "diag, exp, small"
            Expect.isTrue (NetworkFamilies.LanesApply(LinearModel(16), ExponentialLoss(), 6, 16)) "linear, exp, small"
            Expect.isFalse (NetworkFamilies.LanesApply(ConvolutionalFourierNetwork(16, 2), LogisticLoss(), 6, 16))
                "logistic loss"
            Expect.isTrue (NetworkFamilies.LanesApply(FullyConnectedNetwork(16, 3), ExponentialLoss(), 10, 16))
                "fc, exp, small"
            Expect.isTrue (NetworkFamilies.LanesApply(FullyConnectedNetwork(16, 4), ExponentialLoss(), 16, 16))
                "fc L=4 at D = 16: 784 parameters"
            Expect.isFalse (NetworkFamilies.LanesApply(FullyConnectedNetwork(32, 2), ExponentialLoss(), 16, 32))
                "fc L=2 at D = 32: 1056 parameters"
            Expect.isFalse (NetworkFamilies.LanesApply(FullyConnectedNetwork(16, 3), LogisticLoss(), 10, 16))
                "fc, logistic loss"
            Expect.isFalse (NetworkFamilies.LanesApply(ConvolutionalNetwork(16, 2), ExponentialLoss(), 6, 16))
                "the time-domain conv (the slow twin)"
            Expect.isFalse
                (NetworkFamilies.LanesApply(KernelConvolutionalNetwork(16, 4, 2, 2), ExponentialLoss(), 6, 16))
                "kernel-size nets"
            Expect.isFalse
                (NetworkFamilies.LanesApply(ConvolutionalFourierNetwork(1024, 2), ExponentialLoss(), 64, 1024))
                "large data"

        testCase "a batch takes data of N <= its N and its D, and refuses other sizes with the sizes in the message"
        <| fun () ->
            let kernel = FourierLaneStepper(2, 6, 16, 1)
            let w0 = Array.zeroCreate 32
            kernel.Load(1, SyntheticData.GaussianTeacher(3, 16, 1UL), ReadOnlySpan w0)
            Expect.equal (kernel.LaneCount 1, kernel.LaneCount 0) (3, 6)
                "a lane on fewer points; a lane never loaded counts N"
            let e =
                TestUtil.throws<ArgumentException>
                    (fun () -> kernel.Load(0, SyntheticData.GaussianTeacher(7, 16, 1UL), ReadOnlySpan w0)) "N too large"
            Expect.stringContains e.Message "N = 7" "says the dataset's N"
            Expect.stringContains e.Message "N <= 6" "says the batch's N"
            let e =
                TestUtil.throws<ArgumentException>
                    (fun () ->
                        kernel.Load(0, SyntheticData.GaussianTeacher(6, 12, 1UL), ReadOnlySpan(Array.zeroCreate 24)))
                    "wrong D"
            Expect.stringContains e.Message "D = 12" "says the dataset's D"
    ]
