// The build pipeline: dotnet fsi build.fsx -t <Target>
// Targets: Restore, Build, Test, Reproduce, Bench (see README.md).
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

/// Installs Debian's Chromium when it is missing (PNG export of figures needs it); as root through apt-get.
Target.create "Chromium" (fun _ ->
    if File.exists "/usr/bin/chromium" then Trace.trace "chromium: /usr/bin/chromium is present"
    elif Environment.isLinux && File.exists "/usr/bin/apt-get" then
        run "/bin/sh" "-c \"apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null\""
    else Trace.traceImportant "chromium is missing and cannot be installed here: PNG figures will fail (HTML still works)")

Target.create "Build" (fun _ -> run "dotnet" (sprintf "build %s -c Release --no-restore -v quiet -nologo" solution))

Target.create "Test" (fun _ ->
    run "dotnet" "run -c Release --no-build --project tests/ImplicitBias.Tests.fsproj -- --fail-on-focused-tests --summary --colours 0 --no-spinner")

Target.create "Reproduce" (fun _ -> script "reproduce.fsx" "")

Target.create "Bench" (fun _ -> script "bench.fsx" "")

open Fake.Core.TargetOperators

"Restore" ==> "Build" ==> "Test" |> ignore
"Chromium" ==> "Test" |> ignore
"Build" ==> "Reproduce" |> ignore
"Chromium" ==> "Reproduce" |> ignore
"Build" ==> "Bench" |> ignore

let testSummary = root </> "out" </> "test-summary.txt"
if args |> List.exists (fun a -> a = "Test") then File.delete testSummary
try
    Target.runOrDefaultWithArguments "Build"
finally
    // CI reads the test count from a closing "N passed, N failed" line: repeat it last.
    if File.exists testSummary then printfn "%s" (File.readAsString testSummary)
