/// The runner: an interrupted sweep resumes with only unfinished runs redone; damaged results are recomputed.
module ImplicitBias.Tests.TestRunner

open System.IO
open System.Threading
open Expecto
open ImplicitBias
open ImplicitBias.Tests.TestStore

/// Six quick points (two models x three seeds).
let sweep =
    Sweep.from "resume" quick
    |> Sweep.vary (Axis.models [ Diagonal; Convolutional ])
    |> Sweep.vary (Axis.seeds [ 1UL; 2UL; 3UL ])

/// Run id and the stored numbers' checksum of every run of a sweep's result, in order.
let private numbers (r: SweepResult) =
    r.Runs |> List.map (fun (c, s) -> RunSpec.hash c, Store.numbersChecksum s.Run s.Trajectory)

/// The sweep trained batched and alone, each into a fresh store.
let private batchedAndAlone (sweep: Sweep) =
    let run batching =
        Runner.run (Runner.options (tempDir ()) |> Runner.withProgress ignore |> Runner.withBatching batching) sweep
    run true, run false

[<Tests>]
let tests =
    testList "Runner" [
        testCase "killed midway, a rerun redoes only unfinished runs; a corrupted result is recomputed" <| fun () ->
            let dir = tempDir ()
            let log = System.Collections.Concurrent.ConcurrentBag<string>()
            use cancel = new CancellationTokenSource()
            let mutable stored = 0
            let options =
                Runner.options dir |> Runner.withParallelism 1 |> Runner.withProgress log.Add
                |> Runner.withOnStored (fun _ -> if Interlocked.Increment(&stored) = 2 then cancel.Cancel())
            let first = Runner.runWith options cancel.Token sweep
            Expect.equal first.Computed 2 "stopped after two runs"
            Expect.equal first.Missing 4 "four without a result"
            let finished = first.Runs |> List.map (fun (_, r) -> r.Run.RunId) |> Set.ofList
            let stamps = [ for id in finished -> id, File.GetLastWriteTimeUtc(Store.runPath dir id) ] |> Map.ofList
            let computedIds = System.Collections.Concurrent.ConcurrentBag<string>()
            let again = Runner.run (options |> Runner.withOnStored (fun r -> computedIds.Add r.RunId)) sweep
            Expect.equal (again.Reused, again.Computed, again.Missing) (2, 4, 0) "only the unfinished four"
            Expect.isEmpty (Set.intersect finished (Set.ofSeq computedIds)) "no finished run redone"
            for id in finished do
                Expect.equal (File.GetLastWriteTimeUtc(Store.runPath dir id)) stamps[id] "finished files untouched"
            // Corrupt one result and leave a half-written temporary file beside the store.
            let victim = Set.minElement finished
            let path = Store.trajectoryPath dir victim
            let bytes = File.ReadAllBytes path
            bytes[bytes.Length / 2] <- bytes[bytes.Length / 2] ^^^ 0xFFuy
            File.WriteAllBytes(path, bytes)
            File.WriteAllText(Store.runPath dir "0123456789abcdef" + ".tmp-1-x", "half")
            let recomputed = System.Collections.Concurrent.ConcurrentBag<string>()
            let third = Runner.run (options |> Runner.withOnStored (fun r -> recomputed.Add r.RunId)) sweep
            Expect.equal (third.Reused, third.Computed) (5, 1) "one recomputed"
            Expect.equal (List.ofSeq recomputed) [ victim ] "the corrupted one"
            Expect.isOk (Store.tryLoad dir victim) "valid again"

        testCase "a batched sweep stores the same numbers as the same sweep trained run by run" <| fun () ->
            // Mixed points: conv L=2 and L=3 (batched; D = 16 on N = 1, 6 and 11 in one batch, padded; lanes refilled),
            // diag L=2 (batched too since engine 2.5), fc L=3 (since 2.7), init scales, step budgets.
            let mixed =
                Sweep.from "batched" quick
                |> Sweep.vary (Axis.modelDepths [ Convolutional, 2; Convolutional, 3; Diagonal, 2; FullyConnected, 3 ])
                |> Sweep.vary (Axis.dataSizes [ 4, 8; 6, 16; 1, 16; 11, 16 ])
                |> Sweep.vary (Axis.initScales [ 0.5; 0.1 ])
                |> Sweep.vary (Axis.maxSteps [ 150L; 700L ])
                |> Sweep.vary (Axis.repeats [ 1UL .. 3UL ])
            let batched, alone = batchedAndAlone mixed
            Expect.equal batched.Runs.Length 192 "every point"
            Expect.equal (numbers batched) (numbers alone) "same run ids and the same numbers, run by run"

        testCase "gconv sweeps batch per group: batched = alone run by run, the group in the key and in the store"
        <| fun () ->
            // D4, Q8 and C8 all have order 8: a key without the group would put them in one batch of one model.
            let gconv =
                Sweep.from "gconv" { quick with Model = GroupConvolutional; Group = Some "D4" }
                |> Sweep.vary (Axis.groups [ "D4"; "Q8"; "C8" ])
                |> Sweep.vary (Axis.depths [ 2; 3 ])
                |> Sweep.vary (Axis.dataSizes [ 4, 8; 2, 8; 8, 8 ])
                |> Sweep.vary (Axis.repeats [ 1UL .. 2UL ])
            let keys = gconv.Points |> List.choose Batching.keyOf |> List.map (fst >> fun k -> k.Group, k.Depth)
            Expect.equal keys.Length gconv.Points.Length "every gconv point batches"
            Expect.equal (keys |> List.distinct |> List.length) 6 "one key per group and depth"
            let batched, alone = batchedAndAlone gconv
            Expect.equal (numbers batched) (numbers alone) "same run ids and the same numbers, run by run"
            for c, s in batched.Runs do
                Expect.equal s.Run.Group c.Group.Value "the store's group column"
                Expect.equal s.Run.Model "gconv" "the store's model column"

        testCase "the plan keeps the sweep's order: units in the order of their first point, every point once"
        <| fun () ->
            // fc L=2 (alone: one fc run is fewer than Batching.minimumRuns), conv L=2 on N=6 D=16 (key conv L=2 D=16),
            // diag (key diag L=2 D=8), conv L=2 on N=4 D=8 (key conv L=2 D=8),
            // conv L=2 N=6 D=16 again, conv L=2 on N=10 D=16 (the first key: any N, the batch sized for the largest),
            // conv L=3 on N=6 D=16 (another key: another depth).
            // Then fc L=3 on 8 seeds (a full group: batched), and fc L=3 on the logistic loss (alone: lane kernels
            // train the exponential loss).
            let fc = { quick with Model = FullyConnected; Depth = 2 }
            let fcGroup = [| for seed in 1UL .. 8UL -> { fc with Depth = 3; Seed = seed } |]
            let convA = { quick with Model = Convolutional; Depth = 2; Data = GaussianTeacher(6, 16, 1UL) }
            let diag = { quick with Model = Diagonal; Depth = 2 }
            let convB = { quick with Model = Convolutional; Depth = 2; Data = GaussianTeacher(4, 8, 1UL) }
            let points = [| fc; convA; diag; convB; { convA with Seed = 9UL }
                            { convA with Data = GaussianTeacher(10, 16, 2UL) }; { convA with Depth = 3 }
                            { convA with Data = GaussianTeacher(25, 16, 3UL) }
                            { convA with Data = GaussianTeacher(60, 16, 4UL) }
                            yield! fcGroup; { fc with Depth = 3; Loss = Logistic } |]
            let units = Batching.plan 2 true points
            let describe unit =
                match unit with
                | Alone c -> $"alone {Model.name c.Model}"
                | Batch(key, maxCount, queue, _) ->
                    $"batch {Model.name key.Model} L={key.Depth} D={key.Dimension} N<={maxCount} ({queue.Count} runs)"
            Expect.equal (units |> List.map describe)
                [ "alone fc"; "batch conv L=2 D=16 N<=10 (3 runs)"; "batch diag L=2 D=8 N<=4 (1 runs)"
                  "batch conv L=2 D=8 N<=4 (1 runs)"; "batch conv L=3 D=16 N<=6 (1 runs)"
                  "batch conv L=2 D=16 N<=60 (2 runs)"; "batch fc L=3 D=8 N<=4 (8 runs)"; "alone fc" ]
                ("one unit per key (model, depth, D) and band of N (6, 10 | 25, 60: bands within a factor 4 of their "
                 + "smallest N) or lone point, in the order of first points")
            Expect.equal (Batching.plan 2 false points |> List.map describe)
                ([ "alone fc"; "alone conv"; "alone diag"; "alone conv"; "alone conv"; "alone conv"; "alone conv"
                   "alone conv"; "alone conv" ] @ List.replicate 9 "alone fc")
                "without batching, the sweep's order"

        testCase
            ("fc bands train in whole groups: 7 runs alone, 9 in one worker of one group, 16 in two workers, "
             + "conv rounds up") <| fun () ->
            let fcRuns count =
                [| for seed in 1UL .. uint64 count -> { quick with Model = FullyConnected; Depth = 3; Seed = seed } |]
            let shape (units: Work list) =
                units
                |> List.map (function Alone _ -> "alone"
                                    | Batch(_, _, queue, groups) -> $"batch {queue.Count} runs, {groups} group(s)")
            Expect.equal (shape (Batching.plan 2 true (fcRuns 7))) (List.replicate 7 "alone") "fewer than eight: alone"
            Expect.equal (shape (Batching.plan 2 true (fcRuns 9))) [ "batch 9 runs, 1 group(s)" ]
                "nine: one full group, its lanes refilled"
            Expect.equal (shape (Batching.plan 2 true (fcRuns 16)))
                [ "batch 16 runs, 1 group(s)"; "batch 16 runs, 1 group(s)" ] "sixteen: a full group on each core"
            let conv = [| for seed in 1UL .. 9UL -> { quick with Model = Convolutional; Depth = 2; Seed = seed } |]
            Expect.equal (shape (Batching.plan 2 true conv)) [ "batch 9 runs, 1 group(s)"; "batch 9 runs, 1 group(s)" ]
                "conv: a worker per eight runs, rounded up"

        testCase "a sweep point on data that is not separable is stored as NotSeparable, 0 steps, finite values"
        <| fun () ->
            // x and -x both labelled +1: no beta has a positive margin on both.
            let dir = tempDir ()
            let csv = Path.Combine(dir, "bad.csv")
            File.WriteAllLines(csv, [ "label,x0,x1"; "1,1,2"; "1,-1,-2"; "-1,0.5,-1" ])
            let quiet = Runner.options dir |> Runner.withProgress ignore
            let result = Runner.run quiet (Sweep.from "bad" { quick with Data = CsvFile csv })
            let _, stored = result.Runs.Head
            Expect.equal (stored.Run.Outcome, stored.Run.Steps) ("NotSeparable", 0L) "refused before training"
            Expect.isTrue (stored.Run.FinalNormalizedMargin.HasValue && stored.Run.FinalNormalizedMargin.Value <= 0.0)
                "no separating margin"

        testCase "runs are deterministic: a recomputed run equals the stored one" <| fun () ->
            let dirA, dirB = tempDir (), tempDir ()
            let small = Sweep.from "det" quick |> Sweep.vary (Axis.models [ FullyConnected; Diagonal ])
            let quiet d = Runner.options d |> Runner.withProgress ignore
            let a = Runner.run (quiet dirA) small
            let b = Runner.run (quiet dirB |> Runner.withParallelism 2) small
            // Everything but the wall-clock columns must agree bit for bit.
            let numbers (r: StoredRun) =
                r.Run.Outcome, r.Run.Steps, r.Run.Parameters, r.Run.Direction,
                r.Trajectory |> Array.map (fun t -> { t with Seconds = 0.0 })
            for ((_, x), (_, y)) in List.zip a.Runs b.Runs do
                Expect.equal (numbers x) (numbers y) "same numbers, bit for bit"
    ]
