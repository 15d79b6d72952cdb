// F2, sparsity against depth over many seeds (dataset and initialization), with bands (median,
// min..max): convolutional networks in the Fourier domain, diagonal networks in the time domain,
// fully connected networks in both (flat).
//   dotnet fsi scripts/fig2-sparsity.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias
open Plotly.NET

let f2 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__

let sparsity =
    Sweep.from "f2-sparsity" { Reproduction.baseConfig f2 with MaxSteps = Reproduction.sparsitySteps f2 }
    |> Sweep.vary (Axis.models [ Convolutional; Diagonal; FullyConnected ])
    |> Sweep.vary (Axis.depths [ 1 .. 5 ])
    |> Sweep.vary (Axis.repeats (Reproduction.seeds f2))
    |> Runner.run (Reproduction.runner f2)

let fourier = fun _ (r: StoredRun) -> Sparsity.fourierEffectiveCount r.Run.Direction
let time = fun _ (r: StoredRun) -> Sparsity.effectiveCount r.Run.Direction

Figures.bands
    $"F2: sparsity of the limit direction vs depth ({List.length (Reproduction.seeds f2)} seeds: median, min..max)"
    "depth L" "effective count ‖v‖₁² / ‖v‖₂² (D = 16)"
    // One colour per family; fc appears twice (Fourier and time domain): the time domain is dotted.
    (let looks = dict [ for family, label in [ "conv", "conv: Fourier |β̂|"; "fc", "fc: Fourier |β̂|"; "diag", "diag: time |β|" ] ->
                            label, FigureStyle.look family label ]
     let fcTime = { FigureStyle.look "fc" "fc: time |β|" with Dash = StyleParam.DrawingStyle.Dot }
     (Results.bandsOverDepth [ "conv: Fourier |β̂|", Convolutional; "fc: Fourier |β̂|", FullyConnected ] fourier sparsity
      @ Results.bandsOverDepth [ "diag: time |β|", Diagonal; "fc: time |β|", FullyConnected ] time sparsity)
     |> List.map (fun b -> (if b.Name = fcTime.Label then fcTime else looks[b.Name]), b))
|> Reproduction.saveFigure f2 "f2-sparsity"
