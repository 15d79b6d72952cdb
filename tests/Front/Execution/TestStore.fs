/// The Parquet store: round trip, validation of damaged files, and a second reader.
module ImplicitBias.Tests.TestStore

open System.IO
open Expecto
open ImplicitBias

/// A fresh temporary folder.
let tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "ib-store-" + System.Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory d |> ignore
    d

/// A quick configuration (D=8, N=4, 300 steps).
let quick = { Sweep.defaults with Data = GaussianTeacher(4, 8, 3UL); MaxSteps = 300L }

/// Trains and stores one run of the quick configuration.
let storeOne dir (c: RunSpec) =
    let data, result = Runner.train System.Threading.CancellationToken.None c
    let run, trajectory = Runner.toRows c data result
    Store.save dir run trajectory, result

[<Tests>]
let tests =
    testList "Store" [
        testCase "a stored run reads back equal, with a valid checksum" <| fun () ->
            let dir = tempDir ()
            let saved, result = storeOne dir quick
            match Store.tryLoad dir saved.Run.RunId with
            | Ok back ->
                Expect.equal back.Run saved.Run "run row"
                Expect.equal back.Trajectory.Length result.Records.Count "one row per record"
                Expect.sequenceEqual back.Run.Parameters result.Parameters "parameters bit for bit"
                Expect.sequenceEqual back.Trajectory[back.Trajectory.Length - 1].Direction result.Final.Direction
                    "last direction"
            | Error e -> failtest e

        testCase "a truncated, altered or missing file is rejected" <| fun () ->
            let dir = tempDir ()
            let saved, _ = storeOne dir quick
            let id = saved.Run.RunId
            let traj = Store.trajectoryPath dir id
            let original = File.ReadAllBytes traj
            File.WriteAllBytes(traj, original[.. original.Length / 2])
            Expect.isError (Store.tryLoad dir id) "truncated trajectory"
            // A well-formed file with other numbers: rewrite the trajectory with one value changed.
            let changed =
                saved.Trajectory
                |> Array.mapi (fun i t ->
                    if i = 0 then { t with LogBetaNorm = System.Nullable(t.LogBetaNorm.Value + 1e-12) } else t)
            Store.writeTable traj changed
            Expect.equal (Store.tryLoad dir id) (Error "checksum mismatch") "checksum catches a changed value"
            Store.writeTable traj saved.Trajectory[1..]
            Expect.isError (Store.tryLoad dir id) "missing rows"
            File.Delete traj
            Expect.isError (Store.tryLoad dir id) "missing trajectory file"

        testCase "consolidated tables agree with a second, low-level reader" <| fun () ->
            let dir = tempDir ()
            let a, _ = storeOne dir quick
            let b, _ = storeOne dir { quick with Model = FullyConnected }
            Expect.equal (Store.consolidate dir) 2 "two runs"
            let rows, columns = ParquetCheck.summarize (Path.Combine(dir, Store.trajectoriesFile))
            let all = Array.append a.Trajectory b.Trajectory
            Expect.equal rows (int64 all.Length) "row count"
            let col name = columns |> List.find (fun (p, _, _) -> p = name)
            let (_, n, sum) = col "LogBetaNorm"
            Expect.equal n (int64 all.Length) "values"
            Expect.floatClose Accuracy.high sum (all |> Array.sumBy (fun t -> t.LogBetaNorm.Value))
                "sum of log ||beta||"
            let (_, nd, sumd) = col "Direction/list/element"
            Expect.equal nd (all |> Array.sumBy (fun t -> int64 t.Direction.Length)) "list values"
            Expect.floatClose Accuracy.high sumd (all |> Array.sumBy (fun t -> Array.sum t.Direction))
                "sum of directions"
            let runRows, _ = ParquetCheck.summarize (Path.Combine(dir, Store.runsFile))
            Expect.equal runRows 2L "runs table"
    ]
