// The Slurm backend end to end (build.fsx -t Slurm): starts a one-node cluster of our own
// (LocalSlurm), submits scripts/sweep-example.fsx as a job array into a fresh store, cancels one
// task midway, resubmits (only that task may run again), waits, and compares the consolidated
// tables bit for bit with the same sweep run locally into another fresh store. Exit 1 on any
// difference. Needs root, slurm-wlm and munge.

#load "tools.fsx"
open System
open System.Diagnostics
open System.IO
open System.Text.RegularExpressions
open ImplicitBias

let clock = Stopwatch.StartNew()
let say format = Printf.kprintf (fun s -> printfn "[%6.1f s] %s" clock.Elapsed.TotalSeconds s) format
let example = Path.Combine(__SOURCE_DIRECTORY__, "sweep-example.fsx")
let work = Path.Combine(Path.GetTempPath(), "ib-slurm-check-" + Guid.NewGuid().ToString("N").Substring(0, 8))
let slurmStore = Path.Combine(work, "slurm-store")
let localStore = Path.Combine(work, "local-store")
let tasks = 8
let failures = Collections.Generic.List<string>()
let check ok (what: string) =
    if not ok then failures.Add what
    say "%s %s" (if ok then "ok  " else "FAIL") what

/// Runs the example sweep script with arguments; its output lines are echoed indented.
let example' (args: string list) =
    let info = ProcessStartInfo(SweepCli.localDotnet (), UseShellExecute = false, RedirectStandardOutput = true)
    for a in [ "fsi"; example ] @ args do info.ArgumentList.Add a
    use p = Process.Start info
    let lines = [ while not p.StandardOutput.EndOfStream do
                    let line = p.StandardOutput.ReadLine()
                    if not (line.Contains "%) conv L=") then printfn "    %s" line
                    yield line ]
    p.WaitForExit()
    p.ExitCode, String.concat "\n" lines

let slurmArgs = [ "--backend"; "slurm"; "--partition"; "debug"; "--tasks"; string tasks; "--store"; slurmStore ]

let cluster = LocalSlurm.startCluster "debug"
try
    say "one-node cluster up: %s (SLURM_CONF), munge socket %s" cluster.Conf cluster.MungeSocket
    // 1. Submit the whole sweep.
    let code, out = example' slurmArgs
    check (code = 0) "submission exits 0"
    let arrayJob = Regex.Match(out, @"array job (\d+)").Groups[1].Value
    check (arrayJob <> "") $"array job submitted ({arrayJob})"
    let submissionFolder = Directory.GetDirectories(Path.Combine(slurmStore, "slurm")) |> Array.exactlyOne
    let points =
        File.ReadAllLines(Path.Combine(submissionFolder, "points.tsv")) |> Array.skip 1
        |> Array.map (fun l -> let f = l.Split '\t' in int f[1], f[2])
    check (points.Length >= 64) $"{points.Length} points in the sweep"
    let shareOf task = points |> Array.filter (fun (t, _) -> t = task) |> Array.map snd |> Set.ofArray
    let storedNow () = Store.storedIds slurmStore |> Set.ofArray
    let jobsLeft () =
        match Slurm.queued (Slurm.submittedJobsIn submissionFolder) with Ok jobs -> jobs | Error e -> failwith e
    // 2. Cancel a running task once some but not all of its points are stored.
    let mutable killed = None
    let deadline = Stopwatch.StartNew()
    while killed.IsNone && deadline.Elapsed.TotalSeconds < 180.0 && not (jobsLeft ()).IsEmpty do
        let stored = storedNow ()
        let running =
            jobsLeft () |> List.choose (fun l ->
                match l.Split ' ' with
                | [| id; "RUNNING" |] when id.StartsWith(arrayJob + "_") ->
                    Some(int (id.Substring(arrayJob.Length + 1)))
                | _ -> None)
        match running
              |> List.tryFind (fun t ->
                  let n = (Set.intersect (shareOf t) stored).Count in n >= 1 && n < (shareOf t).Count) with
        | Some t ->
            match Slurm.command "scancel" [ $"{arrayJob}_{t}" ] with
            | Ok _ ->
                killed <- Some t
                say "cancelled task %d (scancel %s_%d) with %d of its %d points stored" t arrayJob t
                    (Set.intersect (shareOf t) (storedNow ())).Count (shareOf t).Count
            | Error e -> say "scancel failed: %s" e
        | None -> Threading.Thread.Sleep 50
    check killed.IsSome "a task was cancelled midway"
    let stamps = [ for id in storedNow () -> id, File.GetLastWriteTimeUtc(Store.runPath slurmStore id) ] |> Map.ofList
    while not (jobsLeft ()).IsEmpty do Threading.Thread.Sleep 500
    let afterFirst = storedNow ()
    let missing = points |> Array.filter (fun (_, id) -> not (afterFirst.Contains id))
    say "first submission done: %d of %d stored; missing points belong to tasks %A" afterFirst.Count points.Length
        (missing |> Array.map fst |> Array.distinct)
    check (missing.Length > 0 && missing |> Array.forall (fun (t, _) -> Some t = killed))
          "only the cancelled task's unfinished points are missing"
    // 3. Resubmit the same command and wait: only the cancelled task may run.
    let code, out = example' (slurmArgs @ [ "--wait" ])
    check (code = 0) "resubmission with --wait exits 0"
    let resubmitted = Regex.Match(out, @"\(tasks ([0-9,\-]+) of").Groups[1].Value
    check (Some resubmitted = (killed |> Option.map string)) $"resubmission ran only task {resubmitted}"
    check (Regex.IsMatch(out, $@"{points.Length} runs \(0 computed here, {points.Length} reused, 0 missing\)"))
          "every point stored after the resubmission"
    for KeyValue(id, stamp) in stamps do
        if File.GetLastWriteTimeUtc(Store.runPath slurmStore id) <> stamp then
            check false $"run {id} finished before the cancel was rewritten"
    say "stored before the cancel and untouched: %d runs" stamps.Count
    let consolidatedBy = Directory.GetFiles(Path.Combine(submissionFolder, "logs"), "*-consolidate.out") |> Array.length
    check (consolidatedBy = 2 && File.Exists(Path.Combine(slurmStore, Store.runsFile))) ($"the consolidation job " +
                                                                                         $"ran after each " +
                                                                                         $"submission " +
                                                                                         $"({consolidatedBy})")
    // 4. The same sweep locally, into another store.
    let local = Stopwatch.StartNew()
    let code, _ = example' [ "--backend"; "local"; "--store"; localStore ]
    check (code = 0) "local run exits 0"
    Store.consolidate localStore |> ignore
    say "local run: %.1f s" local.Elapsed.TotalSeconds
    // 5. Compare the consolidated tables (wall-clock fields aside) bit for bit.
    let bits (v: float[]) = v |> Array.map BitConverter.DoubleToInt64Bits
    // empty cells stay None
    let optionalBits (v: Nullable<float>) = Option.ofNullable v |> Option.map BitConverter.DoubleToInt64Bits
    let runs dir = Store.readTable<RunRow>(Path.Combine(dir,
                                                        Store.runsFile)) |> Array.sortBy (fun (r: RunRow) -> r.RunId)
    let trajectories dir =
        Store.readTable<TrajectoryRow>(Path.Combine(dir, Store.trajectoriesFile))
        |> Array.map (fun t ->
            t.RunId, t.Step, optionalBits t.LogBetaNorm, optionalBits t.SmoothedMargin, bits t.Direction)
        |> Array.sort
    let a, b = runs slurmStore, runs localStore
    check (Array.map (fun (r: RunRow) -> r.RunId) a = Array.map (fun (r: RunRow) -> r.RunId) b)
          $"run ids: slurm {a.Length}, local {b.Length}, identical"
    let differing =
        Array.zip a b |> Array.filter (fun (x: RunRow, y: RunRow) ->
            bits x.Direction <> bits y.Direction || bits x.Parameters <> bits y.Parameters || x.Steps <> y.Steps
            || x.Outcome <> y.Outcome
            || optionalBits x.FinalSmoothedMargin <> optionalBits y.FinalSmoothedMargin)
    check (differing.Length = 0) ($"directions, parameters, steps, outcomes, margins: {a.Length - differing.Length} " +
                                  $"of {a.Length} runs bit for bit equal")
    let ta, tb = trajectories slurmStore, trajectories localStore
    check (ta = tb) $"trajectories: {ta.Length} rows, slurm = local bit for bit (wall-clock seconds aside)"
finally
    match Slurm.command "squeue" [ "-h"; "-o"; "%i" ] with
    | Ok ids when ids <> "" -> Slurm.command "scancel" (ids.Split('\n') |> Array.toList) |> ignore
    | _ -> ()
    LocalSlurm.stop cluster
    say "daemons stopped (pids %s); logs in %s"
        (cluster.Daemons |> List.map (fun p -> string p.Id) |> String.concat ", ") cluster.Folder

if failures.Count = 0 then
    Directory.Delete(work, true)
    say "Slurm check passed: the job array (one task cancelled and resubmitted) equals the local run bit for bit"
else
    say "Slurm check FAILED: %s (stores kept in %s)" (String.concat "; " failures) work
    exit 1
