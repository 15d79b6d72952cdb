/// scripts/train.fsx's command line (core/Front/TrainCli.fs): flags, errors, and the files it writes.
module ImplicitBias.Tests.TestTrainCli

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Training

let private tempDir () =
    let dir = Path.Combine(Path.GetTempPath(), "ib-train-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

/// Runs TrainCli.main with stderr captured; returns the exit code and what was written to stderr.
let private runCaptured (args: string list) =
    let saved = Console.Error
    use writer = new StringWriter()
    Console.SetError writer
    try
        let code = TrainCli.main args
        code, writer.ToString()
    finally
        Console.SetError saved

let private parseError args =
    match TrainCli.parse args with
    | Error e -> e
    | Ok _ -> failwithf "expected %A to be rejected" args

[<Tests>]
let tests =
    testSequenced <| testList "TrainCli" [
        testCase "flags set the run settings" <| fun _ ->
            match TrainCli.parse [ "--data"; "a.csv"; "--model"; "fc"; "--depth"; "3"; "--steps"; "100"; "--step"; "fixed:0.1"
                                   "--loss"; "logistic"; "--init-scale"; "0.5"; "--seed"; "7"; "--time-limit"; "2"; "--out"; "o" ] with
            | Error e -> failtest e
            | Ok p ->
                Expect.equal (p.Data, p.Out) (Some "a.csv", Some "o") "paths"
                Expect.equal (p.Settings.Model, p.Settings.Depth, p.Settings.MaxSteps) (FullyConnected, 3, 100L) "model"
                Expect.equal (p.Settings.Step.Describe(), p.Settings.Loss.Name) ("fixed:0.1", "logistic") "rule and loss"
                Expect.equal (p.Settings.InitScale, p.Settings.Seed, p.Settings.TimeLimitSeconds) (0.5, 7UL, 2.0) "scale, seed, time"

        testCase "bad flags and values are named in the error" <| fun _ ->
            Expect.stringContains (parseError [ "--modle"; "fc" ]) "unknown flag '--modle'" "unknown flag"
            Expect.stringContains (parseError [ "--model"; "cnn" ]) "unknown model 'cnn'" "bad model"
            Expect.stringContains (parseError [ "--depth"; "0" ]) "--depth" "bad depth"
            Expect.stringContains (parseError [ "--depth"; "two" ]) "'two'" "non-numeric depth"
            Expect.stringContains (parseError [ "--step"; "fast:1" ]) "fixed:ETA, normalized:ETA, normalized:ETA:RHO or degree:ETA" "bad rule"
            Expect.stringContains (parseError [ "--loss"; "hinge" ]) "unknown loss 'hinge'" "bad loss"
            Expect.stringContains (parseError [ "--init-scale"; "-1" ]) "positive" "bad scale"
            Expect.stringContains (parseError [ "--out" ]) "missing value" "missing value"

        testCase "--help prints usage and succeeds; missing --data fails with exit code 2" <| fun _ ->
            Expect.equal (fst (runCaptured [ "--help" ])) 0 "help"
            let code, err = runCaptured [ "--out"; "x" ]
            Expect.equal code 2 "exit code"
            Expect.stringContains err "--data" "says what is missing"

        testCase "a bad CSV gives exit code 2 and names file, row and column" <| fun _ ->
            let dir = tempDir ()
            let csv = Path.Combine(dir, "bad.csv")
            File.WriteAllText(csv, "1,0.5,2\n-1,oops,3\n")
            let code, err = runCaptured [ "--data"; csv; "--out"; Path.Combine(dir, "out") ]
            Expect.equal code 2 "exit code"
            Expect.stringContains err $"{csv}, row 2, column 2" "location"

        testCase "writes beta.csv (unit norm), summary.json and trajectory.csv" <| fun _ ->
            let dir = tempDir ()
            let csv = Path.Combine(dir, "data.csv")
            CsvDataset.Save(SyntheticData.GaussianTeacher(5, 6, 2UL), csv)
            let out = Path.Combine(dir, "run")
            let code, _ = runCaptured [ "--data"; csv; "--model"; "conv"; "--depth"; "2"; "--steps"; "2000"; "--out"; out ]
            Expect.equal code 0 "exit code"
            let beta = File.ReadAllLines(Path.Combine(out, "beta.csv")) |> Array.map float
            Expect.equal beta.Length 6 "one value per line"
            Expect.floatClose Accuracy.high (beta |> Array.sumBy (fun b -> b * b)) 1.0 "unit norm"
            let summary = Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json"))).RootElement
            for key in [ "steps"; "seconds"; "steps_per_second"; "log_beta_norm"; "smoothed_margin"; "normalized_margin"; "outcome" ] do
                Expect.isTrue (fst (summary.TryGetProperty key)) $"summary has {key}"
            Expect.equal (summary.GetProperty("steps").GetInt64()) 2000L "steps"
            Expect.equal (summary.GetProperty("outcome").GetString()) "StepLimit" "outcome"
            let trajectory = File.ReadAllLines(Path.Combine(out, "trajectory.csv"))
            Expect.stringStarts trajectory[0] "step,seconds,log_beta_norm,smoothed_margin,normalized_margin" "header"
            Expect.isGreaterThan trajectory.Length 20 "log-spaced records"
            Expect.stringStarts trajectory[trajectory.Length - 1] "2000," "last record is the last step"
    ]
