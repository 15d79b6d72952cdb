/// The runner under a real interruption: a child process running a sweep is killed midway (no
/// chance to clean up), then the sweep is rerun here; only the unfinished runs may be computed.
module ImplicitBias.Tests.TestRunnerKill

open System
open System.Diagnostics
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Tests.TestStore

/// Eight points of a few tenths of a second each, run one at a time by the child.
let childSweep =
    Sweep.from "kill" { quick with Model = FullyConnected; Depth = 2; MaxSteps = 150_000L }
    |> Sweep.vary (Axis.seeds [ 1UL .. 8UL ])

let private options dir =
    Runner.options dir |> Runner.withParallelism 1 |> Runner.withBatching false |> Runner.withProgress ignore

/// What the child process does (tests/Main.fs, argument --sweep-child DIR).
let childMain dir =
    Runner.run (options dir) childSweep |> ignore
    0

/// Starts this test program as a child that runs childSweep into dir.
let private startChild dir =
    let exe = Environment.ProcessPath
    let self = Reflection.Assembly.GetEntryAssembly().Location
    let args =
        if Path.GetFileNameWithoutExtension exe = "dotnet" then $"\"{self}\" --sweep-child \"{dir}\""
        else $"--sweep-child \"{dir}\""
    Process.Start(ProcessStartInfo(exe, args, UseShellExecute = false, RedirectStandardOutput = true))

[<Tests>]
let tests =
    testList "RunnerKill" [
        testCase "a sweep process killed midway: the rerun computes only the unfinished runs" <| fun () ->
            let dir = tempDir ()
            use child = startChild dir
            let clock = Stopwatch.StartNew()
            while Store.storedIds dir |> Array.length < 2 && not child.HasExited && clock.Elapsed.TotalSeconds < 60.0 do
                Threading.Thread.Sleep 10
            Expect.isFalse child.HasExited "the child was still running when killed"
            child.Kill true
            child.WaitForExit()
            let finished =
                Store.storedIds dir |> Array.filter (fun id -> Result.isOk (Store.tryLoad dir id)) |> Set.ofArray
            let points = Sweep.count childSweep
            Expect.isGreaterThanOrEqual finished.Count 2 "runs stored before the kill are valid"
            Expect.isLessThan finished.Count points "killed midway, not after the end"
            let stamps = [ for id in finished -> id, File.GetLastWriteTimeUtc(Store.runPath dir id) ] |> Map.ofList
            let computed = Collections.Concurrent.ConcurrentBag<string>()
            let again = Runner.run (options dir |> Runner.withOnStored (fun r -> computed.Add r.RunId)) childSweep
            Expect.equal (again.Reused, again.Computed, again.Missing) (finished.Count, points - finished.Count, 0)
                "only the unfinished runs"
            Expect.isEmpty (Set.intersect finished (Set.ofSeq computed)) "no finished run redone"
            for id in finished do
                Expect.equal (File.GetLastWriteTimeUtc(Store.runPath dir id)) stamps[id] "finished files untouched"
            for (_, r) in again.Runs do Expect.isOk (Store.tryLoad dir r.Run.RunId) "every result valid"
    ]
