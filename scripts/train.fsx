// Train one linear network on a CSV dataset; run with --help for the flags.
#load "engine.fsx"

// a binding, so that `dotnet fsi --typecheck-only` accepts the script
let exitCode = ImplicitBias.TrainCli.main (fsi.CommandLineArgs |> Array.toList |> List.tail)
exit exitCode
