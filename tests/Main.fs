/// Entry point: runs every [<Tests>] value of the assembly and prints "N passed, N failed".
module ImplicitBias.Tests.Main

open Expecto
open Expecto.Impl

[<EntryPoint>]
let main argv =
  match argv with
  | [| "--sweep-child"; dir |] -> TestRunnerKill.childMain dir // the child process of TestRunnerKill
  | _ ->
    let mutable passed = 0
    let mutable failed = 0
    let counter =
        { TestPrinters.defaultPrinter with
            summary =
                fun config summary ->
                    passed <- summary.passed.Length
                    failed <- summary.failed.Length + summary.errored.Length
                    TestPrinters.defaultPrinter.summary config summary }
    let code = runTestsInAssemblyWithCLIArgs [ Printer counter ] argv
    let line = sprintf "%d passed, %d failed" passed failed
    printfn ""
    // Also kept in a file so that build.fsx can repeat it as the very last line of its output.
    let summaryFile = System.IO.Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "test-summary.txt")
    System.IO.Directory.CreateDirectory(System.IO.Path.GetDirectoryName summaryFile) |> ignore
    System.IO.File.WriteAllText(summaryFile, line)
    printfn "%s" line
    code
