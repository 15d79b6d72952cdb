// The build pipeline: dotnet fsi build.fsx -t <Target>
// Targets: Restore, Build, Test, Notebook, Reproduce, ReproduceFull, Bench, PyTorch, Slurm
// (see README.md and docs/manual.md).
#r "nuget: Fake.Core.Target, 5.20.3"
#r "nuget: Fake.DotNet.Cli, 5.20.3"
#r "nuget: Fake.IO.FileSystem, 5.20.3"

open System
open Fake.Core
open Fake.DotNet
open Fake.IO
open Fake.IO.FileSystemOperators

// FAKE 5 expects its runner to create the execution context; under plain `dotnet fsi` we do it here.
let args = fsi.CommandLineArgs |> Array.skip 1 |> Array.toList
Context.FakeExecutionContext.Create false "build.fsx" args
|> Context.RuntimeContext.Fake
|> Context.setExecutionContext

let root = __SOURCE_DIRECTORY__
let solution = root </> "ImplicitBias.slnx"

/// Runs a command in the repository root and fails the target if it exits non-zero.
let run (program: string) (arguments: string) =
    Trace.tracefn "> %s %s" program arguments
    let result =
        CreateProcess.fromRawCommandLine program arguments
        |> CreateProcess.withWorkingDirectory root
        |> Proc.run
    if result.ExitCode <> 0 then failwithf "'%s %s' exited with code %d" program arguments result.ExitCode

/// Runs an F# script of scripts/ with arguments.
let script name arguments = run "dotnet" (sprintf "fsi %s %s" (root </> "scripts" </> name) arguments)

/// Runs a measurement tool of tools/ with arguments.
let tool name arguments = run "dotnet" (sprintf "fsi %s %s" (root </> "tools" </> name) arguments)

Target.create "Restore" (fun _ ->
    run "dotnet" "tool restore"
    run "dotnet" "paket restore"
    run "dotnet" (sprintf "restore %s" solution))

Target.create "Build" (fun _ -> run "dotnet" (sprintf "build %s -c Release --no-restore -v quiet -nologo" solution))

Target.create "Test" (fun _ ->
    run "dotnet" ("run -c Release --no-build --project tests/ImplicitBias.Tests.fsproj -- --fail-on-focused-tests "
                  + "--summary --colours 0 --no-spinner"))

/// Installs a Debian package with apt-get (updating the package lists once if the first try fails).
let aptInstall (package: string) (neededFor: string) =
    Trace.tracefn "%s is missing: installing it (apt-get install -y %s)" package package
    let install () =
        CreateProcess.fromRawCommandLine "apt-get" ("install -y " + package) |> Proc.run |> fun r -> r.ExitCode
    if install () <> 0 then
        run "apt-get" "update"
        if install () <> 0 then
            failwithf "could not install %s (apt-get install -y %s); %s needs it" package package neededFor

/// PNG export and the report page's tests (tests/Front/Report/TestReportPage.fs) need Debian's Chromium; a fresh
/// machine does not have it, so install it here.
Target.create "Chromium" (fun _ ->
    if not (File.exists "/usr/bin/chromium") then aptInstall "chromium" "PNG export and the report page's tests")

/// GAP's SmallGroups (core/Engine/Groups/GapSmallGroup.cs and its tests) need Debian's GAP; a fresh machine does not
/// have it, so install it here.
Target.create "Gap" (fun _ ->
    if not (File.exists "/usr/bin/gap") then
        aptInstall "gap-core gap-libs gap-smallgrp" "GAP's SmallGroups and their tests")

/// The handwritten digits (tests and the report's "Beyond the paper") ship with Debian's python3-sklearn;
/// a fresh machine does not have it, so install it here (the file is read natively, no Python runs).
Target.create "Digits" (fun _ ->
    if not (File.exists "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz") then
        aptInstall "python3-sklearn" "the handwritten digits")

/// notebooks/quickstart.ipynb executed headless by Debian's jupyter-nbconvert (installed if missing) on the .NET
/// Interactive kernel (the local tool of .config/dotnet-tools.json): fails on any cell error; the executed copy is
/// out/notebook/quickstart.ipynb and .html. The kernel is declared in a spec under out/, not in ~/.local.
Target.create "Notebook" (fun _ ->
    if not (File.exists "/usr/bin/jupyter-nbconvert") then aptInstall "jupyter-nbconvert" "the notebook"
    let outDir = root </> "out" </> "notebook"
    let spec = outDir </> "jupyter" </> "kernels" </> ".net-fsharp"
    Directory.create spec
    File.writeString false (spec </> "kernel.json")
        """{ "argv": [ "dotnet", "tool", "run", "dotnet-interactive", "--", "jupyter", "--default-kernel", "fsharp",
             "{connection_file}" ], "display_name": ".NET (F#)", "language": "F#" }"""
    Shell.deleteDir (outDir </> "store") // train afresh: the run checks the code, not the store's cache
    let nbconvert arguments =
        Trace.tracefn "> jupyter nbconvert %s" arguments
        let result =
            CreateProcess.fromRawCommandLine "jupyter" ("nbconvert " + arguments)
            |> CreateProcess.withWorkingDirectory root
            |> CreateProcess.setEnvironmentVariable "JUPYTER_PATH" (outDir </> "jupyter")
            |> Proc.run
        if result.ExitCode <> 0 then
            failwithf "the notebook failed: 'jupyter nbconvert %s' exited with code %d" arguments result.ExitCode
    let watch = Diagnostics.Stopwatch.StartNew()
    let notebook = "notebooks/quickstart.ipynb"
    nbconvert $"--to notebook --execute {notebook} --output-dir {outDir} --ExecutePreprocessor.timeout=600"
    Trace.tracefn "notebook executed in %.0f s" watch.Elapsed.TotalSeconds
    let executed = outDir </> "quickstart.ipynb"
    nbconvert $"--to html {executed} --output-dir {outDir}")

Target.create "Reproduce" (fun _ -> script "reproduce.fsx" "")

Target.create "ReproduceFull" (fun _ -> script "reproduce.fsx" "--full")

/// The side-by-side benchmark needs Debian's PyTorch for /usr/bin/python3; install it here if missing
/// (the tests never need it).
let pytorchTwin () =
    let hasTorch () =
        try
            CreateProcess.fromRawCommandLine "/usr/bin/python3" "-c \"import torch\"" |> Proc.run
            |> fun r -> r.ExitCode = 0
        with _ -> false
    if not (hasTorch ()) then aptInstall "python3-torch" "tools/pytorch-twin.fsx"
    tool "pytorch-twin.fsx" ""

Target.create "PyTorch" (fun _ -> pytorchTwin ())

Target.create "Bench" (fun _ ->
    tool "bench.fsx" ""
    tool "throughput-bench.fsx" ""
    tool "tracking-bench.fsx" ""
    tool "late-phase-check.fsx" "--sets 10"
    tool "group-bench.fsx" ""
    pytorchTwin ())

/// The Slurm backend end to end on a one-node cluster of our own (tools/slurm-check.fsx): Debian's
/// slurm-wlm and munge are installed if missing; the machine's own Slurm and munge setup is not used.
Target.create "Slurm" (fun _ ->
    if not (File.exists "/usr/sbin/slurmctld") then aptInstall "slurm-wlm" "the Slurm check"
    if not (File.exists "/usr/sbin/munged") then aptInstall "munge" "the Slurm check"
    tool "slurm-check.fsx" "")

open Fake.Core.TargetOperators

"Restore" ==> "Build" ==> "Test" |> ignore
"Build" ==> "Notebook" ==> "Test" |> ignore
"Digits" ==> "Test" |> ignore
"Chromium" ==> "Test" |> ignore
"Gap" ==> "Test" |> ignore
"Digits" ==> "Reproduce" |> ignore
"Digits" ==> "ReproduceFull" |> ignore
"Build" ==> "Chromium" ==> "Reproduce" |> ignore
"Chromium" ==> "ReproduceFull" |> ignore
"Build" ==> "Bench" |> ignore
"Build" ==> "PyTorch" |> ignore
"Build" ==> "Slurm" |> ignore

let testSummary = root </> "out" </> "test-summary.txt"
if args |> List.exists (fun a -> a = "Test") then File.delete testSummary
try
    Target.runOrDefaultWithArguments "Build"
finally
    // CI reads the test count from a closing "N passed, N failed" line: repeat it last.
    if args |> List.exists (fun a -> a = "Test") && File.exists testSummary then
        printfn "%s" (File.readAsString testSummary)
