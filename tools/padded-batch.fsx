// Runs of one conv depth and D but different N in one batch (padded to the largest N): the report suite's
// conv runs of one D (Reproduction.suite, quick: the built-in set and DataSuite.quick) trained one after
// another alone (Runner.train, as with batching off) and together (Batching.plan and Batching.trainBatch,
// as the runner does), on this thread, without storing. Prints the seconds of each (wall clock and the
// process's CPU time, best of --repeats, after an untimed warm-up of both) and whether every run's numbers
// (Store.numbersChecksum: all but the wall-clock times) are the same both ways. Pin it to one core:
//   taskset -c 1 dotnet fsi tools/padded-batch.fsx --depth 2 --d 16 --steps 200000

#load "tools.fsx"

open System
open System.Diagnostics
open System.Threading
open ImplicitBias

let args = fsi.CommandLineArgs |> Array.skip 1
let number name (fallback: int64) =
    match Array.tryFindIndex ((=) name) args with
    | Some i when i + 1 < args.Length -> Int64.Parse args[i + 1]
    | Some _ -> failwithf "%s needs a value" name
    | None -> fallback
let depth, d, steps, repeats =
    int (number "--depth" 2L), int (number "--d" 16L), number "--steps" 200_000L, int (number "--repeats" 3L)

let r = Reproduction.fromArgs [||] __SOURCE_DIRECTORY__
/// The suite's conv runs of this depth on its sets of dimension D, with `budget` steps and no convergence test.
let runs budget =
    [ for spec in Reproduction.suite r do
        if (DataSpec.create spec).Dimension = d then
            { Reproduction.baseConfig r with
                Model = Convolutional; Depth = depth; Data = spec; MaxSteps = budget; ConvergenceAngle = 0.0 } ]

let checksum c data result =
    let run, trajectory = Runner.toRows c data result
    Store.numbersChecksum run trajectory

let alone configs =
    [ for c in configs ->
        let data, result = Runner.train CancellationToken.None c
        RunSpec.hash c, checksum c data result ]

let batched configs =
    let results = Collections.Concurrent.ConcurrentDictionary<string, string>()
    let finish c data result = results[RunSpec.hash c] <- checksum c data result
    for unit in Batching.plan 1 true (List.toArray configs) do
        match unit with
        | Batch(key, maxCount, queue, groups) ->
            eprintfn "batch conv L=%d D=%d N<=%d: %d runs in %d group(s)"
                key.Depth key.Dimension maxCount queue.Count groups
            Batching.trainBatch CancellationToken.None key maxCount queue groups finish
        | Alone c ->
            let data, result = Runner.train CancellationToken.None c
            finish c data result
    [ for c in configs -> RunSpec.hash c, results[RunSpec.hash c] ]

/// The value, the wall-clock seconds and the process's CPU seconds of f ().
let timed f =
    let cpu0 = Process.GetCurrentProcess().TotalProcessorTime
    let clock = Stopwatch.StartNew()
    let value = f ()
    value, clock.Elapsed.TotalSeconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds

let configs = runs steps
for c in configs do
    let data = DataSpec.create c.Data
    eprintfn "  %s: N=%d D=%d" (DataSpec.describe c.Data) data.Count data.Dimension
alone (runs 2000L) |> ignore // warm-up: both paths compiled before timing
batched (runs 2000L) |> ignore
let mutable bestAlone, bestBatched, cpuAlone, cpuBatched, identical = infinity, infinity, infinity, infinity, true
for i in 1 .. repeats do
    let a, ta, ca = timed (fun () -> alone configs)
    let b, tb, cb = timed (fun () -> batched configs)
    identical <- identical && a = b
    bestAlone <- min bestAlone ta; bestBatched <- min bestBatched tb; cpuAlone <- min cpuAlone ca
    cpuBatched <- min cpuBatched cb
    eprintfn "repeat %d: alone one after another %.2f s (CPU %.2f s), batched %.2f s (CPU %.2f s), same numbers %b"
        i ta ca tb cb (a = b)
printfn "conv L=%d D=%d, %d runs x %d steps (best of %d): alone %.2f s (CPU %.2f s), batched %.2f s (CPU %.2f s): %.2fx (CPU %.2fx); identical %b"
    depth d configs.Length steps repeats bestAlone cpuAlone bestBatched cpuBatched (bestAlone / bestBatched)
    (cpuAlone / cpuBatched) identical
