// Reference max-margin solutions with certificates; run with --help for the flags.
//   dotnet fsi scripts/reference.fsx --data FILE.csv --bias l2|fourier-l1|l1|kernel:K --out DIR
//   dotnet fsi scripts/reference.fsx --data FILE.csv --bias kernel:K1xK2|fourier-l1 --shape MxN --out DIR
//   dotnet fsi scripts/reference.fsx --data FILE.csv --kkt BETA.csv --p P --domain fourier|time [--shape MxN] [--out
// DIR]
#load "engine.fsx"
#r "Google.OrTools.dll"

// a binding, so that `dotnet fsi --typecheck-only` accepts the script
let exitCode = ImplicitBias.ReferenceCli.main (fsi.CommandLineArgs |> Array.toList |> List.tail)
exit exitCode
