/// The report's rerun commands (core/Front/Report/Rerun.fs): a FAIL row lists, for each failing set, the
/// make-data.fsx command that writes the set bit for bit and the train.fsx command that trains it with the
/// settings the report used, for every run of the report's suites.
module ImplicitBias.Tests.TestRerun

open System
open System.IO
open System.Text.RegularExpressions
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
let private quick = { Scale = Quick; OutDirectory = ""; StoreDirectory = "" }

/// The arguments of a printed command after `dotnet fsi scripts/SCRIPT` (the commands need no quoting).
let private argsOf (script: string) (command: string) =
    match List.ofArray (command.Split ' ') with
    | "dotnet" :: "fsi" :: s :: args when s = $"scripts/{script}" -> args
    | _ -> failtestf "not a %s command: %s" script command

/// The value after `flag`.
let private valueOf flag (args: string list) = args[List.findIndex ((=) flag) args + 1]

/// Runs a data command with its --out moved to a fresh file; the set it wrote, loaded.
let private regenerate (command: string) =
    let args = argsOf "make-data.fsx" command
    let code, out = TestDataCli.makeData (List.removeManyAt (List.findIndex ((=) "--out") args) 2 args)
    Expect.equal code 0 $"exit code of {command}"
    CsvDataset.Load out

/// The data seed of a generated set.
let private seedOf (spec: DataSpec) =
    match spec with
    | GaussianTeacher(_, _, s) | FourierSparseTeacher(_, _, _, s) -> Some s
    | CsvFile _ | Digits _ -> None

/// A run of the quick suite on a Fourier-sparse set whose seed is above 2^63: conv L=2 (Theorem 2).
let private suiteRun () =
    (Reproduction.suiteSweep quick).Points
    |> List.find (fun c ->
        c.Model = Convolutional && c.Depth = 2
        && (match c.Data with FourierSparseTeacher _ -> true | _ -> false)
        && seedOf c.Data |> Option.exists (fun s -> s > (1UL <<< 63)))

/// Checks a rerun against its configuration: the data command parses (DataCli.parse) to the configuration's
/// set, or train.fsx reads the data itself; the train command parses (TrainCli.parse) to its spec and reads the
/// file the data command writes.
let private expectRerun (c: RunSpec) (r: Rerun) =
    let trainArgs = argsOf "train.fsx" r.Train
    match TrainCli.parse trainArgs with
    | Ok p -> Expect.equal { p.Spec with Data = c.Data } c r.Train // train.fsx takes the data as --data
    | Error e -> failtestf "%s: %s" r.Train e
    match DataSpec.generatorArguments c.Data "f.csv" with
    | Some _ ->
        let dataArgs = argsOf "make-data.fsx" r.Regenerate
        Expect.equal (DataCli.parse dataArgs) (Ok(c.Data, valueOf "--data" trainArgs))
            $"{r.Regenerate} writes the file {r.Train} reads"
    | None ->
        Expect.equal r.Regenerate "" "no data command"
        Expect.equal (DataSpec.parse (valueOf "--data" trainArgs)) (Ok c.Data) $"{r.Train} reads the set itself"
        Expect.stringContains r.Note "python3-sklearn" "says where the digits come from"

[<Tests>]
let tests =
    testList "Rerun" [
        testCase
            ("a FAIL row of the report links to its failing set's commands: the data command writes the set bit "
             + "for bit, the train command has the suite's settings") <| fun _ ->
            let c = suiteRun ()
            let sets = Reproduction.suite quick
            let name spec = SuiteEvidence.setName (List.findIndex ((=) spec) sets) spec
            let run =
                TestClaims.fakeRun c
                    (Array.init (DataSpec.create c.Data).Dimension (fun i -> if i = 0 then 1.0 else 0.0)) 1.0
            let rows = Evidence.suiteRows name [ c, run ]
            let row = rows |> List.find (fun r -> r.Claim = "Theorem 2 (conv L=2)")
            Expect.equal row.Verdict "FAIL" row.Measured
            let lines = (Claims.markdown "# R" rows).Split('\n')
            let tableLine = lines |> Array.find (fun l -> l.StartsWith "| Theorem 2 (conv L=2) |")
            let anchor = Regex.Match(tableLine, @"\*\*FAIL\*\* \(\[commands\]\(#(rerun-\d+)\)\)")
            Expect.isTrue anchor.Success $"the row links to its commands: {tableLine}"
            let heading =
                lines |> Array.findIndex (fun l -> l = "### " + anchor.Groups[1].Value.Replace("rerun-", "Rerun "))
            let after = lines[heading + 1 ..]
            let code (prefix: string) =
                (after |> Array.find (fun l -> l.StartsWith prefix)).Substring(prefix.Length).TrimEnd('`')
            Expect.contains after $"- {name c.Data}" "the set is named"
            let data, train = code "  - data: `", code "  - train: `"
            Expect.stringContains data $"--seed {seedOf c.Data |> Option.get}" "the 64-bit seed as the header prints it"
            Expect.equal (TestDataCli.bits (regenerate data)) (TestDataCli.bits (DataSpec.create c.Data))
                "the set, bit for bit"
            expectRerun c { Dataset = ""; Regenerate = data; Train = train; Note = "" }

        testCase
            ("training on the regenerated CSV with the train command's flags gives the runner's bits (suite and "
             + "2-D kernel runs)") <| fun _ ->
            let grid = (BeyondSuites.gridRuns quick).Points |> List.find (fun c -> c.Kernel.IsSome && c.Channels > 1)
            for c in [ suiteRun (); grid ] do
                let c = { c with MaxSteps = 300L }
                let r = Rerun.ofSpec "x" c
                let data = regenerate r.Regenerate
                let settings =
                    match TrainCli.parse (argsOf "train.fsx" r.Train) with Ok p -> p.Spec | Error e -> failtest e
                let alone = Run.train settings data
                let _, reference = Runner.train Threading.CancellationToken.None c
                Expect.equal alone.Steps reference.Steps $"{RunSpec.label c}: steps"
                let bits (x: float[]) = Array.map BitConverter.DoubleToInt64Bits x
                Expect.equal (bits alone.Parameters) (bits reference.Parameters) $"{RunSpec.label c}: parameters"
                Expect.equal (bits alone.Direction) (bits reference.Direction) $"{RunSpec.label c}: direction"

        testCase
            ("every run of the report (suite, kernel sizes, 2-D, digits; quick and full) has commands that give its "
             + "set and settings") <| fun _ ->
            for r in [ quick; { quick with Scale = Full } ] do
                for c in (Reproduction.suiteSweep r).Points @ (BeyondSuites.allRuns r).Points do
                    expectRerun c (Rerun.ofSpec "x" c)

        testCase "rows of no suite and passing rows list no commands; the report has no rerun section then" <| fun _ ->
            let c = suiteRun ()
            let claim, ok =
                Evidence.suiteClaim Convolutional 2,
                Measured { Dataset = "a"; Value = 0.0; Passed = true; Degenerate = false; Note = "" }
            let pass, viaConfig = SuiteVerdict.row claim [ ok ], SuiteEvidence.row claim [ c, ok ]
            Expect.isEmpty viaConfig.Reruns "a passing set has no commands"
            let text = Claims.markdown "# R" [ pass; viaConfig; Claims.check "Lemma 3" "p" "m" "t" false "F5" ]
            Expect.isFalse (text.Contains "Rerunning") "no section"
            Expect.isFalse (text.Contains "(#rerun-") "no links"

        testCase "a command quotes the words a shell would split or expand" <| fun _ ->
            Expect.equal (CommandLine.command "train.fsx" [ "--data"; "my data.csv"; "--out"; "it's" ])
                "dotnet fsi scripts/train.fsx --data 'my data.csv' --out 'it'\\''s'" "quoted"
            Expect.equal (CommandLine.command "train.fsx" [ "--step"; "settling:0.5:1e-05"; "--data"; "digits:4,9:10" ])
                "dotnet fsi scripts/train.fsx --step settling:0.5:1e-05 --data digits:4,9:10" "plain"
    ]
