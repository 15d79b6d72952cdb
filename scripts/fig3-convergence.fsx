// F3, convergence to the theory: the angle between beta/||beta|| and the predicted limit against
// the step (log-log): fc L=2 -> l2, conv L=2 -> Fourier-l1, diag L=2 -> time-l1; the paper's fixed
// step (eq. 7) against the default rule. (The report's rows for Theorem 2 and diag L=2 are checked on
// the whole suite by fig4-stationarity.fsx.)
//   dotnet fsi scripts/fig3-convergence.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias
open ImplicitBias.Engine.Reference

let f3 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let predictions = [ FullyConnected, MarginBias.L2, "fc L=2 → l2"; Convolutional, MarginBias.FourierL1, "conv L=2 → Fourier-l1"; Diagonal, MarginBias.TimeL1, "diag L=2 → l1" ]

let convergence =
    Sweep.from "f3-convergence" { Reproduction.baseConfig f3 with Depth = 2 }
    |> Sweep.vary (Axis.models [ FullyConnected; Convolutional; Diagonal ])
    |> Sweep.vary (Axis.steps [ Reproduction.baseConfig(f3).Step; Reproduction.fixedStep ])
    |> Runner.run (Reproduction.runner f3)

[ for kind, bias, title in predictions ->
    let limit = (TheoryChecks.reference bias Reproduction.dataset).Direction
    title, [ for c, r in Results.ofModel kind convergence -> Results.angleTo limit $"{Model.name c.Model} {c.Step.Describe()}" r ] ]
|> Figures.logLogPanels "F3: angle (rad) to the predicted limit direction" "step" "angle to the limit (rad)"
|> Reproduction.saveFigure f3 "f3-convergence"
