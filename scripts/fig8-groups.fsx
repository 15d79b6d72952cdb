// F8 and the report's group-convolutional rows (beyond the paper, issue 24): gconv (linear G-CNNs) on D3, D4, D5,
// Q8 and A4 (and D6, S4 with --full) at L = 2, 3, 4 on seeded sets, each checked against its certified limit (group
// nuclear at L = 2, group bridge at L >= 3), and the abelian sanity row (C8, L = 2, the paper's Fourier-l1 limit).
// F8: the singular values of each group Fourier block of GD's direction on one A4 set, for gconv at L = 2, 3, 4
// beside fc and the cyclic conv on the same data: depth drives the blocks to low rank.
//   dotnet fsi scripts/fig8-groups.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let f8 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let runs = GroupSuites.rowRuns f8 |> Runner.run (Runner.options f8.StoreDirectory)
ReportFiles.saveClaims f8 "f8" (GroupRows.rows GroupSuites.abelian (GroupSuites.sets f8) runs.Runs)

let figure = GroupSuites.figureRuns f8 |> Runner.run (Runner.options f8.StoreDirectory)
let fourier = GroupName.fourier GroupSuites.figureGroup
GroupFigures.blockSpectra
    ($"F8: singular values of each group Fourier block of GD's direction on {GroupSuites.figureGroup} (set #0 of its " +
     "rows): depth drives gconv's blocks to low rank<br>fc and the cyclic conv trained on the same data, " +
     DataSpec.describe (GroupSuites.figureSet f8))
    [ for c, r in figure.Runs -> FigureStyle.ofRun false c, GroupFigures.blockSpectrum fourier r.Run.Direction ]
|> ReportFiles.saveFigure f8 "f8-groups"
