// The report's 2-D rows (beyond the paper): circular conv nets on random images (BeyondSuites.gridSets:
// 4x4, 3x5, 4x6, 5x5), full width at L = 2, 3, 4 (Theorem 2 and 2a with the 2-D DFT) and with 2x2
// kernels and C = 1, 4 channels at L = 2 (the 2-D R_K), each checked against its certified limit.
//   dotnet fsi scripts/beyond-2d.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let b2 = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
let sets = BeyondSuites.gridSets b2
let name spec =
    let i = List.findIndex (fst >> (=) spec) sets
    $"{snd sets[i]} {SuiteEvidence.setName (i + 1) spec}"
let runs = BeyondSuites.gridRuns b2 |> Runner.run (Runner.options b2.StoreDirectory)
ReportFiles.saveClaims b2 "beyond-2d" (Beyond.rows Beyond.gridClaim Beyond.describe name runs.Runs)
