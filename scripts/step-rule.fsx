// Does a larger step reach the same direction sooner? (issue 5, part 3)
// dotnet fsi scripts/step-rule.fsx : for NormalizedStep(eta), trains conv L=2 (D=16, N=6) and fc L=3
// (D=32, N=10) on Gaussian-teacher sets until log L <= target, and compares each end direction with
// the one a run with much smaller steps (eta = 0.01) reaches at the same loss level, and with the
// reference max-margin direction. Writes out/bench/step-rule.md.
#load "engine.fsx"

open System.IO
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Training

let target = -500.0
let etas = [ 0.01; 0.1; 0.5; 2.0 ]
let cases =
    [ "conv L=2", SyntheticData.GaussianTeacher(6, 16, 1UL), Run.defaults |> Run.withModel Convolutional 2, MarginBias.FourierL1
      "fc L=3", SyntheticData.GaussianTeacher(10, 32, 1UL), Run.defaults |> Run.withModel FullyConnected 3, MarginBias.L2
      "diag L=2", SyntheticData.GaussianTeacher(6, 16, 1UL), Run.defaults |> Run.withModel Diagonal 2, MarginBias.TimeL1
      "conv L=4", SyntheticData.GaussianTeacher(6, 16, 1UL), Run.defaults |> Run.withModel Convolutional 4, MarginBias.FourierL1 ]

let lines =
    [ for (label, data, settings, bias) in cases do
        let reference = (MaxMargin.Solve(data, bias)).Direction
        let runs =
            [ for eta in etas ->
                let s = settings |> Run.withStep (NormalizedStep eta) |> Run.withLogLossTarget target |> Run.withTimeLimit 60.0
                eta, Run.train s data ]
        let small = (snd runs.Head).Direction
        for (eta, r) in runs do
            let line =
                sprintf "| %s | normalized:%g | %s | %d | %.2f | %.4g | %.2e | %.2e |" label eta (string r.Outcome) r.Steps r.Seconds r.Final.LogLoss
                    (TimeToDirection.gap r.Direction small) (TimeToDirection.gap r.Direction reference)
            printfn "%s" line
            yield line ]

let md =
    [ "# Step rule: same limit, fewer steps?"
      ""
      sprintf "Each run: train.fsx's defaults except the step, stopped at log L <= %g (or 60 s)." target
      "`1-cos to small steps`: against the eta = 0.01 run's direction at the same loss level."
      "`1-cos to reference`: against the max-margin direction the paper predicts (MaxMargin.Solve)."
      ""
      "| model | step | outcome | steps | seconds | log L | 1-cos to small steps | 1-cos to reference |"
      "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"
      yield! lines ]
    |> String.concat "\n"
let outDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench")
Directory.CreateDirectory outDir |> ignore
File.WriteAllText(Path.Combine(outDir, "step-rule.md"), md + "\n")
printfn "%s" md
