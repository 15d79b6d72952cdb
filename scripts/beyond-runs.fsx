// Every run of the report's part "Beyond the paper" (BeyondSuites.allRuns: the runs of fig6-kernel-size.fsx,
// beyond-2d.fsx and fig7-digits.fsx) as one sweep, longest first, so that both cores stay busy to the
// end; reproduce.fsx runs it before the three scripts, which then find their runs in the store.
//   dotnet fsi scripts/beyond-runs.fsx [--full]
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

let beyond = Reproduction.fromArgs fsi.CommandLineArgs __SOURCE_DIRECTORY__
BeyondSuites.allRuns beyond |> Runner.run (Runner.options beyond.StoreDirectory) |> ignore
