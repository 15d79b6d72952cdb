// Reference max-margin solutions with certificates; run with --help for the flags.
//   dotnet fsi scripts/reference.fsx --data FILE.csv --bias l2|fourier-l1|l1 --out DIR
#load "engine.fsx"
#r "Google.OrTools.dll"

exit (ImplicitBias.ReferenceCli.main (fsi.CommandLineArgs |> Array.toList |> List.tail))
