// Gradient steps per second of the group-convolutional network (issue 24, point 5): the group Fourier steppers
// (GroupFourierStepper, any loss; GroupFourierLoneStepper, a lane's bits) against the group-domain twin
// (GroupConvolutionalNetwork through the generic stepper), and the Fourier-domain model through the generic stepper,
// on D4, Q8 (|G| = 8), D30, A5 (60), D60, S5 (120) at L = 2, 3, N = |G| / 2 Gaussian-teacher points, a fixed step,
// one thread, best of three after a warm-up; at |G| = 8 also 64 runs batched in lanes (GroupFourierLaneStepper,
// BatchTrainer).
// Prints and writes out/bench/group-bench.md and .csv.   dotnet fsi tools/group-bench.fsx [--steps 2000]
#load "tools.fsx"
#load "../scripts/ScriptArgs.fsx"
#load "BenchOut.fsx"

open System
open System.Diagnostics
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Steppers
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Batch

let steps = ScriptArgs.positive "--steps" 2000L

let groupOf name =
    match name with
    | "A5" -> FiniteGroup.FromPermutations([ [| 1; 2; 0; 3; 4 |]; [| 1; 2; 3; 4; 0 |] ], "A5")
    | "S5" -> FiniteGroup.FromPermutations([ [| 1; 0; 2; 3; 4 |]; [| 1; 2; 3; 4; 0 |] ], "S5")
    | _ -> StandardGroups.Parse name

let settings count = TrainingSettings(FixedStep(1e-3), ExponentialLoss(), count, RecordsPerDecade = 1)

/// Steps per second (best of three) of plain gradient descent with the stepper `make` builds on the unit-scaled
/// data. Warm-up runs for half a second first (tiered JIT), and each timed run is at least `count` steps and 0.1 s.
let stepsPerSecond (make: Dataset -> float[] -> Stepper) (data: Dataset) (w0: float[]) count =
    let mutable scale = 0.0
    let scaled = UnitScale.Of(data, &scale)
    let run count =
        use stepper = make scaled w0
        let clock = Stopwatch.StartNew()
        let result = GradientDescent.Run(stepper, scaled, settings count, dataScale = scale)
        clock.Elapsed.TotalSeconds, result
    let warm = Stopwatch.StartNew()
    let mutable count = count
    while warm.Elapsed.TotalSeconds < 0.5 do
        let seconds, _ = run count
        if seconds < 0.1 then count <- 2L * count
    [ for _ in 1 .. 3 -> run count ] |> List.map (fun (seconds, result) -> float result.Steps / seconds) |> List.max

/// The direction after exactly `steps` steps with the stepper `make` builds.
let direction (make: Dataset -> float[] -> Stepper) (data: Dataset) (w0: float[]) =
    let mutable scale = 0.0
    let scaled = UnitScale.Of(data, &scale)
    use stepper = make scaled w0
    GradientDescent.Run(stepper, scaled, settings steps, dataScale = scale).Direction

/// Run-steps per second of 64 runs (seeds 1..64) trained in lanes of 8 groups.
let batchedRunSteps (net: GroupConvolutionalFourierNetwork) count =
    let jobs () =
        Collections.Generic.Queue(
            [ for i in 1 .. 64 ->
                let data = SyntheticData.GaussianTeacher(count, net.Dimension, uint64 i)
                BatchJob(data, net.Initialize(0.5, uint64 i), settings (10L * steps), Action<TrainingResult> ignore) ])
    let train () =
        let queue = jobs ()
        let clock = Stopwatch.StartNew()
        BatchTrainer.Train(GroupFourierLaneStepper.Batch(net, count, net.Dimension, 8),
                           fun () -> if queue.Count > 0 then queue.Dequeue() else null)
        64.0 * float (10L * steps) / clock.Elapsed.TotalSeconds
    let warm = Stopwatch.StartNew()
    while warm.Elapsed.TotalSeconds < 0.5 do train () |> ignore
    [ for _ in 1 .. 3 -> train () ] |> List.max

let measure name depth =
    let group = groupOf name
    let count = group.Order / 2
    let data = SyntheticData.GaussianTeacher(count, group.Order, 7UL)
    let net = GroupConvolutionalFourierNetwork(GroupFourier group, depth)
    let twinModel = GroupConvolutionalNetwork(group, depth)
    let w0 = net.Initialize(0.5, 1UL)
    let twin = fun d (w: float[]) -> new GenericStepper(twinModel, d, ReadOnlySpan w) :> Stepper
    let generic = fun d (w: float[]) -> new GenericStepper(net, d, ReadOnlySpan w) :> Stepper
    let fast = fun d (w: float[]) -> GroupFourierStepper.Create(net, d, ReadOnlySpan w, 1) :> Stepper
    let lone = fun d (w: float[]) -> GroupFourierLoneStepper.Create(net, d, ReadOnlySpan w) :> Stepper
    let lanes =
        if GroupFourierLaneStepper.Applies(net, ExponentialLoss(), count, group.Order) then batchedRunSteps net count
        else nan
    let angle = ImplicitBias.Engine.Numerics.Geometry.Angle(ReadOnlySpan(direction fast data w0),
                                                            ReadOnlySpan(direction twin data w0))
    name, group.Order, depth, stepsPerSecond twin data w0 steps, stepsPerSecond generic data w0 steps,
    stepsPerSecond fast data w0 (10L * steps), stepsPerSecond lone data w0 (10L * steps), lanes, angle

measure "D4" 2 |> ignore // a first pass JIT-compiles every stepper's code

let rows =
    [ for name in [ "D4"; "Q8"; "D30"; "A5"; "D60"; "S5" ] do
        for depth in [ 2; 3 ] do
            let (_, order, _, twin, generic, fast, lone, lanes, angle) as row = measure name depth
            printfn "%s (|G| = %d) L=%d: twin %.0f, generic Fourier %.0f, fast %.0f (x%.1f), lone %.0f, lanes %.3g"
                name order depth twin generic fast (fast / twin) lone lanes
            yield row ]

BenchOut.write "group-bench"
    [ yield sprintf "# Group-convolutional network: steps per second (%s UTC, tools/group-bench.fsx, %d steps)"
          (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm") steps
      yield ""
      yield "N = |G| / 2, one thread, best of three. twin: GroupConvolutionalNetwork through the generic stepper; " +
            "generic Fourier: GroupConvolutionalFourierNetwork through it; fast: GroupFourierStepper; lone: " +
            "GroupFourierLoneStepper (a lane's bits); lanes: run-steps/s of 64 runs in GroupFourierLaneStepper; " +
            "angle: between the fast and twin directions after the same steps."
      yield ""
      yield "| group | order | L | twin | generic Fourier | fast | fast / twin | lone | lanes (run-steps/s) | " +
            "angle fast-twin (rad) |"
      yield "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      for name, order, depth, twin, generic, fast, lone, lanes, angle in rows do
          yield sprintf "| %s | %d | %d | %.0f | %.0f | %.0f | %.1f | %.0f | %s | %.1e |" name order depth twin generic
                    fast (fast / twin) lone (if Double.IsNaN lanes then "-" else sprintf "%.3g" lanes) angle ]
    [ yield "group,order,depth,twin_steps_per_second,generic_fourier_steps_per_second,fast_steps_per_second," +
            "lone_steps_per_second,lanes_run_steps_per_second,angle"
      for name, order, depth, twin, generic, fast, lone, lanes, angle in rows do
          yield sprintf "%s,%d,%d,%g,%g,%g,%g,%g,%g" name order depth twin generic fast lone lanes angle ]
