// Train one linear network on a CSV dataset; run with --help for the flags.
#load "engine.fsx"

exit (ImplicitBias.TrainCli.main (fsi.CommandLineArgs |> Array.toList |> List.tail))
