// F4 and the report's training rows, on a seeded suite of datasets (Reproduction.suite: the built-in
// set and DataSuite.quick, or DataSuite.full with --full). Every (model, depth) of
// Reproduction.suiteModels is trained on every set; each run's evidence is its certified limit
// (CertifiedLimit.Find from GD's final direction): status, residual, degenerate flag, GD's angle
// to it. F4 draws, for conv L=3, 4, 5 and diag L=3, the residual of the certified limit found from
// GD's direction at the recorded steps and GD's angle to it: median and worst over the suite.
//   dotnet fsi scripts/fig4-stationarity.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let f4 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let sets = Reproduction.suite f4
let name spec = SuiteEvidence.setName (List.findIndex ((=) spec) sets) spec

let suite = Reproduction.suiteSweep f4 |> Runner.run (Runner.options f4.StoreDirectory)

let bridges = suite.Runs |> List.filter (fun (c, _) -> c.Depth >= 3 && (c.Model = Convolutional || c.Model = Diagonal))
let along =
    [ for c, r in bridges |> List.sortBy (fun (c, _) -> Model.name c.Model, c.Depth) ->
        FigureStyle.ofRun false c, SuiteEvidence.limitAlong 10 c r ]
// Per (model, depth): the median over the sets (thick, with markers) and the worst set (thin, faint), one legend entry.
let panels aggregate (pick: int64 * float * float * float * bool -> 'k * (float * float)) =
    let over f = along |> List.map (fun (look, points) -> look, points |> List.map (pick >> fun (k, v) -> k, f v))
    [ "residual of the certified limit (eq. 11)", "relative KKT residual", aggregate (over fst)
      "GD's angle to the certified limit", "angle (rad)", aggregate (over snd) ]
let title = $"F4: certified stationary points of eq. (10), p = 2/L, over {sets.Length} sets"
let legend = "(thick: median, thin: worst set)"
panels SuiteEvidence.medianAndWorst (fun (step, _, res, angle, _) -> step, (res, angle))
|> Figures.logLogPanels $"{title} {legend}" "step"
|> ReportFiles.saveFigure f4 "f4-stationarity"

// The same against theta = log(-log L), pooled in tenths of a decade (runs record at different thetas).
panels SuiteEvidence.medianAndWorstOverTheta (fun (_, theta, res, angle, _) -> theta, (res, angle))
|> Figures.logLogPanels $"F4 against θ = log(−log L), over {sets.Length} sets {legend}" "θ = log(−log L)"
|> ReportFiles.saveFigure f4 "f4-stationarity-theta"

ReportFiles.saveClaims f4 "f4" (Evidence.suiteRows name suite.Runs)
