/// Every script in scripts/ and tools/ type-checks against the current build (`dotnet fsi --typecheck-only`): the
/// scripts are not compiled with the solution, so a change of the library's API can break one silently until someone
/// runs it (tools/slurm-check.fsx did: a stored field became Nullable<float>, and `-t Slurm` failed to compile).
module ImplicitBias.Tests.TestScripts

open System
open System.Diagnostics
open System.IO
open Expecto

let private scriptsDirectories =
    [ "scripts"; "tools" ] |> List.map (fun d -> Path.GetFullPath(Path.Combine(__SOURCE_DIRECTORY__, "..", "..", d)))

/// `dotnet fsi --typecheck-only SCRIPT`: the exit code and the first error lines.
let private typecheck (script: string) =
    let start = ProcessStartInfo("dotnet", $"fsi --typecheck-only \"{script}\"", RedirectStandardOutput = true,
                                 RedirectStandardError = true, UseShellExecute = false)
    start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] <- "1"
    use p = Process.Start start
    let output = p.StandardOutput.ReadToEndAsync()
    let errors = p.StandardError.ReadToEndAsync()
    if not (p.WaitForExit 300_000) then p.Kill true
    let lines = (output.Result + "\n" + errors.Result).Split('\n') |> Array.filter (fun l -> l.Contains "error")
                |> Array.truncate 3
    (if p.HasExited then p.ExitCode else -1), String.Join(" | ", lines)

[<Tests>]
let tests =
    testList "Scripts" [
        testCase "every script in scripts/ and tools/ type-checks against the build (dotnet fsi --typecheck-only)"
        <| fun () ->
            let scripts =
                scriptsDirectories |> Seq.collect (fun d -> Directory.GetFiles(d, "*.fsx")) |> Seq.sort |> Array.ofSeq
            Expect.isGreaterThanOrEqual scripts.Length 30 "the scripts and tools are found"
            let failures =
                scripts
                |> Array.chunkBySize 2 // two at a time: the machine's cores (about 3.5 s each)
                |> Array.collect (fun pair -> pair |> Array.Parallel.map (fun s -> s, typecheck s))
                |> Array.filter (fun (_, (code, _)) -> code <> 0)
                |> Array.map (fun (s, (code, errors)) -> $"{Path.GetFileName s} (exit {code}): {errors}")
            Expect.isEmpty failures (sprintf "scripts that do not type-check: %s" (String.Join("; ", failures)))

        testCase "the check fails on a script with a type error (so the test above can fail)" <| fun () ->
            let bad = Path.Combine(Path.GetTempPath(), $"typecheck-{Guid.NewGuid():N}.fsx")
            try
                File.WriteAllText(bad, "let x : int = \"not an int\"\nprintfn \"%d\" x\n")
                let code, errors = typecheck bad
                Expect.notEqual code 0 "a type error is an exit code other than 0"
                Expect.stringContains errors "error" "and says so"
            finally File.Delete bad
    ]
