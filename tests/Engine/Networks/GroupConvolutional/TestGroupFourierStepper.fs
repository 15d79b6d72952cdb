/// The group Fourier steppers (core/Engine/Networks/GroupConvolutional/GroupFourier*Stepper.cs): the packed
/// coordinates against Parseval, the fast and lone steppers against the generic stepper on the same model over a few
/// hundred steps, and runs batched in lanes against the same runs alone, bit for bit.
module ImplicitBias.Tests.Engine.Networks.GroupConvolutional.TestGroupFourierStepper

open System
open System.Collections.Generic
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Steppers
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Batch
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a
let private model name depth = GroupConvolutionalFourierNetwork(StandardGroups.Parse name, depth)

/// Trains with `make` (a stepper on the unit-scaled data) as GradientDescent.Train does, without the registry.
let private train (make: Dataset -> Stepper) (data: Dataset) (settings: TrainingSettings) =
    let mutable scale = 0.0
    let scaled = UnitScale.Of(data, &scale)
    use stepper = make scaled
    GradientDescent.Run(stepper, scaled, settings, dataScale = scale)

/// The largest relative difference of the end parameters and direction of two runs.
let private apart (a: TrainingResult) (b: TrainingResult) =
    max (relativeError a.Parameters b.Parameters) (relativeError a.Direction b.Direction)

[<Tests>]
let tests =
    testList "Networks.GroupConvolutional.GroupFourierStepper" [
        testCase "packed coordinates: Unpack(Pack f) = f and sum_i c_i (Q f)_i (Q h)_i = <f, h>" <| fun _ ->
            for name in [ "C1"; "C5"; "C6"; "D4"; "D5"; "Q8"; "A4"; "S4"; "Q8xC3"; "D3xC2" ] do
                let g = StandardGroups.Parse name
                let s = GroupSpectrum(GroupFourier g)
                let n = g.Order
                let f, h = gaussian 1UL n, gaussian 2UL n
                let pf, ph, back = Array.zeroCreate n, Array.zeroCreate n, Array.zeroCreate n
                s.Pack(span f, Span pf); s.Pack(span h, Span ph); s.Unpack(span pf, Span back)
                Expect.isLessThan (relativeError back f) 1e-13 $"{name}: round trip"
                let weighted = Seq.sum (seq { for i in 0 .. n - 1 -> s.Weights[i] * pf[i] * ph[i] })
                Expect.floatClose Accuracy.high weighted (dot f h) $"{name}: Parseval"
            let kinds name = GroupSpectrum(GroupFourier(StandardGroups.Parse name)).Runs |> Seq.map (fun r -> r.Kind)
            Expect.contains (kinds "Q8") IrrepType.Quaternionic "Q8 has a quaternionic block"
            Expect.contains (kinds "A4") IrrepType.Complex "A4 has a complex pair"

        testCase "fast and lone steppers = the generic stepper on the same model, 300 steps, to 1e-11" <| fun _ ->
            let mutable worst = 0.0
            for name in [ "D3"; "D5"; "Q8"; "A4"; "C6"; "C7"; "Q8xC3" ] do
                for depth in [ 2; 3; 4 ] do
                    let net = model name depth
                    let data = SyntheticData.GaussianTeacher(net.Dimension / 2 + 1, net.Dimension, 5UL)
                    let w0 = net.Initialize(1.0, uint64 depth)
                    for loss in [ ExponentialLoss() :> ILoss; LogisticLoss() ] do
                        let settings = TrainingSettings(NormalizedStep(0.2), loss, 300L, RecordsPerDecade = 5)
                        let generic = train (fun d -> new GenericStepper(net, d, span w0)) data settings
                        let fast = train (fun d -> GroupFourierStepper.Create(net, d, span w0, 1)) data settings
                        Expect.equal fast.Steps 300L "trained"
                        let e = apart fast generic
                        worst <- max worst e
                        Expect.isLessThan e 1e-11 $"{name} L={depth} {loss.Name}: fast vs generic"
                        if loss :? ExponentialLoss then
                            let lone = train (fun d -> GroupFourierLoneStepper.Create(net, d, span w0)) data settings
                            Expect.isLessThan (apart lone generic) 1e-11 $"{name} L={depth}: lone vs generic"
                        for r, s in Seq.zip fast.Records generic.Records do
                            Expect.isLessThan (abs (r.LogLoss - s.LogLoss)) (1e-11 * (1.0 + abs s.LogLoss)) "log L"
            printfn "group Fourier steppers vs generic, 300 steps: worst relative difference %.1e" worst

        testCase "one thread and three threads give bit-identical iterates" <| fun _ ->
            let net = model "D30" 3
            let data = SyntheticData.GaussianTeacher(40, 60, 3UL)
            let w0 = net.Initialize(1.0, 1UL)
            let settings = TrainingSettings(NormalizedStep(0.2), ExponentialLoss(), 100L)
            let one = train (fun d -> GroupFourierStepper.Create(net, d, span w0, 1)) data settings
            let three = train (fun d -> GroupFourierStepper.Create(net, d, span w0, 3)) data settings
            ImplicitBias.Tests.TestBatchTrainer.sameResult "threads" one three

        testCase "batched in lanes = alone, bit for bit: groups, depths, mixed N, scales, rules and stops" <| fun _ ->
            let rules: StepRule[] =
                [| SettlingStep(0.5, 1e-3, 0.2, 1e-2); NormalizedStep(0.5, 3e-4); FixedStep(0.2); FixedStep(1e6)
                   SettlingStep(0.5, 1e-3, 0.2, 1e-2, true) |]
            let outcomes = HashSet<TrainingOutcome>()
            for name, depth, maxCount, counts, runs, groups in
                [ "D4", 2, 6, [ 6; 3; 1 ], 19, 2; "Q8", 3, 5, [ 5; 2 ], 11, 1; "A4", 4, 8, [ 8; 5 ], 9, 1
                  "C7", 2, 4, [ 4 ], 9, 1; "D3", 1, 3, [ 3; 2 ], 9, 1 ] do
                let net = model name depth
                let d = net.Dimension
                let jobs =
                    [ for i in 0 .. runs - 1 ->
                        let data = SyntheticData.GaussianTeacher(counts[i % counts.Length], d, uint64 (100 + i))
                        let w0 = net.Initialize([| 0.5; 0.05; 3.0 |][i % 3], uint64 (7 * i + 1))
                        let target = if i % 4 = 1 then -30.0 else -infinity
                        let steps = [| 400L; 1500L; 60L; 900L |][i % 4]
                        let settings =
                            TrainingSettings(rules[i % rules.Length], ExponentialLoss(), steps, LogLossTarget = target,
                                             RecordsPerDecade = 10)
                        data, w0, settings ]
                let results = Dictionary<int, TrainingResult>()
                let queue = Queue(jobs |> List.mapi (fun i (data, w0, settings) ->
                    BatchJob(data, w0, settings, Action<TrainingResult>(fun r -> results[i] <- r))))
                Expect.isTrue (GroupFourierLaneStepper.Applies(net, ExponentialLoss(), maxCount, d)) "lanes apply"
                let batch = GroupFourierLaneStepper.Batch(net, maxCount, d, groups)
                BatchTrainer.Train(batch, fun () -> if queue.Count > 0 then queue.Dequeue() else null)
                Expect.equal results.Count runs "every run finished"
                jobs |> List.iteri (fun i (data, w0, settings) ->
                    let alone = train (fun s -> GroupFourierLaneStepper.Alone(net, s, span w0)) data settings
                    outcomes.Add alone.Outcome |> ignore
                    ImplicitBias.Tests.TestBatchTrainer.sameResult $"{net.Name} run {i}" results[i] alone)
            for o in [ TrainingOutcome.StepLimit; TrainingOutcome.LossTargetReached; TrainingOutcome.NonFinite ] do
                Expect.isTrue (outcomes.Contains o) $"some run stopped with {o}"

        testCase "lanes apply under the exponential loss up to N D = 1024, to the Fourier-domain model only" <| fun _ ->
            let net = model "D4" 2
            Expect.isTrue (GroupFourierLaneStepper.Applies(net, ExponentialLoss(), 128, 8)) "N D = 1024"
            Expect.isFalse (GroupFourierLaneStepper.Applies(net, ExponentialLoss(), 129, 8)) "N D = 1032"
            Expect.isFalse (GroupFourierLaneStepper.Applies(net, LogisticLoss(), 4, 8)) "logistic loss"
            let twin = GroupConvolutionalNetwork(StandardGroups.Parse "D4", 2)
            Expect.isFalse (GroupFourierLaneStepper.Applies(twin, ExponentialLoss(), 4, 8)) "the group-domain twin"

        testCase "a lane group step allocates zero bytes after warm-up" <| fun _ ->
            let net = model "Q8xC3" 3
            let kernel = GroupFourierLaneStepper.Batch(net, 6, net.Dimension, 2)
            for lane in 0 .. kernel.Capacity - 1 do
                let data = SyntheticData.GaussianTeacher(1 + lane % 6, net.Dimension, uint64 (lane + 1))
                kernel.Load(lane, UnitScale.Of(data, ref 0.0), span (net.Initialize(0.5, uint64 lane)))
            let multipliers = Array.create kernel.Capacity 1e-3
            let take = Array.init kernel.Capacity (fun lane -> lane % 3 <> 0)
            let busy = Array.create 2 true
            let step () =
                kernel.Evaluate(0, 2, ReadOnlySpan busy)
                for g in 0 .. 1 do
                    kernel.Gradient g
                    kernel.Step(g, ReadOnlySpan(multipliers, g * 8, 8), ReadOnlySpan(take, g * 8, 8))
            for _ in 1 .. 100 do step ()
            let before = GC.GetAllocatedBytesForCurrentThread()
            for _ in 1 .. 50 do step ()
            Expect.equal (GC.GetAllocatedBytesForCurrentThread() - before) 0L "bytes allocated by 50 group steps"
    ]
