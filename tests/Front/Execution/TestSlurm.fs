/// The Slurm backend's pure parts (no Slurm needed): the partition of points to array tasks, the
/// batch scripts and sbatch arguments, what a resubmission runs, and the sweep command line.
module ImplicitBias.Tests.TestSlurm

open Expecto
open ImplicitBias
open ImplicitBias.Tests.TestUtil
open ImplicitBias.Tests.TestStore

/// 10 distinct points.
let private sweep = Sweep.from "s" quick |> Sweep.vary (Axis.seeds [ 1UL .. 10UL ])

let private options =
    { Slurm.defaults "/shared/ib" with
        Partition = Some "debug"; TimeLimit = Some "0:10:00"; Memory = Some "2G"; CpusPerTask = 2; Tasks = 3
        Dotnet = "/opt/dotnet/dotnet" }

let private submission =
    { SweepName = "s"; Fingerprint = Slurm.fingerprint sweep; Script = "/shared/ib/scripts/my sweep.fsx"
      ScriptArguments = [ "--full" ]; Store = "/shared/store" }

[<Tests>]
let tests =
    testList "Slurm" [
        testCase "the shares of the tasks partition the points, round robin, in order" <| fun () ->
            let points = [ 0 .. 9 ]
            let shares = [ for t in 0 .. 2 -> Slurm.share 3 t points ]
            Expect.equal shares [ [ 0; 3; 6; 9 ]; [ 1; 4; 7 ]; [ 2; 5; 8 ] ] "point i goes to task i mod 3"
            for tasks in 1 .. 12 do
                let all = [ for t in 0 .. tasks - 1 do yield! Slurm.share tasks t points ]
                Expect.equal (List.sort all) points $"{tasks} tasks: every point exactly once"
            Expect.equal (Slurm.share 12 11 points) [] "more tasks than points: empty shares"

        testCase "a share outside 0..T-1 is refused" <| fun () ->
            throws<System.ArgumentException> (fun () -> Slurm.share 3 3 [ 1 ] |> ignore) "task 3 of 3" |> ignore
            throws<System.ArgumentException> (fun () -> Slurm.share 0 0 [ 1 ] |> ignore) "0 tasks" |> ignore

        testCase "the fingerprint is the sweep's distinct run ids: same sweep same print, another point another"
        <| fun () ->
            Expect.equal (Slurm.fingerprint sweep) (Slurm.fingerprint (Sweep.append sweep sweep))
                "duplicates do not count"
            Expect.notEqual (Slurm.fingerprint sweep) (Slurm.fingerprint (Sweep.filter (fun c -> c.Seed <> 4UL) sweep))
                "a point less"

        testCase "a resubmission runs only the tasks with missing points, and they compute only those" <| fun () ->
            let ids = Slurm.points sweep |> List.map RunSpec.hash
            let stored =
                ids |> List.indexed |> List.filter (fun (i, _) -> i <> 4 && i <> 7) |> List.map snd |> Set.ofList
            Expect.equal (Slurm.tasksToRun 3 stored.Contains sweep) [ 1 ] "points 4 and 7 are both task 1's"
            Expect.equal (Slurm.missing stored.Contains sweep |> List.map RunSpec.hash) [ ids[4]; ids[7] ]
                "only the two missing"
            Expect.equal (Slurm.tasksToRun 4 stored.Contains sweep) [ 0; 3 ] "with 4 tasks: 4 -> 0, 7 -> 3"
            Expect.equal (Slurm.tasksToRun 3 (fun _ -> true) sweep) [] "all stored: nothing to submit"
            Expect.equal (Slurm.tasksToRun 3 (fun _ -> false) sweep) [ 0; 1; 2 ] "nothing stored: every task"

        testCase "array specs: consecutive tasks as ranges" <| fun () ->
            Expect.equal (Slurm.arraySpec [ 0 .. 7 ]) "0-7" "all"
            Expect.equal (Slurm.arraySpec [ 5; 1; 3; 4 ]) "1,3-5" "sorted, ranges"
            Expect.equal (Slurm.arraySpec [ 2 ]) "2" "one"
            Expect.equal (Slurm.arraySpec []) "" "none"

        testCase "the array job's batch script: directives, toolkit folder, the script in task mode, quoted"
        <| fun () ->
            let text = Slurm.taskScript options submission
            let folder = Slurm.folder submission
            Expect.equal folder $"/shared/store/slurm/s-{submission.Fingerprint}" "submission folder in the store"
            let expected =
                [ "#!/bin/sh"
                  "#SBATCH --job-name=sweep-s"
                  "#SBATCH --partition=debug"
                  "#SBATCH --time=0:10:00"
                  "#SBATCH --mem=2G"
                  "#SBATCH --cpus-per-task=2"
                  $"#SBATCH --output={folder}/logs/%%A_%%a.out"
                  "cd '/shared/ib' || exit 1"
                  ("exec '/opt/dotnet/dotnet' 'fsi' '/shared/ib/scripts/my sweep.fsx' '--full' '--slurm-task' "
                   + $"\"$SLURM_ARRAY_TASK_ID\" '--slurm-tasks' '3' '--slurm-sweep' '{submission.Fingerprint}' "
                   + "'--store' '/shared/store'") ]
            Expect.equal (text.TrimEnd().Split '\n' |> Array.toList) expected "task script"
            let bare = Slurm.taskScript { options with Partition = None; TimeLimit = None; Memory = None } submission
            Expect.isFalse (bare.Contains "--partition" || bare.Contains "--time" || bare.Contains "--mem")
                "unset options: no directive"

        testCase "the consolidation script and the sbatch arguments" <| fun () ->
            let text = Slurm.consolidateScript options submission
            Expect.stringContains text "#SBATCH --cpus-per-task=1" "one CPU"
            Expect.stringContains text "'--slurm-consolidate' '--slurm-sweep'" "consolidate mode"
            Expect.equal (Slurm.arrayArguments [ 0; 1; 2; 5 ] "/f/task.sbatch")
                [ "--parsable"; "--array=0-2,5"; "/f/task.sbatch" ] "array"
            Expect.equal (Slurm.consolidateArguments "42" "/f/c.sbatch")
                [ "--parsable"; "--dependency=afterany:42"; "--kill-on-invalid-dep=no"; "/f/c.sbatch" ]
                "after the array, however it ends"
            Expect.equal (Slurm.quote "it's") "'it'\\''s'" "embedded quote"
            Expect.equal (Slurm.jobId "17;cluster\n") "17" "parsable output"

        testCase "the sweep command line: backends, options, the script's own arguments passed on" <| fun () ->
            let parse args = SweepCli.parse options args
            match parse [ "--full" ] with
            | Ok a -> Expect.equal (a.Mode, a.Forwarded, a.Store) (LocalRun, [ "--full" ], None) "local by default"
            | Error e -> failtest e
            match parse [ "--backend"; "slurm"; "--partition"; "long"; "--tasks"; "16"; "--cpus-per-task"; "4"
                          "--mem"; "8G"; "--time"; "1:00:00"; "--dotnet"; "/d"; "--store"; "/s"; "--wait"
                          "--seeds"; "30" ] with
            | Ok a ->
                Expect.equal a.Mode (Submit true) "submit and wait"
                Expect.equal a.Slurm
                    { options with
                        Partition = Some "long"; Tasks = 16; CpusPerTask = 4; Memory = Some "8G"
                        TimeLimit = Some "1:00:00"; Dotnet = "/d" }
                    "options"
                Expect.equal (a.Store, a.Forwarded) (Some "/s", [ "--seeds"; "30" ]) "store, script's own"
            | Error e -> failtest e
            Expect.equal
                (parse [ "--slurm-task"; "2"; "--slurm-tasks"; "3"; "--slurm-sweep"; "ab"; "--store"; "/s" ]
                 |> Result.map (fun a -> a.Mode))
                (Ok(Task(2, 3, "ab"))) "task mode"
            Expect.equal (parse [ "--slurm-consolidate"; "--slurm-sweep"; "ab" ] |> Result.map (fun a -> a.Mode))
                (Ok(Consolidate "ab")) "consolidate mode"
            Expect.equal (parse [ "--backend"; "slurm"; "--status" ] |> Result.map (fun a -> a.Mode)) (Ok Status)
                "status"
            for bad in [ [ "--backend"; "pbs" ]; [ "--tasks"; "0" ]; [ "--tasks" ]; [ "--wait" ]
                         [ "--slurm-task"; "3"; "--slurm-tasks"; "3"; "--slurm-sweep"; "x" ]
                         [ "--slurm-task"; "1" ] ] do
                Expect.isError (parse bad) $"refused: {bad}"

        testCase "a script in the local toolkit runs from the shared toolkit; one elsewhere from its own path"
        <| fun () ->
            Expect.equal (SweepCli.sharedScript "/home/me/ib" "/shared/ib" "/home/me/ib/scripts/s.fsx")
                "/shared/ib/scripts/s.fsx" "mapped"
            Expect.equal (SweepCli.sharedScript "/home/me/ib" "/shared/ib" "/shared/mine/s.fsx")
                "/shared/mine/s.fsx" "kept"

        testCase "the one-node cluster's slurm.conf: our ports, munge socket and folders, one default partition"
        <| fun () ->
            let text = LocalSlurm.conf "/tmp/c" "node1" 2 1000L "debug" 7001 7002 "/tmp/c/munge.socket"
            for line in [ "SlurmctldHost=node1"; "SlurmctldPort=7001"; "SlurmdPort=7002"
                          "AuthInfo=socket=/tmp/c/munge.socket"; "StateSaveLocation=/tmp/c/state"
                          "SlurmdSpoolDir=/tmp/c/spool"; "ProctrackType=proctrack/linuxproc"; "TaskPlugin=task/none"
                          "NodeName=node1 CPUs=2 RealMemory=1000 State=UNKNOWN"
                          "PartitionName=debug Nodes=node1 Default=YES MaxTime=INFINITE State=UP" ] do
                Expect.contains (text.Split '\n') line line
            Expect.isFalse (text.Contains "/etc/") "nothing of the machine's own setup"
            Expect.notEqual (LocalSlurm.freePort ()) 0 "a free port"
    ]
