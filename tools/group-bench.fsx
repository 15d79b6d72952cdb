// Gradient steps per second of the group-convolutional network (issue 24, point 5, in part): its Fourier-domain
// path (GroupConvolutionalFourierNetwork) against its group-domain twin (GroupConvolutionalNetwork), both through
// the generic stepper (the family has no fast stepper or lanes yet), on D4, D30 and D60 (|G| = 8, 60, 120) at
// L = 2, 3, N = |G| / 2 Gaussian-teacher points, a fixed step, one thread.
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
open ImplicitBias.Engine.Training

let steps = ScriptArgs.positive "--steps" 2000L

/// Steps per second of plain gradient descent on `model` (fixed step 1e-3, no late phase, no early stop).
let stepsPerSecond (model: IParameterization) (data: Dataset) =
    let w0 = model.Initialize(0.5, 1UL)
    let settings =
        TrainingSettings(FixedStep(1e-3), ExponentialLoss(), steps, RecordsPerDecade = 1, RecordDirections = false)
    GradientDescent.Train(model, data, ReadOnlySpan w0, settings) |> ignore // warm up the JIT
    let clock = Stopwatch.StartNew()
    let result = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
    float result.Steps / clock.Elapsed.TotalSeconds, result.Direction

let rows =
    [ for name in [ "D4"; "D30"; "D60" ] do
        let group = StandardGroups.Parse name
        let data = SyntheticData.GaussianTeacher(group.Order / 2, group.Order, 7UL)
        for depth in [ 2; 3 ] do
            let fast, fastBeta = stepsPerSecond (GroupConvolutionalFourierNetwork(group, depth)) data
            let twin, twinBeta = stepsPerSecond (GroupConvolutionalNetwork(group, depth)) data
            let angle = ImplicitBias.Engine.Numerics.Geometry.Angle(ReadOnlySpan fastBeta, ReadOnlySpan twinBeta)
            printfn "%s (|G| = %d) L=%d: Fourier path %.0f steps/s, twin %.0f steps/s (x%.2f); %.1e rad apart"
                name group.Order depth fast twin (fast / twin) angle
            yield name, group.Order, depth, fast, twin, angle ]

BenchOut.write "group-bench"
    [ yield sprintf "# Group-convolutional network: steps per second (%s UTC, tools/group-bench.fsx, %d steps)"
          (DateTime.UtcNow.ToString "yyyy-MM-dd HH:mm") steps
      yield ""
      yield "| group | order | L | Fourier path steps/s | twin steps/s | ratio | angle between the two (rad) |"
      yield "|---|---:|---:|---:|---:|---:|---:|"
      for name, order, depth, fast, twin, angle in rows do
          yield sprintf "| %s | %d | %d | %.0f | %.0f | %.2f | %.1e |" name order depth fast twin (fast / twin) angle ]
    [ yield "group,order,depth,fourier_steps_per_second,twin_steps_per_second,angle"
      for name, order, depth, fast, twin, angle in rows do
          yield sprintf "%s,%d,%d,%g,%g,%g" name order depth fast twin angle ]
