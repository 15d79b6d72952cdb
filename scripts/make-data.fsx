// Write a seeded synthetic dataset as CSV (label first, then features).
//   dotnet fsi scripts/make-data.fsx --kind gaussian|fourier-sparse --n N --d D [--k K] [--seed S] --out FILE.csv
#load "engine.fsx"

exit (ImplicitBias.DataCli.main (fsi.CommandLineArgs |> Array.toList |> List.tail))
