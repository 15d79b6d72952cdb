// F1, depth-dependent bias: |beta_hat| of the limit direction for convolutional networks of depth
// 1..5 beside fully connected ones on the same data. Also the report rows for Theorem 1 (fc -> l2 at
// every depth) and Theorem 4 (KKT residual of eq. 14 at the final parameters).
//   dotnet fsi scripts/fig1-spectra.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias
open ImplicitBias.Engine.Reference

let f1 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__

let spectra =
    Sweep.from "f1-spectra" (Reproduction.baseConfig f1)
    |> Sweep.vary (Axis.models [ Convolutional; FullyConnected ])
    |> Sweep.vary (Axis.depths [ 1 .. 5 ])
    |> Runner.run (Reproduction.runner f1)

spectra
|> Results.spectra [ "convolutional", Convolutional; "fully connected", FullyConnected ]
|> Figures.spectra
|> Reproduction.saveFigure f1 "f1-spectra"

Reproduction.saveClaims f1 "f1" [
    Results.ofModel FullyConnected spectra
    |> Evidence.towardLimit "Theorem 1" "fc networks of every depth converge in direction to the l2 max-margin predictor (eq. 8)" "F1" MarginBias.L2
    spectra.Runs
    |> Evidence.parameterKkt "Theorem 4" "w/||w|| tends to a KKT point of min ||w||^2 s.t. margins >= 1 (eq. 14)" "F1 runs" ]
