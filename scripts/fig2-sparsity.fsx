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
    |> Runner.run (Runner.options f2.StoreDirectory)

let fourier = fun _ (r: StoredRun) -> Sparsity.fourierEffectiveCount r.Run.Direction
let time = fun _ (r: StoredRun) -> Sparsity.effectiveCount r.Run.Direction

// One colour per family; fc appears twice (Fourier and time domain): its time-domain band is dotted.
let fourierBands =
    Results.bandsOverDepth [ "conv: Fourier |β̂|", Convolutional; "fc: Fourier |β̂|", FullyConnected ]
        fourier sparsity
let timeBands = Results.bandsOverDepth [ "diag: time |β|", Diagonal; "fc: time |β|", FullyConnected ] time sparsity
let looks =
    [ FigureStyle.look "conv" "conv: Fourier |β̂|"
      FigureStyle.look "fc" "fc: Fourier |β̂|"
      FigureStyle.look "diag" "diag: time |β|"
      { FigureStyle.look "fc" "fc: time |β|" with Dash = StyleParam.DrawingStyle.Dot } ]

Figures.bands
    $"F2: sparsity of the limit direction vs depth ({List.length (Reproduction.seeds f2)} seeds: median, min..max)"
    "depth L" "effective count ‖v‖₁² / ‖v‖₂² (D = 16)"
    (List.zip looks (fourierBands @ timeBands))
|> ReportFiles.saveFigure f2 "f2-sparsity"
