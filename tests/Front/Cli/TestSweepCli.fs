/// SweepCli's Slurm submission path end to end, with a fake sbatch that records its arguments: a resubmission
/// submits only the array tasks that still have missing points (the script runs in its own dotnet fsi).
module ImplicitBias.Tests.TestSweepCli

open System
open System.Diagnostics
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Tests.TestStore

/// The sweep the script defines, written twice on purpose: here to store some of its points, there to submit.
let private sweepText = """
Sweep.from "resubmit"
    { Sweep.defaults with Model = Linear; Depth = 1; MaxSteps = 300L; Data = GaussianTeacher(4, 8, 3UL) }
    |> Sweep.vary (Axis.seeds [ 1UL .. 7UL ])"""

let private sweep =
    Sweep.from "resubmit"
        { Sweep.defaults with Model = Linear; Depth = 1; MaxSteps = 300L; Data = GaussianTeacher(4, 8, 3UL) }
    |> Sweep.vary (Axis.seeds [ 1UL .. 7UL ])

let private executable (path: string) (text: string) =
    File.WriteAllText(path, text)
    File.SetUnixFileMode(path, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute)

/// Runs `dotnet fsi script args` with the fake Slurm first on PATH; returns the exit code and output.
let private runScript (dir: string) (script: string) (args: string list) =
    let info = ProcessStartInfo("dotnet", [ yield "fsi"; yield script; yield! args ])
    info.RedirectStandardOutput <- true
    info.RedirectStandardError <- true
    info.Environment["PATH"] <- Path.Combine(dir, "bin") + ":" + Environment.GetEnvironmentVariable "PATH"
    use p = Process.Start info
    let err = p.StandardError.ReadToEndAsync()
    let out = p.StandardOutput.ReadToEnd()
    p.WaitForExit()
    p.ExitCode, out + err.Result

[<Tests>]
let tests =
    testList "SweepCli" [
        testCase "a resubmission's sbatch --array names only the tasks with missing points" <| fun () ->
            let dir = tempDir ()
            let store = Path.Combine(dir, "store")
            Directory.CreateDirectory(Path.Combine(dir, "bin")) |> ignore
            let log = Path.Combine(dir, "sbatch.log")
            executable (Path.Combine(dir, "bin", "sbatch")) $"#!/bin/sh\necho \"$@\" >> '{log}'\necho 4242\n"
            executable (Path.Combine(dir, "bin", "squeue")) "#!/bin/sh\nexit 0\n"
            let engine = Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "..", "..", "scripts", "engine.fsx"))
            let script = Path.Combine(dir, "sweep.fsx")
            let submit = $"    |> SweepCli.run fsi.CommandLineArgs (Runner.options \"{store}\") |> ignore"
            File.WriteAllText(script, $"#load \"{engine}\"\nopen ImplicitBias\n{sweepText}\n{submit}\n")
            // Points 0..6 go to task i mod 3: store every point but 1 and 5 (tasks 1 and 2), so task 0 is done.
            let points = Slurm.points sweep
            let keep = points |> List.indexed |> List.filter (fun (i, _) -> i <> 1 && i <> 5) |> List.map snd
            let stored = Runner.run (Runner.options store) { sweep with Points = keep }
            Expect.equal stored.Missing 0 "the kept points are stored"
            let code, output = runScript dir script [ "--backend"; "slurm"; "--tasks"; "3"; "--store"; store ]
            Expect.equal code 0 $"the submission exits 0:\n{output}"
            let calls = File.ReadAllLines log
            Expect.equal calls.Length 2 "the array job and its consolidation"
            Expect.stringContains calls[0] "--array=1-2" "only tasks 1 and 2, which have missing points"
            Expect.stringContains calls[1] "--dependency=afterany:4242" "consolidation after the array job"
    ]
