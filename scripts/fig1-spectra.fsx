// F1, depth-dependent bias: |beta_hat| of the limit direction for convolutional networks of depth
// 1..5 beside fully connected ones on the same data. (The report's rows for Theorems 1 and 4 are
// checked on the whole suite by fig4-stationarity.fsx.)
//   dotnet fsi scripts/fig1-spectra.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let f1 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__

let spectra =
    Sweep.from "f1-spectra" (Reproduction.baseConfig f1)
    |> Sweep.vary (Axis.models [ Convolutional; FullyConnected ])
    |> Sweep.vary (Axis.depths [ 1 .. 5 ])
    |> Runner.run (Runner.options f1.StoreDirectory)

spectra
|> Results.spectra [ "conv", Convolutional; "fc", FullyConnected ] // titles are family names: their colours
|> Figures.spectra
|> ReportFiles.saveFigure f1 "f1-spectra"
