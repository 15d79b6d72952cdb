// Train-level speed with the certified limit tracked (issue 21): conv L = 4, fixed:1e-6 steps, on
// Gaussian-teacher data at (D, N) = (64, 32) .. (4096, 1024), as `train.fsx` runs them (defaults: 20 s
// time limit, converged angle 1e-6). Prints and writes out/bench/tracking.md: steps per second beside
// engine 2.1's and 2.7's (measured in issue 21 on this machine type), the limit solves during the run and
// their share of its wall clock, and the seconds spent on the final limit after it. Engine 2.1.1's figures
// were measured with its own train.fsx on the same data (commit 7997164, 2026-12-07, this 2-core VM);
// engine 2.7's are issue 21's.
//   dotnet fsi tools/tracking-bench.fsx [--quick]
#load "tools.fsx"

open System
open System.IO
open ImplicitBias
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
let quick = fsi.CommandLineArgs |> Array.contains "--quick"
/// (D, N, steps, engine 2.1.1 steps/s, engine 2.7 steps/s) ("-": not measured).
let cases =
    [ 64, 32, 200000L, "3.2e4-3.6e4", "7.2e4"
      256, 128, 200000L, "1 (32 steps in 29 s)", "5"
      1024, 512, 2000L, "-", "6 steps in 11 min"
      4096, 1024, 500L, "-", "-" ]
    |> List.filter (fun (d, _, _, _, _) -> not quick || d <= 1024)

let settings steps =
    let args =
        [ "--model"; "conv"; "--depth"; "4"; "--step"; "fixed:1e-6"; "--steps"; string steps
          "--data"; "-"; "--out"; "-" ]
    match TrainCli.parse args with
    | Ok p -> p.Spec
    | Error e -> failwith e

let rows =
    [ for (d, n, steps, old21, old27) in cases do
        let data = SyntheticData.GaussianTeacher(n, d, 5UL)
        let clock = Diagnostics.Stopwatch.StartNew()
        let run = Run.trainTracked (fun _ _ -> ()) (settings steps) data
        let wall = clock.Elapsed.TotalSeconds
        let r = run.Result
        let share = run.TrackingSeconds / max r.Seconds 1e-9
        let status = match run.Limit with Some l -> string l.Status | None -> "none"
        let line =
            sprintf "| %d | %d | %d | %.2f | %.3g | %s | %s | %d | %.2f | %.1f %% | %.1f | %s | %.1f |"
                d n r.Steps r.Seconds r.StepsPerSecond old21 old27
                run.TrackingSolves run.TrackingSeconds (100.0 * share) run.FinalLimitSeconds status wall
        printfn "%s" line
        line ]

let header =
    [ "# Train-level speed with the limit tracked (conv L = 4, fixed:1e-6, Gaussian teacher)"
      ""
      sprintf "Machine: %d cores; load average after the last row: %s."
          Environment.ProcessorCount (try File.ReadAllText("/proc/loadavg").Trim() with _ -> "n/a")
      "Engine 2.1.1: its train.fsx on the same data (commit 7997164, measured 2026-12-07 on this kind of VM);"
      + " 2.7: issue 21."
      ""
      "| D | N | steps | run s | steps/s | 2.1.1 steps/s | 2.7 steps/s | solves in run | solve s in run"
      + " | share of run | final limit s | final status | wall s |"
      "|---:|---:|---:|---:|---:|---|---|---:|---:|---:|---:|---|---:|" ]
let outDir = Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench")
Directory.CreateDirectory outDir |> ignore
File.WriteAllLines(Path.Combine(outDir, "tracking.md"), header @ rows)
printfn "wrote %s" (Path.Combine(outDir, "tracking.md"))
