// Does the default step reach the direction a run with much smaller steps reaches? (issue 5, part 3)
// dotnet fsi scripts/step-rule.fsx [--quick]
// For the floor rho of NormalizedStep(0.5, rho) (the default is rho = 3e-4), trains each case until
// log L first falls below each level, and compares the direction there with (a) the run with the
// smallest floor (rho = 1e-4: ten times smaller steps once the floor binds) at the same level, and
// (b) the max-margin direction the paper predicts. Writes out/bench/step-rule.md. About 2 minutes
// (--quick: three floors, three levels, about 20 s).
#load "engine.fsx"

open System.IO
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

let quick = fsi.CommandLineArgs |> Array.contains "--quick"
let floors = if quick then [ 1e-2; 1e-3; 1e-4 ] else [ 1e-2; 3e-3; 1e-3; 3e-4; 1e-4 ]
let levels = if quick then [ -1e3; -1e30; -1e100 ] else [ -1e3; -1e10; -1e30; -1e100; -1e200 ]
let small = List.last floors
let cases =
    [ "conv L=2", SyntheticData.GaussianTeacher(6, 16, 1UL), Convolutional, 2, MarginBias.FourierL1
      "conv L=2", SyntheticData.GaussianTeacher(6, 16, 7UL), Convolutional, 2, MarginBias.FourierL1
      "conv L=2", SyntheticData.GaussianTeacher(6, 16, 27UL), Convolutional, 2, MarginBias.FourierL1
      "fc L=3", SyntheticData.GaussianTeacher(10, 32, 1UL), FullyConnected, 3, MarginBias.L2
      "diag L=2", SyntheticData.GaussianTeacher(6, 16, 1UL), Diagonal, 2, MarginBias.TimeL1
      "conv L=4", SyntheticData.GaussianTeacher(6, 16, 1UL), Convolutional, 4, MarginBias.FourierL1 ]

let cell (gapToSmall: float) (gapToReference: float) (steps: int64) = sprintf "%.1e / %.1e (%d)" gapToSmall gapToReference steps

let rows =
    [ for (label, data, kind, depth, bias) in cases do
        let reference = (MaxMargin.Solve(data, bias)).Direction
        for level in levels do
            let runs =
                [ for rho in floors ->
                    let s = Run.defaults |> Run.withModel kind depth |> Run.withStep (NormalizedStep(0.5, rho)) |> Run.withLogLossTarget level |> Run.withTimeLimit 60.0
                    rho, Run.train s data ]
            let smallest = (runs |> List.find (fun (rho, _) -> rho = small) |> snd).Direction
            let cells =
                runs |> List.map (fun (_, r) ->
                    if r.Outcome = TrainingOutcome.LossTargetReached then cell (TimeToDirection.gap r.Direction smallest) (TimeToDirection.gap r.Direction reference) r.Steps
                    else sprintf "%A" r.Outcome)
            let line = sprintf "| %s | %s | %g | %s |" label data.Name level (String.concat " | " cells)
            printfn "%s" line
            yield line ]

let md =
    [ "# Step rule: the same path, faster?"
      ""
      "Run.defaults (train.fsx's defaults) with NormalizedStep(0.5, rho), stopped when log L first falls below the level."
      sprintf "Each cell: 1 - cos to the rho = %g run at the same level / 1 - cos to the predicted max-margin direction (steps)." small
      sprintf "The default (Run.defaults) is %s." (Run.defaults.Step.Describe())
      ""
      sprintf "| model | data | log L level | %s |" (floors |> List.map (sprintf "rho = %g") |> String.concat " | ")
      sprintf "| --- | --- | ---: | %s |" (floors |> List.map (fun _ -> "---:") |> String.concat " | ")
      yield! rows ]
    |> String.concat "\n"
let outDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench")
Directory.CreateDirectory outDir |> ignore
File.WriteAllText(Path.Combine(outDir, "step-rule.md"), md + "\n")
printfn "%s" md
