// Write a seeded synthetic dataset as CSV (label first, then features).
//   dotnet fsi scripts/make-data.fsx --kind gaussian|fourier-sparse --n N --d D [--k K] [--seed S] --out FILE.csv
// (S from 0 to 2^64 - 1: every seed the report prints)
#load "engine.fsx"

// a binding, so that `dotnet fsi --typecheck-only` accepts the script
let exitCode = ImplicitBias.DataCli.main (fsi.CommandLineArgs |> Array.toList |> List.tail)
exit exitCode
