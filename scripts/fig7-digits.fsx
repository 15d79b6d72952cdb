// F7 and the report's digits rows (beyond the paper): fc, diag and 2-D conv nets at depth 1..4 on the
// UCI handwritten digits (8 x 8 images; tasks 4 vs 9 and 3 vs 8, BeyondSuites.digitTasks), each checked
// against its certified limit at depths 2 and 3; F7 shows the learned beta as 8 x 8 heat maps and
// |beta_hat| as 2-D spectra (frequency (0, 0) top left) for the task 4 vs 9.
//   dotnet fsi scripts/fig7-digits.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier

let f7 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let tasks = BeyondSuites.digitTasks f7
let runs = BeyondSuites.digitRuns f7 |> Runner.run (Runner.options f7.StoreDirectory)
let checkedRuns = runs.Runs |> List.filter (fun (c, _) -> c.Depth = 2 || c.Depth = 3)
ReportFiles.saveClaims f7 "f7" (Beyond.rows Beyond.digitClaim Beyond.describe Beyond.digitName checkedRuns)

let grid = DigitsDataset.ImageGrid
let first = tasks.Head
let spectrum (beta: float[]) = GridDft.Magnitudes(grid, System.ReadOnlySpan beta)
[ for kind, title in [ FullyConnected, "fc"; Diagonal, "diag"; Convolutional, "conv (2-D)" ] do
    let mine = runs.Runs |> List.filter (fun (c, _) -> c.Data = first && c.Model = kind)
               |> List.sortBy (fun (c, _) -> c.Depth)
    yield $"{title} β", [ for c, r in mine -> $"L={c.Depth}", r.Run.Direction, true ]
    yield $"{title} |β̂|", [ for c, r in mine -> $"L={c.Depth}", spectrum r.Run.Direction, false ] ]
|> BeyondFigures.imageGrid
    ($"""F7: GD's limit direction on the {Beyond.digitName first} task ("""
     + $"""{match first with Digits(_, _, Some c) -> $"{c} images" | _ -> "all images"} of each): """
     + "β (8 x 8) and |β̂| (2-D DFT)")
    grid.Columns
|> ReportFiles.saveFigure f7 "f7-digits"
