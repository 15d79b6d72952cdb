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
let predictions = [ FullyConnected, MarginBias.L2, "fc L=2 → l2"
                    Convolutional, MarginBias.FourierL1, "conv L=2 → Fourier-l1"
                    Diagonal, MarginBias.TimeL1, "diag L=2 → l1" ]

let convergence =
    Sweep.from "f3-convergence" { Reproduction.baseConfig f3 with Depth = 2 }
    |> Sweep.vary (Axis.models [ FullyConnected; Convolutional; Diagonal ])
    |> Sweep.vary (Axis.steps [ Reproduction.baseConfig(f3).Step; Reproduction.fixedStep ])
    |> Runner.run (Runner.options f3.StoreDirectory)

// One colour per model family, the step rule by its dash; the legend says the rule's name.
let curves along =
    [ for kind, bias, title in predictions ->
        let limit = (TheoryChecks.reference bias Reproduction.dataset).Direction
        title, "angle to the limit (rad)",
        [ for c, r in Results.ofModel kind convergence -> FigureStyle.ofRun true c, along limit "" r ] ]
curves Results.angleTo
|> Figures.logLogPanels
    "F3: angle to the predicted limit direction (solid: the default settling step, dashed: fixed η = 0.1)" "step"
|> ReportFiles.saveFigure f3 "f3-convergence"

// The same runs against theta = log(-log L), the clock in which the late phase moves and the rates are stated.
curves Results.angleAlongTheta
|> Figures.logLogPanels "F3 against θ = log(−log L): angle to the predicted limit direction" "θ = log(−log L)"
|> ReportFiles.saveFigure f3 "f3-convergence-theta"

// Rates (issue 22.6): on the report's suite, every conv L=2 and diag L=2 run's off-support share against theta and its
// fitted rate against the one its certified l1 limit predicts (Rates).
let suiteRuns = (Reproduction.suiteSweep f3 |> Runner.run (Runner.options f3.StoreDirectory)).Runs
let suiteSets = Reproduction.suite f3
let rates =
    [ for c, r in suiteRuns do
        if c.Depth = 2 && (c.Model = Convolutional || c.Model = Diagonal) && c.Shape.IsNone then
            let name = SuiteEvidence.setName (List.findIndex ((=) c.Data) suiteSets) c.Data
            match Rates.ofRun name $"{Model.name c.Model} L=2" (SuiteEvidence.certify c r.Run.Direction)
                      r.Trajectory with
            | Some rate -> yield FigureStyle.ofRun false c, rate
            | None -> () ]
for _, r in rates do
    printfn "rate %s %s: predicted %.4f, fitted %.4f (R^2 %.3f, %d records, theta %.1f..%.1f)"
        r.Model r.Dataset r.Predicted r.Measured r.R2 r.Points r.ThetaFrom r.ThetaTo
let within = rates |> List.filter (fun (_, r) -> abs (r.Measured - r.Predicted) <= 0.1 * r.Predicted) |> List.length
printfn "rates: fitted within 10%% of predicted on %d of %d depth-2 runs" within rates.Length
[ for look, r in rates ->
    look, r.Dataset, r.Predicted, r.Measured, r.Curve |> Array.filter (fun (_, s) -> s > Rates.shareFloor) ]
|> Figures.rates
    ($"F3 rates: depth-2 runs on {suiteSets.Length} sets; fitted δ within 10%% of predicted on {within} of " +
     $"{rates.Length}")
|> ReportFiles.saveFigure f3 "f3-rates"
