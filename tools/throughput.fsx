// Sweep throughput (issue 11): trains R seeded Gaussian-teacher runs (data and initialization seeds
// 1..R) of S steps each (or to their end) through Runner.run into a temporary store, then a sample of
// them one at a time on one thread, and prints one JSON line last:
//   {"runs", "total_steps", "seconds", "run_steps_per_second", "one_run_steps_per_second", "identical"}
// with identical = true only if every sampled run's stored result (all numbers but wall-clock times)
// is bit for bit the one trained alone.
//   dotnet fsi tools/throughput.fsx --model conv --depth 2 --n 6 --d 16 --runs 256 --steps 300000
// Options: --model M (linear, fc, diag, conv, conv-time), --depth L, --n N, --d D, --runs R, --steps S,
// --sample K (runs trained alone, default min(R, 4)), --threads T (default: all cores), --no-batching.

#load "tools.fsx"
#load "../scripts/ScriptArgs.fsx"

open System
open System.Globalization
open System.IO
open ImplicitBias

let option, number = ScriptArgs.option, ScriptArgs.positive
let model =
    match Model.parse (option "--model" "conv") with
    | Ok m -> m
    | Error message -> failwith message
let depth, n, d = int (number "--depth" 2L), int (number "--n" 6L), int (number "--d" 16L)
let runs, steps = int (number "--runs" 64L), number "--steps" 100_000L
let sample = int (number "--sample" (int64 (min runs 4)))
let threads = int (number "--threads" (int64 Environment.ProcessorCount))
let batching = not (ScriptArgs.flag "--no-batching")

eprintfn "load average at start: %s" (try File.ReadAllText("/proc/loadavg").Trim() with _ -> "n/a")
let r = Throughput.measure model depth n d runs steps sample threads batching
eprintfn "%s L=%d N=%d D=%d: %d runs of %d steps on %d threads (batching %b): %.3g run-steps/s; one run alone: %.3g steps/s"
    (Model.name model) depth n d runs steps threads batching r.RunStepsPerSecond r.OneRunStepsPerSecond
printfn "%s" (Throughput.json r)
