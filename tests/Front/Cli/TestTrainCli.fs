/// scripts/train.fsx's command line (core/Front/Cli/TrainCli.fs): flags, errors, and the files it writes.
module ImplicitBias.Tests.TestTrainCli

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Reference

let private tempDir () =
    let dir = Path.Combine(Path.GetTempPath(), "ib-train-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

/// Runs TrainCli.main with stdout and stderr captured; returns the exit code and stderr (stdout in lastOut).
let mutable private lastOut = ""
let private runCaptured (args: string list) =
    let saved, savedOut = Console.Error, Console.Out
    use writer = new StringWriter()
    use out = new StringWriter()
    Console.SetError writer
    Console.SetOut out
    try
        let code = TrainCli.main args
        lastOut <- out.ToString()
        code, writer.ToString()
    finally
        Console.SetError saved
        Console.SetOut savedOut

let private parseError args =
    match TrainCli.parse args with
    | Error e -> e
    | Ok _ -> failwithf "expected %A to be rejected" args

let private inv (x: float) = x.ToString("R", Globalization.CultureInfo.InvariantCulture)
let private parseFloat (t: string) = Double.Parse(t, Globalization.CultureInfo.InvariantCulture)

/// Small data saved as CSV, scaled so that max_n ||x_n|| = 0.9.
let private saveData (dir: string) (data: Dataset) =
    let scale = 0.9 / data.MaxPointNorm()
    let scaled = Dataset(data.Features |> Array.map (fun v -> v * scale), data.Labels, data.Dimension, data.Name)
    let csv = Path.Combine(dir, "data.csv")
    CsvDataset.Save(scaled, csv)
    csv, CsvDataset.Load csv

/// Every file of a run folder is free of NaN and infinities.
let private expectClean (dir: string) =
    for file in Directory.GetFiles dir do
        let text = File.ReadAllText file
        for bad in [ "NaN"; "Infinity"; "∞" ] do
            Expect.isFalse (text.Contains bad) $"{Path.GetFileName file} contains {bad}"

/// Trains data with the flags into a fresh folder; checks the exit code and that no file has NaN/inf.
let private train (csv: string) (flags: string list) (expectedCode: int) =
    let out = Path.Combine(Path.GetDirectoryName csv, "run-" + Guid.NewGuid().ToString("N").Substring(0, 8))
    let code, err = runCaptured ([ "--data"; csv; "--out"; out ] @ flags)
    Expect.equal code expectedCode $"exit code ({err})"
    expectClean out
    out

let private column (out: string) name = File.ReadAllLines(Path.Combine(out, name)) |> Array.map parseFloat
let private summaryOf (out: string) =
    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json"))).RootElement
/// The rows of a CSV with a header, first column (the step) apart.
let private table (out: string) name =
    File.ReadAllLines(Path.Combine(out, name)) |> Array.skip 1
    |> Array.map (fun line ->
        let cells = line.Split ',' in
        int64 cells[0], cells[1..] |> Array.map (fun t -> if t = "" then nan else parseFloat t))

/// log L of the exponential loss at beta = exp(logNorm) direction, computed here (log-sum-exp).
let private expLogLoss (data: Dataset) (direction: float[]) (logNorm: float) =
    let d = data.Dimension
    let z = data.SignedFeatures()
    let a = Array.init data.Count (fun n -> -(exp logNorm) * TestUtil.dot z[n * d .. n * d + d - 1] direction)
    let top = Array.max a
    top + log (a |> Array.sumBy (fun x -> exp (x - top)))

/// The first step of a linear model, w1 = w0 - eta sum_n l'(m_n) y_n x_n, written out here.
let private firstLinearStep (data: Dataset) (loss: string) (eta: float) (scale: float) (seed: uint64) =
    let d = data.Dimension
    let w0 =
        ImplicitBias.Engine.Networks.ParameterizationExtensions.Initialize(
            ImplicitBias.Engine.Networks.LinearModel(d), scale, seed)
    let z = data.SignedFeatures()
    let derivative m = if loss = "exp" then -(exp -m) else -1.0 / (1.0 + exp m)
    let w1 = Array.copy w0
    for n in 0 .. data.Count - 1 do
        let zn = z[n * d .. n * d + d - 1]
        let g = derivative (TestUtil.dot zn w0)
        for j in 0 .. d - 1 do w1[j] <- w1[j] - eta * g * zn[j]
    Geometry.Normalize(ReadOnlySpan w1)

/// |z_hat| in the unitary DFT by the O(D^2) sum.
let private naiveMagnitudes (z: float[]) =
    let d = z.Length
    Array.init d (fun k ->
        let re = Seq.sum (seq { for p in 0 .. d - 1 -> z[p] * cos (2.0 * Math.PI * float (p * k) / float d) })
        let im = Seq.sum (seq { for p in 0 .. d - 1 -> -z[p] * sin (2.0 * Math.PI * float (p * k) / float d) })
        sqrt (re * re + im * im) / sqrt (float d))

[<Tests>]
let tests =
    testSequenced <| testList "TrainCli" [
        testCase "flags set the run settings" <| fun _ ->
            match TrainCli.parse [ "--data"; "a.csv"; "--model"; "fc"; "--depth"; "3"; "--steps"; "100"
                                   "--step"; "fixed:0.1"; "--loss"; "logistic"; "--init-scale"; "0.5"; "--seed"; "7"
                                   "--time-limit"; "2"; "--out"; "o" ] with
            | Error e -> failtest e
            | Ok p ->
                Expect.equal (p.Data, p.Out) (Some "a.csv", Some "o") "paths"
                Expect.equal (p.Spec.Model, p.Spec.Depth, p.Spec.MaxSteps) (FullyConnected, 3, 100L) "model"
                Expect.equal (p.Spec.Step.Describe(), p.Spec.Loss) ("fixed:0.1", Logistic) "rule and loss"
                Expect.equal (p.Spec.InitScale, p.Spec.Seed, p.Spec.TimeLimitSeconds) (0.5, 7UL, 2.0)
                    "scale, seed, time"

        testCase "bad flags and values are named in the error" <| fun _ ->
            Expect.stringContains (parseError [ "--modle"; "fc" ]) "unknown flag '--modle'" "unknown flag"
            Expect.stringContains (parseError [ "--model"; "cnn" ]) "unknown model 'cnn'" "bad model"
            Expect.stringContains (parseError [ "--depth"; "0" ]) "--depth" "bad depth"
            Expect.stringContains (parseError [ "--depth"; "two" ]) "'two'" "non-numeric depth"
            Expect.stringContains (parseError [ "--step"; "fast:1" ]) "fixed:ETA, normalized:ETA, normalized:ETA:RHO"
                "bad rule"
            Expect.stringContains (parseError [ "--converged-angle"; "-1" ]) "--converged-angle" "negative angle"
            Expect.stringContains (parseError [ "--loss"; "hinge" ]) "unknown loss 'hinge'" "bad loss"
            Expect.stringContains (parseError [ "--init-scale"; "-1" ]) "positive" "bad scale"
            Expect.stringContains (parseError [ "--out" ]) "missing value" "missing value"

        testCase
            ("--seed takes every uint64 (0, above 2^63, 2^64 - 1); other text is refused naming --seed, the text "
             + "and the range") <| fun _ ->
            for seed in TestDataCli.seeds do
                match TrainCli.parse [ "--seed"; string seed ] with
                | Ok p -> Expect.equal p.Spec.Seed seed $"{seed}"
                | Error e -> failtest e
            for text in [ "-1"; "abc"; "1.5"; "18446744073709551616" ] do
                let e = parseError [ "--seed"; text ]
                for part in [ "--seed"; $"'{text}'"; "18446744073709551615" ] do
                    Expect.stringContains e part $"'{text}'"

        testCase "RunSpec.arguments is read back by parse as the same spec; Error when no flag gives it" <| fun _ ->
            let specs =
                [ Run.defaults
                  { Run.defaults with
                      Model = FullyConnected; Depth = 3; Seed = UInt64.MaxValue; MaxSteps = 1000L; Step = FixedStep 0.1
                      Loss = Logistic; LogLossTarget = -5.0 }
                  { Run.defaults with
                      Kernel = Some(KernelSize.Line 4); Channels = 4; ConvergenceAngle = 1e-5; TimeLimitSeconds = 600.0
                      InitScale = 0.1 }
                  { Run.defaults with Depth = 3; Shape = Some(Grid(4, 6)); Kernel = Some(KernelSize(2, 2)) }
                  { Run.defaults with Shape = Some(Grid(3, 5)); Kernel = Some(KernelSize(1, 3)) }
                  { Run.defaults with Model = GroupConvolutional; Depth = 3; Group = Some "D4" } ]
            for s in specs do
                let args = RunSpec.arguments "d.csv" "o" s
                match args |> Result.bind TrainCli.parse with
                | Ok p ->
                    Expect.equal (p.Data, p.Out) (Some "d.csv", Some "o") "paths"
                    Expect.equal p.Spec s (String.concat " " (Result.defaultValue [] args))
                | Error e -> failtest e
            Expect.isError (RunSpec.arguments "d.csv" "o" { Run.defaults with RecordsPerDecade = 5 }) "records a decade"
            Expect.isError (RunSpec.arguments "d.csv" "o" { Run.defaults with RecordDirections = false }) "directions"
            Expect.isError (RunSpec.arguments "d.csv" "o" { Run.defaults with Width = Some 4 }) "fc width"

        testCase "summary.json gives the seed as it was given, also 2^64 - 1" <| fun _ ->
            let dir = tempDir ()
            let csv, _ = saveData dir (SyntheticData.GaussianTeacher(6, 8, 1UL))
            let out = train csv [ "--model"; "linear"; "--steps"; "10"; "--seed"; string UInt64.MaxValue ] 0
            Expect.equal ((summaryOf out).GetProperty("seed").GetRawText()) (string UInt64.MaxValue) "seed"

        testCase "--help prints usage and succeeds; missing --data fails with exit code 2" <| fun _ ->
            Expect.stringContains TrainCli.usage (Run.defaults.Step.Describe()) "the usage names the real default rule"
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
            let code, _ = runCaptured [ "--data"; csv; "--model"; "conv"; "--depth"; "2"; "--steps"; "2000"
                                        "--converged-angle"; "0"; "--out"; out ]
            Expect.equal code 0 "exit code"
            let beta = File.ReadAllLines(Path.Combine(out, "beta.csv")) |> Array.map float
            Expect.equal beta.Length 6 "one value per line"
            Expect.floatClose Accuracy.high (beta |> Array.sumBy (fun b -> b * b)) 1.0 "unit norm"
            let summary = Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json"))).RootElement
            for key in [ "steps"; "seconds"; "steps_per_second"; "log_beta_norm"; "smoothed_margin"; "normalized_margin"
                         "outcome" ] do
                Expect.isTrue (fst (summary.TryGetProperty key)) $"summary has {key}"
            Expect.equal (summary.GetProperty("steps").GetInt64()) 2000L "steps"
            Expect.equal (summary.GetProperty("outcome").GetString()) "StepLimit" "outcome"
            let trajectory = File.ReadAllLines(Path.Combine(out, "trajectory.csv"))
            Expect.stringStarts trajectory[0] "step,seconds,log_beta_norm,smoothed_margin,normalized_margin" "header"
            Expect.isGreaterThan trajectory.Length 20 "log-spaced records"
            Expect.stringStarts trajectory[trajectory.Length - 1] "2000," "last record is the last step"
    
        testCase
            ("--steps, --step, --loss, --init-scale and --seed: the first step equals w0 - eta sum l'(m_n) y_n x_n "
             + "computed here") <| fun _ ->
            let csv, data = saveData (tempDir ()) (SyntheticData.GaussianTeacher(6, 8, 2UL))
            let oneStep flags = train csv ([ "--model"; "linear"; "--steps"; "1"; "--converged-angle"; "0" ] @ flags) 0
            for loss, eta, scale, seed in [ "exp", 0.7, 0.5, 1UL; "logistic", 0.3, 0.5, 1UL; "exp", 0.7, 0.2, 1UL
                                            "exp", 0.7, 0.5, 5UL ] do
                let out = oneStep [ "--loss"; loss; "--step"; $"fixed:{eta}"; "--init-scale"; inv scale
                                    "--seed"; string seed ]
                // Training divides the data by R = max_n ||x_n|| (UnitScale): eq. (7) acts on x_n / R.
                let expected = firstLinearStep (UnitScale.Of(data, ref 0.0)) loss eta scale seed
                Expect.isLessThan (TestUtil.relativeError (column out "beta.csv") expected) 1e-12
                    $"{loss} eta={eta} scale={scale} seed={seed}"
                Expect.equal ((summaryOf out).GetProperty("steps").GetInt64()) 1L "--steps 1"
            let a, b = oneStep [ "--seed"; "3" ], oneStep [ "--seed"; "3" ]
            Expect.equal (File.ReadAllText(Path.Combine(a, "directions.csv")))
                (File.ReadAllText(Path.Combine(b, "directions.csv"))) "same seed, same run"
            Expect.notEqual (column (oneStep [ "--seed"; "4" ]) "beta.csv") (column a "beta.csv")
                "another seed, another run"
            let steps = train csv [ "--model"; "conv"; "--steps"; "123"; "--converged-angle"; "0" ] 0
            Expect.equal
                ((summaryOf steps).GetProperty("steps").GetInt64(),
                 (summaryOf steps).GetProperty("outcome").GetString())
                (123L, "StepLimit") "--steps 123"
            Expect.equal (fst (Array.last (table steps "directions.csv"))) 123L "last record at step 123"

        testCase
            ("--log-loss-target: the final record's loss, recomputed from beta.csv and log_beta_norm, is at the "
             + "target, the previous above") <| fun _ ->
            let csv, data = saveData (tempDir ()) (SyntheticData.GaussianTeacher(6, 8, 2UL))
            let target = -3.0
            let out = train csv [ "--model"; "conv"; "--log-loss-target"; inv target; "--steps"; "2000000"
                                  "--converged-angle"; "0" ] 0
            let summary = summaryOf out
            Expect.equal (summary.GetProperty("outcome").GetString()) "LossTargetReached" "outcome"
            let final = expLogLoss data (column out "beta.csv") (summary.GetProperty("log_beta_norm").GetDouble())
            Expect.isLessThanOrEqual final (target + 1e-12) "final record at or below the target"
            let directions = table out "directions.csv"
            let logNorms = table out "trajectory.csv" |> Array.map (fun (_, cells) -> cells[1])
            let previous = expLogLoss data (snd directions[directions.Length - 2]) logNorms[logNorms.Length - 2]
            Expect.isGreaterThan previous target "the record before is above the target"

        testCase
            "--time-limit stops on time; --converged-angle stops once the angle to the certified limit is below it"
        <| fun _ ->
            let csv, data = saveData (tempDir ()) (SyntheticData.GaussianTeacher(6, 8, 2UL))
            // The explicit rule only (--late off), which never stops by itself: the clock must stop it.
            let timed = summaryOf (train csv [ "--model"; "conv"; "--time-limit"; "0.4"; "--converged-angle"; "0"
                                               "--late"; "off" ] 0)
            Expect.equal (timed.GetProperty("outcome").GetString()) "TimeLimit" "outcome"
            Expect.equal (timed.GetProperty("verdict").GetString()) "NotConverged" "verdict"
            Expect.isTrue (timed.GetProperty("seconds").GetDouble() >= 0.4
                           && timed.GetProperty("seconds").GetDouble() < 1.5) "stopped at about 0.4 s"
            let out = train csv [ "--model"; "conv"; "--converged-angle"; "0.02"; "--time-limit"; "10" ] 0
            let summary = summaryOf out
            Expect.equal (summary.GetProperty("outcome").GetString()) "Converged" "outcome"
            Expect.equal (summary.GetProperty("verdict").GetString()) "Converged" "verdict"
            Expect.stringStarts lastOut "Converged: angle" "outcome line"
            let limit = summary.GetProperty("limit")
            Expect.equal (limit.GetProperty("status").GetString()) "Certified" "certified"
            let angle = limit.GetProperty("angle_to_gd").GetDouble()
            Expect.isLessThan angle 0.02 "below the target"
            Expect.floatClose Accuracy.veryHigh
                (Geometry.Angle(ReadOnlySpan(column out "beta.csv"), ReadOnlySpan(column out "limit.csv"))) angle
                "angle_to_gd = angle(beta.csv, limit.csv)"
            let angles = [ for a in summary.GetProperty("angles_to_limit").EnumerateArray() ->
                               a.GetProperty("step").GetInt64(), a.GetProperty("angle").GetDouble() ]
            Expect.isGreaterThan angles.Length 2 "decade records"
            Expect.equal (fst (List.last angles)) (summary.GetProperty("steps").GetInt64()) "ends at the final step"
            Expect.equal (angles |> List.map snd) (angles |> List.map snd |> List.sortDescending)
                "angles to the limit decrease"
            let never =
                summaryOf (train csv [ "--model"; "conv"; "--converged-angle"; "0"
                                       "--steps"; (string (summary.GetProperty("steps").GetInt64() + 50L)) ] 0)
            Expect.equal (never.GetProperty("outcome").GetString()) "StepLimit" "0 disables the test"
            Expect.equal (never.GetProperty("verdict").GetString()) "NotConverged" "a budget stop is NotConverged"
            Expect.stringStarts lastOut "NotConverged: angle" "NotConverged line"

        testCase
            ("--model/--depth choose the network and its limit; limit.csv is CertifiedLimit.Find / the reference "
             + "computed here") <| fun _ ->
            let csv, data = saveData (tempDir ()) (SyntheticData.GaussianTeacher(6, 8, 2UL))
            for model, depth, kind, p, reference in [ "conv", 2, "FourierL1", 1.0, Some MarginBias.FourierL1
                                                      "fc", 3, "L2", 2.0, Some MarginBias.L2
                                                      "diag", 3, "TimeBridge", 2.0 / 3.0, None
                                                      "conv", 1, "L2", 2.0, Some MarginBias.L2 ] do
                let out = train csv [ "--model"; model; "--depth"; string depth; "--steps"; "1000000"
                                      "--converged-angle"; "0" ] 0
                let summary = summaryOf out
                Expect.equal (summary.GetProperty("model").GetString(), summary.GetProperty("depth").GetInt32())
                    (model, depth) "model and depth"
                Expect.equal
                    (summary.GetProperty("limit").GetProperty("kind").GetString(),
                     summary.GetProperty("limit").GetProperty("p").GetDouble())
                    (kind, p) $"{model} L={depth} limit"
                let beta, limit = column out "beta.csv", column out "limit.csv"
                let kind = match Model.parse model with Ok m -> Model.kind m | Error e -> failwith e
                let struct (k, _) = ImplicitBias.Engine.Theory.CertifiedLimit.For(kind, depth)
                let found = ImplicitBias.Engine.Theory.CertifiedLimit.Find(data, k, p, ReadOnlySpan beta).Direction
                Expect.isLessThan (TestUtil.relativeError limit found) 1e-12
                    $"{model} L={depth}: limit.csv = CertifiedLimit.Find"
                match reference with
                | Some bias ->
                    Expect.isLessThan (TestUtil.relativeError limit (MaxMargin.Solve(data, bias).Direction)) 1e-5
                        "= the reference solver"
                | None -> ()
                Expect.floatClose Accuracy.veryHigh
                    (summary.GetProperty("limit").GetProperty("angle_to_gd").GetDouble())
                    (Geometry.Angle(ReadOnlySpan beta, ReadOnlySpan limit)) "angle_to_gd"
                Expect.isTrue (summary.GetProperty("theorem4_kkt_residual").ValueKind = Text.Json.JsonValueKind.Number)
                    "Theorem 4 residual"

        testCase
            "normalized_margin and spectra.csv agree with an independent computation from the written directions"
        <| fun _ ->
            let csv, data = saveData (tempDir ()) (SyntheticData.GaussianTeacher(6, 8, 2UL))
            let out = train csv [ "--model"; "conv"; "--depth"; "3"; "--steps"; "2000"; "--converged-angle"; "0" ] 0
            let beta = column out "beta.csv"
            let z = data.SignedFeatures()
            let margin = Array.init data.Count (fun n -> TestUtil.dot z[n * 8 .. n * 8 + 7] beta) |> Array.min
            Expect.floatClose Accuracy.high ((summaryOf out).GetProperty("normalized_margin").GetDouble()) margin
                "summary"
            let lastRow = File.ReadAllLines(Path.Combine(out, "trajectory.csv")) |> Array.last |> fun l -> l.Split ','
            Expect.floatClose Accuracy.high (parseFloat lastRow[4]) margin "trajectory's last row"
            let directions, spectra = table out "directions.csv", table out "spectra.csv"
            Expect.equal (Array.map fst spectra) (Array.map fst directions) "same steps"
            for (step, d), (_, s) in Array.zip directions spectra do
                Expect.isLessThan (TestUtil.relativeError s (naiveMagnitudes d)) 1e-12 $"|DFT| at step {step}"
                Expect.isGreaterThan (TestUtil.relativeError s (Array.map abs d)) 1e-3 "spectra are not the directions"

        testCase
            "not separable: exit code 3, the evidence printed and in summary.json, no beta.csv or limit.csv"
        <| fun _ ->
            let dir = tempDir ()
            let csv = Path.Combine(dir, "data.csv")
            CsvDataset.Save(TestLimits.notSeparable (), csv)
            let out = train csv [ "--model"; "fc"; "--depth"; "2" ] 3
            Expect.stringContains lastOut "NotSeparable" "outcome printed"
            Expect.stringContains lastOut "alpha_1 = 0.5" "weights printed"
            let summary = summaryOf out
            Expect.equal (summary.GetProperty("outcome").GetString(), summary.GetProperty("steps").GetInt64())
                ("NotSeparable", 0L) "outcome"
            Expect.equal (summary.GetProperty("verdict").GetString()) "NotSeparable" "verdict"
            let weights = [| for w in summary.GetProperty("not_separable").GetProperty("weights").EnumerateArray() ->
                                 w.GetDouble() |]
            Expect.floatClose Accuracy.high (Array.sum weights) 1.0 "weights sum to 1"
            let z = (TestLimits.notSeparable ()).SignedFeatures()
            let sum = Array.init 3 (fun j -> Seq.sum (seq { for n in 0 .. 2 -> weights[n] * z[n * 3 + j] }))
            Expect.isLessThan (sqrt (TestUtil.dot sum sum)) 1e-10 "sum_n alpha_n y_n x_n = 0, recomputed"
            for file in [ "beta.csv"; "limit.csv" ] do
                Expect.isFalse (File.Exists(Path.Combine(out, file))) $"no {file}"

        testCase
            ("issue 21's separable examples are not refused as not separable: 1e12 with 1e-6 trains to its limits, "
             + "1e308 with 1 is a clear input error") <| fun _ ->
            let dir = tempDir ()
            let csv name (text: string) =
                let path = Path.Combine(dir, name)
                File.WriteAllText(path, text)
                path
            let first = csv "first.csv" "1,1e12,1e12\n-1,-1e-6,-2e-6\n1,3e11,1e12\n"
            // linear: the l2 max margin, set by the small point alone (the others are far inside): (1, 2) / sqrt 5.
            let linear = train first [ "--model"; "linear"; "--time-limit"; "10" ] 0
            Expect.equal ((summaryOf linear).GetProperty("verdict").GetString()) "Converged" "linear converges"
            Expect.isLessThan
                (TestUtil.relativeError (column linear "beta.csv") [| 1.0 / sqrt 5.0; 2.0 / sqrt 5.0 |]) 1e-6
                "linear: (1, 2) / sqrt 5"
            // The default model (conv, depth 2): the Fourier-l1 max margin, min 2 max(|b1|, |b2|)
            // s.t. b1 + 2 b2 >= 1e6: (1, 1) / sqrt 2.
            let conv = train first [ "--time-limit"; "10" ] 0
            Expect.equal ((summaryOf conv).GetProperty("verdict").GetString()) "Converged" "the default model converges"
            Expect.isLessThan (TestUtil.relativeError (column conv "beta.csv") [| sqrt 0.5; sqrt 0.5 |]) 1e-5
                "default model: (1, 1) / sqrt 2"
            let second = csv "second.csv" "1,1e308,1e308\n-1,-1,-2\n"
            let out = Path.Combine(dir, "second")
            let code, err = runCaptured [ "--data"; second; "--out"; out ]
            Expect.equal code 2 "training refuses it as input it cannot follow"
            Expect.stringContains err "2^500" "and says why: the spread of the points' norms"
            Expect.isFalse (lastOut.Contains "NotSeparable") "not refused as not separable"
            Expect.isFalse (Directory.Exists out) "no files"
    ]
