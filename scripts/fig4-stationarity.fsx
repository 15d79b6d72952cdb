// F4, stationarity: the eq. (11)-(13) residual of beta/||beta|| for min ||beta_hat||_{2/L} s.t.
// margins >= 1, against the step, for convolutional networks of depth 3, 4, 5 (Theorem 2a).
//   dotnet fsi scripts/fig4-stationarity.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let f4 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__

let stationarity =
    Sweep.from "f4-stationarity" { Reproduction.baseConfig f4 with Model = Convolutional; MaxSteps = Reproduction.stationaritySteps f4 }
    |> Sweep.vary (Axis.depths [ 3; 4; 5 ])
    |> Runner.run (Reproduction.runner f4)

[ ("conv, p = 2/L", [ for c, r in stationarity.Runs -> Results.overSteps $"L={c.Depth}" (fun t -> TheoryChecks.bridgeResidual c t.Direction) r ]) ]
|> Figures.logLogPanels "F4: eq. (11) residual for min ||β̂||_p, p = 2/L (drawn once the data is separated)" "step" "relative residual"
|> Reproduction.saveFigure f4 "f4-stationarity"

Reproduction.saveClaims f4 "f4" [
    stationarity.Runs
    |> Evidence.bridgeStationarity "Theorem 2a" "conv L: beta/||beta|| tends to a first-order stationary point of min ||beta_hat||_{2/L} s.t. margins >= 1 (eq. 10-13)" "F4"
    |> Evidence.withRemark (Evidence.supportRemark stationarity.Runs) ]
