// A sweep that runs here or on a Slurm cluster, unchanged: 64 small points (conv L=2, D = 8..16,
// 16 data and initialization seeds). SweepCli.run in place of Runner.run reads the backend options.
//   dotnet fsi scripts/sweep-example.fsx                       (local: trains here into out/store)
//   dotnet fsi scripts/sweep-example.fsx --backend slurm --partition debug --tasks 8 [--wait]
//   dotnet fsi scripts/sweep-example.fsx --backend slurm --status
// `dotnet fsi scripts/sweep-example.fsx -- --help` lists the options.
#load "build-check.fsx" // first: says to build when the toolkit is missing
#load "engine.fsx"
open ImplicitBias

if Array.contains "--help" fsi.CommandLineArgs then
    printfn "%s" SweepCli.usage
    exit 0

let result =
    Sweep.from "example-conv2" { Sweep.defaults with Model = Convolutional; Depth = 2; MaxSteps = 400_000L }
    |> Sweep.vary (Axis.dataSizes [ 6, 8; 6, 10; 8, 12; 8, 16 ])
    |> Sweep.vary (Axis.repeats [ 1UL .. 16UL ])
    |> SweepCli.run fsi.CommandLineArgs (Runner.options "out/store")

// From here on the script runs locally, or after --backend slurm --wait, on the stored results.
let effective = [ for _, r in result.Runs -> Sparsity.fourierEffectiveCount r.Run.Direction ] |> List.sort
printfn "[%s] %d runs (%d computed here, %d reused, %d missing); Fourier effective count: median %.3f, range %.3f..%.3f"
    result.Sweep.Name result.Runs.Length result.Computed result.Reused result.Missing
    (if effective.IsEmpty then nan else effective[effective.Length / 2])
    (if effective.IsEmpty then nan else List.head effective) (if effective.IsEmpty then nan else List.last effective)
