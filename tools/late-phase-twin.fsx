// The late phase against its high-precision twin (issue 22). On seeded random small sets (D from --dims, N from 3 to D,
// Gaussian-teacher and Fourier-sparse-teacher data alternating) per model, the engine's late phase (train.fsx's
// defaults, run to each theta target) is compared with the exact flow in BigFloat (LatePhaseTwin), started from the
// engine's own state at theta 4 and carried to the tau at which the engine's direction has each target theta.
// Prints and writes out/bench/NAME.md (pass counts at 1 - cos <= 1e-9, worst 1 - cos, per model and theta) and
// out/bench/NAME.csv (one row per set and theta), after every set. A model stops taking new sets once its --budget
// seconds are spent; --resume keeps the sets of NAME.csv and measures the others.
//   dotnet fsi tools/late-phase-twin.fsx [--sets 10] [--thetas 10,20,50,100] [--dims 5,6,7,9]
//       [--models linear,diag2,diag3,conv2,conv3,fc2] [--fc-dim 6] [--budget 600] [--tolerance 1e-10]
//       [--name late-phase-twin] [--resume]
#load "tools.fsx"
#load "../scripts/ScriptArgs.fsx"
#load "BenchOut.fsx"

open System
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Reference.HighPrecision
open ImplicitBias.Engine.Training

let listOf name fallback = (ScriptArgs.option name fallback).Split ',' |> Array.toList
let sets = int (ScriptArgs.positive "--sets" 10L)
let thetas = listOf "--thetas" "10,20,50,100" |> List.map float
let dims = listOf "--dims" "5,6,7,9" |> List.map int
let budget = float (ScriptArgs.option "--budget" "600")
let tolerance = float (ScriptArgs.option "--tolerance" "1e-10")
let outName = ScriptArgs.option "--name" "late-phase-twin"
let allModels =
    [ "linear", (Linear, 1); "diag2", (Diagonal, 2); "diag3", (Diagonal, 3); "conv2", (Convolutional, 2)
      "conv3", (Convolutional, 3); "fc2", (FullyConnected, 2) ]
let models =
    listOf "--models" (allModels |> List.map fst |> String.concat ",")
    |> List.map (fun n -> n, (allModels |> List.find (fst >> (=) n) |> snd))
let startTheta, bound = 4.0, 1e-9

/// fc L = 2 has P = D^2 + D parameters and the twin's Newton matrices are 5P x 5P: it takes the sets with D <=
/// --fc-dim.
let fcDim = int (ScriptArgs.positive "--fc-dim" 6L)
let dimsFor name = if name = "fc2" then dims |> List.filter (fun d -> d <= fcDim) else dims
let dataset (dims: int list) (i: int) =
    let rng = ImplicitBias.Engine.Numerics.SeededRandom(uint64 (104729 * (i + 1)))
    let d = dims[i % dims.Length]
    let n = 3 + rng.NextInt(d - 2)
    let seed = uint64 (2000 + i)
    if i % 2 = 0 then SyntheticData.GaussianTeacher(n, d, seed) else SyntheticData.FourierSparseTeacher(n, d, 3, seed)

/// The engine with train.fsx's defaults and late phase, run from the start until log(-log L) = theta.
let engine kind depth (data: Dataset) =
    let s = Run.defaults |> Run.withModel kind depth
    let model = RunSpec.parameterization s data.Dimension
    let w0 = model.Initialize(s.InitScale, s.Seed)
    let settings theta =
        TrainingSettings(s.Step, ExponentialLoss(), Int64.MaxValue, 600.0, -(exp (min theta 700.0)), 20, false,
                         s.Late.Value, theta)
    model, fun theta -> GradientDescent.Train(model, data, ReadOnlySpan w0, settings theta)

type Row = { Model: string; Set: int; Data: string; Theta: float; EngineTheta: float; Outcome: string
             OneMinusCos: float; TwinTheta: float; Steps: int; Bits: int; Seconds: float }

/// With --resume, the rows of an earlier run of the same --name: its sets are not measured again.
let csvPath = IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench", outName + ".csv")
let earlier =
    if ScriptArgs.flag "--resume" && IO.File.Exists csvPath then
        IO.File.ReadAllLines csvPath |> Array.skip 1 |> Array.map (fun line ->
            let f = Text.RegularExpressions.Regex.Matches(line, "\"[^\"]*\"|[^,]+")
                    |> Seq.map (fun m -> m.Value.Trim '"') |> Seq.toArray
            { Model = f[0]; Set = int f[1]; Data = f[2]; Theta = float f[3]; EngineTheta = float f[4]; Outcome = f[5]
              OneMinusCos = float f[6]; TwinTheta = float f[7]; Steps = int f[8]; Bits = int f[9]
              Seconds = float f[10] })
    else [||]
let rows = Collections.Generic.List<Row>(earlier)
let sci (x: float) = x.ToString("0.0e0", Globalization.CultureInfo.InvariantCulture)

/// Writes the table and the rows so far (after every set: an interrupted run keeps them) and returns the table.
let report () =
    let table =
        [ for name, _ in models do
            for theta in thetas do
                let mine = rows |> Seq.filter (fun r -> r.Model = name && r.Theta = theta) |> Seq.toList
                if not mine.IsEmpty then
                    let passes = mine |> List.filter (fun r -> r.OneMinusCos <= bound) |> List.length
                    let worst = mine |> List.maxBy (fun r -> r.OneMinusCos)
                    let stopped = mine |> List.filter (fun r -> r.EngineTheta < theta - 1e-6) |> List.length
                    let thetaGap = mine |> List.map (fun r -> abs (r.TwinTheta - theta)) |> List.max
                    let seconds = mine |> List.map (fun r -> r.Seconds)
                    yield sprintf "| %s | %g | %d of %d | %s (#%d) | %d | %s | %.1f | %.1f |"
                              name theta passes mine.Length
                              (sci worst.OneMinusCos) worst.Set stopped (sci thetaGap) (List.average seconds)
                              (List.max seconds) ]
    let header =
        [ "# The late phase against its high-precision twin (tools/late-phase-twin.fsx)"
          ""
          sprintf "Machine: %d cores; load average at the end: %s. Sets per model: %d (D in %s, N from 3 to D;"
              Environment.ProcessorCount (try IO.File.ReadAllText("/proc/loadavg").Trim() with _ -> "n/a") sets
              (dims |> List.map string |> String.concat ", ")
          + sprintf " fc2 only with D <= %d), fewer where a model's budget (%.0f s a run) ran out;" fcDim budget
          + sprintf " twin tolerance %g per unit of tau, started at the engine's state at theta %g."
                tolerance startTheta
          ""
          ("Columns: model; theta; sets with 1 - cos <= 1e-9 between the engine's beta direction and the twin's; " +
           "the worst")
          + " 1 - cos (set); runs in which the engine stopped before theta (Stationary: compared at the tau of its last"
          + " direction); the largest |theta_twin - theta| at the compared tau; the twin's mean and largest seconds for"
          + " that stretch of theta."
          ""
          "| model | theta | pass | worst 1 - cos | engine stopped | theta gap | mean s | max s |"
          "|---|---:|---|---|---:|---:|---:|---:|" ]
    BenchOut.write outName (header @ table) (
        "model,set,data,theta,engine_theta,outcome,one_minus_cos,twin_theta,twin_steps,twin_bits,twin_seconds"
        :: [ for r in rows ->
               sprintf "%s,%d,\"%s\",%g,%.6f,%s,%.3e,%.9f,%d,%d,%.2f"
                   r.Model r.Set r.Data r.Theta r.EngineTheta r.Outcome
                   r.OneMinusCos r.TwinTheta r.Steps r.Bits r.Seconds ])
    header @ table

for name, (kind, depth) in models do
    let clock = Diagnostics.Stopwatch.StartNew()
    let measured i = rows.Exists(fun r -> r.Model = name && r.Set = i)
    for i in [ 0 .. sets - 1 ] |> List.filter (measured >> not) do
        if clock.Elapsed.TotalSeconds < budget then
            let data = dataset (dimsFor name) i
            let model, train = engine kind depth data
            let start = train startTheta
            let twin = LatePhaseTwin(model, data, start.Parameters, startTheta, FlowOptions(Tolerance = tolerance))
            for theta in thetas do
                let run = train theta
                let t = Diagnostics.Stopwatch.StartNew()
                let flow = twin.AdvanceTo(run.Parameters, theta)
                let row = { Model = name; Set = i; Data = data.Name; Theta = theta;
                            EngineTheta = run.Final.LogNegativeLogLoss
                            Outcome = string run.Outcome; OneMinusCos = LatePhaseTwin.OneMinusCos(run.Direction,
                                                                                                  twin.Direction)
                            TwinTheta = twin.Theta; Steps = flow.Steps; Bits = flow.Bits
                            Seconds = t.Elapsed.TotalSeconds }
                rows.Add row
                printfn "%s #%d %s theta %g: engine %s at %.3f, 1-cos %s, twin theta %.9f, %d steps at %d bits in %.1f s"
                    name i data.Name theta row.Outcome row.EngineTheta (sci row.OneMinusCos) row.TwinTheta row.Steps
                    row.Bits
                    row.Seconds
            report () |> ignore
for line in report () do printfn "%s" line
