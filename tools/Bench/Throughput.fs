namespace ImplicitBias

open System
open System.Diagnostics
open System.Globalization
open System.IO
open ImplicitBias.Engine.Numerics

/// A sweep's throughput (issue 11): R seeded Gaussian-teacher runs through Runner.run, and a sample
/// of them trained one at a time on one thread.
type ThroughputResult =
    { Runs: int
      TotalSteps: int64
      /// Wall-clock seconds of Runner.run (training and storing).
      Seconds: float
      RunStepsPerSecond: float
      /// Steps per second of the sample trained alone (Runner.train), one run on one thread.
      OneRunStepsPerSecond: float
      /// True only if every sampled run's stored numbers are bit for bit those of the run trained alone.
      Identical: bool }

/// Measures ThroughputResult (tools/throughput.fsx, the Bench target) and this machine's bound for it.
module Throughput =
    /// The sweep point of seed s: data and initialization seed s, S steps, Run.defaults' step rule, no convergence
    /// stop.
    let config model depth count dimension steps (seed: int) =
        { Sweep.defaults with
            Model = model; Depth = depth; Data = GaussianTeacher(count, dimension, uint64 seed); Seed = uint64 seed
            MaxSteps = steps; TimeLimitSeconds = 1e6; ConvergenceAngle = 0.0 }

    /// Trains seeds 1..runs through Runner.run (threads, batching) into a temporary store (deleted after),
    /// then seeds 1..sample alone, and compares their numbers (Store.numbersChecksum). An untimed warm-up
    /// sweep on other seeds comes first, so that both are timed on the JIT's optimized code.
    let measure model depth count dimension runs steps sample threads batching =
        let config = config model depth count dimension steps
        let sweep = { Name = "throughput"; Points = [ for seed in 1 .. runs -> config seed ] }
        let store = Path.Combine(Path.GetTempPath(), $"throughput-{Guid.NewGuid():N}")
        try
            let options = Runner.options store |> Runner.withParallelism threads |> Runner.withBatching batching
                          |> Runner.withProgress ignore
            // Warm-up, not timed: the same sweep's code on other seeds (negative ones are not in 1..runs), so that
            // the timed sweep, like the sample trained alone after it, runs the JIT's optimized code and not its
            // first, unoptimized tier (a first sweep of 2e4-step runs in a fresh process was 2.5 x slower for that).
            let warmUp =
                { Name = "throughput-warm-up"
                  Points =
                    [ for seed in 1 .. min runs (2 * threads * 8) ->
                        { config (-seed) with MaxSteps = min steps 20_000L } ] }
            Runner.run (Runner.options (store + "-warm-up")
                        |> Runner.withParallelism threads |> Runner.withBatching batching |> Runner.withProgress ignore)
                       warmUp
            |> ignore
            let clock = Stopwatch.StartNew()
            let result = Runner.run options sweep
            let seconds = clock.Elapsed.TotalSeconds
            let totalSteps = result.Runs |> List.sumBy (fun (_, r) -> r.Run.Steps)
            let stored = dict [ for c, r in result.Runs -> RunSpec.hash c, r ]
            let mutable aloneSteps, aloneSeconds, identical = 0L, 0.0, result.Runs.Length = runs
            for seed in 1 .. sample do
                let c = config seed
                let watch = Stopwatch.StartNew()
                let data, alone = Runner.train Threading.CancellationToken.None c
                aloneSeconds <- aloneSeconds + watch.Elapsed.TotalSeconds
                aloneSteps <- aloneSteps + alone.Steps
                let run, trajectory = Runner.toRows c data alone
                let theirs = stored[RunSpec.hash c]
                if Store.numbersChecksum run trajectory <> Store.numbersChecksum theirs.Run theirs.Trajectory then
                    eprintfn "seed %d: the stored result differs from the run trained alone" seed
                    identical <- false
            { Runs = result.Runs.Length; TotalSteps = totalSteps; Seconds = seconds
              RunStepsPerSecond = float totalSteps / seconds; OneRunStepsPerSecond = float aloneSteps / aloneSeconds
              Identical = identical }
        finally
            for dir in [ store; store + "-warm-up" ] do
                if Directory.Exists dir then Directory.Delete(dir, true)

    /// The issue's JSON line.
    let json (r: ThroughputResult) =
        let f (x: float) = x.ToString("R", CultureInfo.InvariantCulture)
        ($"{{\"runs\": {r.Runs}, \"total_steps\": {r.TotalSteps}, \"seconds\": {f r.Seconds}, " +
         $"\"run_steps_per_second\": {f r.RunStepsPerSecond}, \"one_run_steps_per_second\": " +
         $"{f r.OneRunStepsPerSecond}, \"identical\": {(string r.Identical).ToLowerInvariant()}}}")

    /// This machine's rates, measured now: FMA flops per second (Vector512, the batch kernel's width) and LaneExp
    /// exponentials per second, on `threads` threads.
    let machineRates threads = MachineBounds.FmaPeak(threads, 0.1, 5, true), MachineBounds.ExpRate(threads, 0.1, 5)

    /// An upper bound on run-steps per second for N points in dimension D: every model's step computes at
    /// least the N margins <z_n, beta> and the gradient sum_n q_n z_n (2 N D fused multiply-adds, 4 N D
    /// flops) and N exponentials; a step can go no faster than those at the measured FMA and exp rates.
    let bound (fmaFlopsPerSecond: float) (expsPerSecond: float) count dimension =
        1.0 / (4.0 * float count * float dimension / fmaFlopsPerSecond + float count / expsPerSecond)
