/// The architecture flags of scripts/train.fsx (--shape, --kernel, --channels) and their run settings and
/// configurations: parsing, clear errors, and runs whose beta is the engine's own training of the
/// parameterization the flags name (so an ignored flag fails), with the limit reported as not available.
module ImplicitBias.Tests.TestArchitectureCli

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Theory

let private parsed args =
    match TrainCli.parse args with
    | Ok p -> p.Spec
    | Error e -> failtestf "%A rejected: %s" args e

let private parseError args =
    match TrainCli.parse args with
    | Error e -> e
    | Ok _ -> failtestf "expected %A to be rejected" args

/// TrainCli.main with stderr captured: exit code and stderr.
let private run (args: string list) =
    let saved, savedOut = Console.Error, Console.Out
    use err = new StringWriter()
    use out = new StringWriter()
    Console.SetError err
    Console.SetOut out
    try TrainCli.main args, err.ToString()
    finally
        Console.SetError saved
        Console.SetOut savedOut

let private summaryOf (out: string) =
    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json"))).RootElement
let private betaOf (out: string) =
    File.ReadAllLines(Path.Combine(out, "beta.csv"))
    |> Array.map (fun t -> Double.Parse(t, Globalization.CultureInfo.InvariantCulture))

/// 10 points in D = 16 (a 4 x 4 image) saved as CSV; the loaded dataset.
let private dataset () =
    let dir = Path.Combine(Path.GetTempPath(), "ib-arch-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    let csv = Path.Combine(dir, "data.csv")
    CsvDataset.Save(SyntheticData.GaussianTeacher(10, 16, 4UL), csv)
    dir, csv, CsvDataset.Load csv

/// beta after `steps` normalized steps of the engine on this parameterization from its seed-1 initialization
/// (scale 0.5).
let private engineBeta (model: IParameterization) (data: Dataset) steps =
    let w0 = model.Initialize(0.5, 1UL)
    GradientDescent.Train(model, data, ReadOnlySpan w0,
                          TrainingSettings(NormalizedStep(0.5), ExponentialLoss(), steps)).Direction

[<Tests>]
let tests =
    testSequenced <| testList "ArchitectureCli" [
        testCase "--shape, --kernel and --channels set the run settings (K is 1 x K; K1xK2 as given)" <| fun _ ->
            let s = parsed [ "--model"; "conv"; "--depth"; "2"; "--kernel"; "3"; "--channels"; "4" ]
            Expect.equal (s.Shape, s.Kernel, s.Channels) (None, Some(KernelSize(1, 3)), 4) "1-D kernel and channels"
            let s = parsed [ "--model"; "conv"; "--depth"; "3"; "--shape"; "8x6"; "--kernel"; "2x3" ]
            Expect.equal (s.Shape, s.Kernel, s.Channels) (Some(Grid(8, 6)), Some(KernelSize(2, 3)), 1) "2-D"
            let s = parsed [ "--model"; "diag"; "--shape"; "4x4" ]
            Expect.equal (s.Shape, s.Kernel) (Some(Grid(4, 4)), None) "2-D diag"
            Expect.equal (Run.defaults.Shape, Run.defaults.Kernel, Run.defaults.Channels) (None, None, 1)
                "defaults: the paper's network"

        testCase "flag errors say what is wrong" <| fun _ ->
            Expect.stringContains (parseError [ "--model"; "diag"; "--kernel"; "3" ])
                "--kernel applies to --model conv only" "kernel with diag"
            Expect.stringContains (parseError [ "--model"; "conv"; "--depth"; "3"; "--channels"; "2" ])
                "needs --depth 2" "channels at depth 3"
            Expect.stringContains (parseError [ "--model"; "fc"; "--channels"; "2" ])
                "--channels applies to --model conv only" "channels with fc"
            Expect.stringContains (parseError [ "--model"; "conv"; "--kernel"; "2x2" ])
                "give the image's --shape" "2-D kernel without shape"
            Expect.stringContains (parseError [ "--model"; "conv"; "--shape"; "4x4"; "--kernel"; "3" ])
                "give K1xK2" "plain K on a 2-D shape"
            Expect.stringContains (parseError [ "--shape"; "16" ]) "MxN" "shape without x"
            Expect.stringContains (parseError [ "--shape"; "0x4" ]) "whole numbers >= 1" "empty side"
            Expect.stringContains (parseError [ "--channels"; "0" ]) "at least 1" "no channel"
            Expect.stringContains (parseError [ "--model"; "conv-time"; "--shape"; "4x4" ])
                "conv-time is the 1-D" "conv-time in 2-D"

        testCase
            "errors that need the data: the shape must have D entries, the kernel must fit (exit code 2)"
        <| fun _ ->
            let dir, csv, _ = dataset ()
            for flags, message in [ [ "--shape"; "3x5" ], "--shape 3x5 has 15 entries but the data has D = 16"
                                    [ "--kernel"; "17" ], "does not fit the grid 16"
                                    [ "--shape"; "4x4"; "--kernel"; "5x1" ], "does not fit the grid 4x4" ] do
                let code, err =
                    run ([ "--data"; csv; "--model"; "conv"; "--steps"; "5"; "--out"; Path.Combine(dir, "x") ] @ flags)
                Expect.equal code 2 $"{flags}: exit code"
                Expect.stringContains err message $"{flags}: message"

        testCase
            ("runs of the new networks: beta is the engine's training of the named parameterization, files clean, "
             + "the limit of the architecture") <| fun _ ->
            let dir, csv, data = dataset ()
            // The explicit rule only (--late off): beta is compared with the engine's 60 plain steps.
            let common = [ "--data"; csv; "--steps"; "60"; "--step"; "normalized:0.5"; "--converged-angle"; "0"
                           "--late"; "off" ]
            let paper =
                betaOf (let o = Path.Combine(dir, "paper") in
                        run (common @ [ "--model"; "conv"; "--depth"; "2"; "--out"; o ]) |> ignore; o)
            for flags, model, kind in
                [ [ "--model"; "conv"; "--depth"; "2"; "--kernel"; "3"; "--channels"; "2" ],
                    KernelConvolutionalNetwork(16, 3, 2, 2) :> IParameterization, Some "KernelNorm"
                  [ "--model"; "conv"; "--depth"; "3"; "--kernel"; "5" ], KernelConvolutionalNetwork(16, 5, 1, 3), None
                  [ "--model"; "conv"; "--depth"; "2"; "--shape"; "4x4" ],
                    KernelConvolutionalNetwork(Grid(4, 4), KernelSize(4, 4), 1, 2), Some "FourierL1"
                  [ "--model"; "conv"; "--depth"; "3"; "--shape"; "4x4" ],
                    KernelConvolutionalNetwork(Grid(4, 4), KernelSize(4, 4), 1, 3), Some "FourierBridge"
                  [ "--model"; "conv"; "--depth"; "2"; "--shape"; "4x4"; "--kernel"; "2x2"; "--channels"; "3" ],
                    KernelConvolutionalNetwork(Grid(4, 4), KernelSize(2, 2), 3, 2), Some "KernelNorm" ] do
                let out = Path.Combine(dir, Guid.NewGuid().ToString("N"))
                let code, err = run (common @ flags @ [ "--out"; out ])
                Expect.equal code 0 $"{flags}: exit code ({err})"
                let beta = betaOf out
                Expect.isLessThan (TestUtil.relativeError beta (engineBeta model data 60L)) 1e-12
                    $"{flags}: beta = the engine's {model.Name}"
                Expect.isGreaterThan (TestUtil.relativeError beta paper) 1e-6 $"{flags}: not the paper's conv"
                let summary = summaryOf out
                Expect.equal (summary.GetProperty("parameterization").GetString()) model.Name
                    $"{flags}: parameterization"
                match kind with
                | Some k ->
                    Expect.equal (summary.GetProperty("limit").GetProperty("kind").GetString()) k
                        $"{flags}: the architecture's limit"
                    Expect.isTrue (summary.GetProperty("limit_available").GetBoolean()) $"{flags}: limit_available"
                    Expect.isTrue (File.Exists(Path.Combine(out, "limit.csv"))) $"{flags}: limit.csv"
                | None ->
                    Expect.stringContains err "no reference limit" $"{flags}: says there is no reference"
                    Expect.equal (summary.GetProperty("limit").ValueKind) Text.Json.JsonValueKind.Null
                        $"{flags}: no limit"
                    Expect.isFalse (summary.GetProperty("limit_available").GetBoolean())
                        $"{flags}: limit_available false"
                    Expect.isFalse (File.Exists(Path.Combine(out, "limit.csv"))) $"{flags}: no limit.csv"
                for file in Directory.GetFiles out do
                    let text = File.ReadAllText file
                    Expect.isFalse (text.Contains "NaN" || text.Contains "Infinity")
                        $"{flags}: {Path.GetFileName file} is clean"
            let out = Path.Combine(dir, "conv2d")
            run (common @ [ "--model"; "conv"; "--depth"; "2"; "--shape"; "4x4"; "--kernel"; "2x2"; "--channels"; "3"
                            "--out"; out ]) |> ignore
            let summary = summaryOf out
            Expect.equal
                (summary.GetProperty("shape").GetString(), summary.GetProperty("kernel").GetString(),
                 summary.GetProperty("channels").GetInt32())
                ("4x4", "2x2", 3) "summary.json carries the architecture"
            // spectra.csv on a 2-D shape: the 2-D DFT magnitudes of the recorded direction (naive 2-D DFT here).
            let lastRow (name: string) =
                (File.ReadAllLines(Path.Combine(out, name)) |> Array.last).Split ',' |> Array.skip 1
                |> Array.map (fun t -> Double.Parse(t, Globalization.CultureInfo.InvariantCulture))
            let naive =
                NaiveDft.Forward(
                    Grid(4, 4), ReadOnlySpan(lastRow "directions.csv" |> Array.map (fun x -> Numerics.Complex(x, 0.0))))
                |> Array.map (fun z -> z.Magnitude)
            Expect.isLessThan (TestUtil.relativeError (lastRow "spectra.csv") naive) 1e-12 "2-D spectra"
            Expect.isTrue ((summaryOf (Path.Combine(dir, "paper"))).GetProperty("limit_available").GetBoolean())
                "the paper's conv: limit available"

        testCase
            ("2-D diag is the diag net on the flattened image: same beta, the shape in summary.json, its limit still "
             + "certified") <| fun _ ->
            let dir, csv, _ = dataset ()
            let common = [ "--data"; csv; "--model"; "diag"; "--depth"; "2"; "--steps"; "200"
                           "--converged-angle"; "0" ]
            let flat, image = Path.Combine(dir, "flat"), Path.Combine(dir, "image")
            Expect.equal (fst (run (common @ [ "--out"; flat ]))) 0 "flat"
            Expect.equal (fst (run (common @ [ "--shape"; "4x4"; "--out"; image ]))) 0 "image"
            Expect.equal (betaOf image) (betaOf flat) "same beta"
            let summary = summaryOf image
            Expect.equal (summary.GetProperty("shape").GetString()) "4x4" "shape"
            Expect.equal (summary.GetProperty("limit").GetProperty("kind").GetString()) "TimeL1"
                "the diag limit applies"

        testCase
            ("run configurations carry the architecture: canonical text only when not the default, "
             + "parameterization, settings") <| fun _ ->
            let c = Sweep.defaults
            for key in [ "shape="; "kernel="; "channels=" ] do
                Expect.isFalse ((RunSpec.describe c).Contains key) $"the paper's configuration has no {key}"
            let k = { c with Shape = Some(Grid(4, 4)); Kernel = Some(KernelSize(2, 2)); Channels = 3 }
            Expect.stringEnds (RunSpec.describe k) ";shape=4x4;kernel=2x2;channels=3" "appended last"
            Expect.equal (RunSpec.parameterization k 16).Name "conv-4x4-k2x2-c3-L2" "parameterization"
            let s = k
            Expect.equal (s.Shape, s.Kernel, s.Channels) (k.Shape, k.Kernel, k.Channels) "settings"
            Expect.equal (Limits.kindOf s 16) (Some(LimitKind.KernelNorm, 1.0)) "a 2x2 kernel at depth 2: R_K"
            Expect.equal (Limits.kindOf { s with Kernel = None; Channels = 1 } 16) (Some(LimitKind.FourierL1, 1.0))
                "full-width 2-D conv L=2: 2-D Fourier-l1"
            Expect.equal (Limits.kindOf { s with Depth = 3; Channels = 1 } 16) None
                "a kernel net at depth 3: Theorem 4 only"
            Expect.equal (Limits.kindOf (c) 16) (Some(LimitKind.FourierL1, 1.0)) "the paper's conv keeps its limit"
            Expect.throws (fun () -> RunSpec.parameterization k 15 |> ignore) "shape against D"
            let sweep =
                Sweep.from "t" { c with Data = GaussianTeacher(6, 16, 1UL) }
                |> Sweep.vary (Axis.shapes [ Grid(4, 4) ])
                |> Sweep.vary (Axis.kernels [ KernelSize(1, 1); KernelSize(2, 2) ])
                |> Sweep.vary (Axis.channels [ 1; 2 ])
            Expect.equal [ for p in sweep.Points -> p.Shape, p.Kernel, p.Channels ]
                         [ for k in [ 1; 2 ] do for ch in [ 1; 2 ] -> Some(Grid(4, 4)), Some(KernelSize(k, k)), ch ]
                         "the axes set the fields"
            Expect.equal (sweep.Points |> List.map RunSpec.hash |> List.distinct).Length 4 "distinct hashes"
            Expect.stringContains (RunSpec.label k) "4x4 K=2x2 C=3" "label"
    ]
