// The build pipeline: dotnet fsi build.fsx -t <Target>
// Targets: Restore, Build, Test, Reproduce, ReproduceFull, Bench (see README.md).
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

Target.create "Restore" (fun _ ->
    run "dotnet" "tool restore"
    run "dotnet" "paket restore"
    run "dotnet" (sprintf "restore %s" solution))

Target.create "Build" (fun _ -> run "dotnet" (sprintf "build %s -c Release --no-restore -v quiet -nologo" solution))

Target.create "Test" (fun _ ->
    run "dotnet" "run -c Release --no-build --project tests/ImplicitBias.Tests.fsproj -- --fail-on-focused-tests --summary --colours 0 --no-spinner")

/// PNG export needs Debian's Chromium; a fresh machine does not have it, so install it here.
Target.create "Chromium" (fun _ ->
    if not (File.exists "/usr/bin/chromium") then
        Trace.tracefn "Chromium is missing: installing it (apt-get install -y chromium)"
        let install () =
            CreateProcess.fromRawCommandLine "apt-get" "install -y chromium" |> Proc.run |> fun r -> r.ExitCode
        if install () <> 0 then
            run "apt-get" "update"
            if install () <> 0 then failwith "could not install chromium (apt-get install -y chromium); PNG figures need it")

Target.create "Reproduce" (fun _ -> script "reproduce.fsx" "")

Target.create "ReproduceFull" (fun _ -> script "reproduce.fsx" "--full")

Target.create "Bench" (fun _ -> script "bench.fsx" "")

open Fake.Core.TargetOperators

"Restore" ==> "Build" ==> "Test" |> ignore
"Build" ==> "Chromium" ==> "Reproduce" |> ignore
"Chromium" ==> "ReproduceFull" |> ignore
"Build" ==> "Bench" |> ignore

let testSummary = root </> "out" </> "test-summary.txt"
if args |> List.exists (fun a -> a = "Test") then File.delete testSummary
try
    Target.runOrDefaultWithArguments "Build"
finally
    // CI reads the test count from a closing "N passed, N failed" line: repeat it last.
    if args |> List.exists (fun a -> a = "Test") && File.exists testSummary then printfn "%s" (File.readAsString testSummary)
