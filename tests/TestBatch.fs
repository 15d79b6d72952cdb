/// Batched training (BatchTrainer: runs in the lanes of Vector512 groups) against each run trained
/// alone (GradientDescent.Train): the same bits in every result and record, over mixed data, sizes,
/// depths, initial scales, step rules and stopping rules, with lanes refilled as runs stop.
module ImplicitBias.Tests.TestBatch

open System
open System.Collections.Generic
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Models
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Batch

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

/// A mixed set of runs of the convolutional network of depth L on N points in dimension D: data seeds,
/// initial scales, step rules (settling, normalized with a floor, fixed, a fixed step far too large),
/// step budgets, a log-loss target on some and a convergence callback on others.
let private jobs depth count dimension runs =
    let rules: StepRule[] =
        [| SettlingStep(0.5, 1e-3, 0.2, 1e-2); NormalizedStep(0.5, 3e-4); FixedStep(0.2); NormalizedStep(2.0); FixedStep(1e6); SettlingStep(0.5, 1e-3, 0.2, 1e-2, true)
           SettlingStep(0.5, 1e-3, 0.2, 1e-2, true, true) |]
    [ for i in 0 .. runs - 1 ->
        let data = SyntheticData.GaussianTeacher(count, dimension, uint64 (100 + i))
        let model = ConvolutionalFourierNetwork(dimension, depth)
        let w0 = model.Initialize([| 0.5; 0.05; 3.0 |][i % 3], uint64 (7 * i + 1))
        let steps = [| 400L; 1500L; 60L; 2500L |][i % 4]
        let target = if i % 4 = 1 then -30.0 else -infinity
        let settings = TrainingSettings(rules[i % rules.Length], ExponentialLoss(), steps, LogLossTarget = target, RecordsPerDecade = 10)
        let converged = if i % 6 = 4 then Func<TrainingRecord, bool>(fun r -> r.Step >= 300L) else null
        model, data, w0, settings, converged ]

/// Trains the runs in a batch of `groups` groups (lanes refilled from the list) and alone; compares every pair.
let private compareBatch depth count dimension runs groups =
    let runs = jobs depth count dimension runs
    let results = Dictionary<int, TrainingResult>()
    let queue = Queue(runs |> List.mapi (fun i (_, data, w0, settings, converged) ->
        BatchJob(data, w0, settings, Action<TrainingResult>(fun r -> results[i] <- r), null, converged)))
    BatchTrainer.Train(depth, count, dimension, groups, fun () -> if queue.Count > 0 then queue.Dequeue() else null)
    Expect.equal results.Count runs.Length "every run finished"
    runs |> List.iteri (fun i (model, data, w0, settings, converged) ->
        let alone = GradientDescent.Train(model, data, ReadOnlySpan w0, settings, null, Threading.CancellationToken.None, converged)
        sameResult $"conv L={depth} N={count} D={dimension} run {i}" results[i] alone)
    results.Values |> Seq.map (fun r -> r.Outcome) |> Set.ofSeq

[<Tests>]
let tests =
    testList "Batch" [
        testCase "batched runs = runs alone, bit for bit: mixed data, scales, rules and stops; lanes refilled" <| fun () ->
            let outcomes =
                [ compareBatch 2 6 16 23 2; compareBatch 3 5 9 9 1; compareBatch 1 11 7 6 3; compareBatch 4 8 32 7 1 ] |> Set.unionMany
            // The mix must reach the stopping rules whose paths differ (landing on the target and a divergence step back).
            for o in [ TrainingOutcome.StepLimit; TrainingOutcome.LossTargetReached; TrainingOutcome.Converged; TrainingOutcome.NonFinite ] do
                Expect.isTrue (outcomes.Contains o) $"some run stopped with {o}"

        testCase "midpoint lanes that stop at different steps leave nothing behind in their lane (batched = alone)" <| fun () ->
            // Every step of these runs is a capped midpoint step (the default rule near w = 0); the budgets differ,
            // so runs leave their groups mid-batch and the next ones start in their lanes, next to lanes that go on.
            let depth, count, dimension = 3, 5, 12
            let rule = SettlingStep(0.5, 1e-5, 0.2, 1e-5, true)
            let runs =
                [ for i in 0 .. 19 ->
                    let data = SyntheticData.GaussianTeacher(count, dimension, uint64 (300 + i))
                    let model = ConvolutionalFourierNetwork(dimension, depth)
                    model, data, model.Initialize(0.5, uint64 (11 * i + 3)), TrainingSettings(rule, ExponentialLoss(), int64 (37 + 13 * i), RecordsPerDecade = 10) ]
            let results = Dictionary<int, TrainingResult>()
            let queue = Queue(runs |> List.mapi (fun i (_, data, w0, settings) ->
                BatchJob(data, w0, settings, Action<TrainingResult>(fun r -> results[i] <- r))))
            BatchTrainer.Train(depth, count, dimension, 2, fun () -> if queue.Count > 0 then queue.Dequeue() else null)
            runs |> List.iteri (fun i (model, data, w0, settings) ->
                let alone = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
                Expect.isGreaterThan alone.Steps 0L "trained"
                sameResult $"midpoint run {i}" results[i] alone)

        testCase "a run alone trains on a lane of the batch kernel exactly where it applies" <| fun () ->
            Expect.isTrue (FourierLaneKernel.Applies(ConvolutionalFourierNetwork(16, 2), ExponentialLoss(), 6, 16)) "conv, exp, small"
            Expect.isFalse (FourierLaneKernel.Applies(ConvolutionalFourierNetwork(16, 2), LogisticLoss(), 6, 16)) "logistic loss"
            Expect.isFalse (FourierLaneKernel.Applies(DiagonalNetwork(16, 2), ExponentialLoss(), 6, 16)) "other models"
            Expect.isFalse (FourierLaneKernel.Applies(ConvolutionalFourierNetwork(1024, 2), ExponentialLoss(), 64, 1024)) "large data"

        testCase "a batch refuses data of another size, with the sizes in the message" <| fun () ->
            let kernel = FourierLaneKernel(2, 6, 16, 1)
            let data = SyntheticData.GaussianTeacher(7, 16, 1UL)
            let e = TestUtil.throws<ArgumentException> (fun () -> kernel.Load(0, data, ReadOnlySpan(Array.zeroCreate 32))) "wrong N"
            Expect.stringContains e.Message "N = 7" "says the dataset's N"
    ]
