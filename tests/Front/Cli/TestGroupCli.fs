/// gconv on the command lines (issue 24): train.fsx --model gconv --group, reference.fsx --bias group-nuclear|
/// group-bridge --group and --kkt --group (core/Front/Cli/GroupCli.fs), and the checks of Model.checkGroup.
module ImplicitBias.Tests.TestGroupCli

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Theory

let private tempDir () =
    let dir = Path.Combine(Path.GetTempPath(), "ib-gcli-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    dir

/// Runs a command line with stdout and stderr captured: exit code, stdout, stderr.
let private captured (main: string list -> int) (args: string list) =
    let saved, savedOut = Console.Error, Console.Out
    use err = new StringWriter()
    use out = new StringWriter()
    Console.SetError err
    Console.SetOut out
    try
        let code = main args
        code, out.ToString(), err.ToString()
    finally
        Console.SetError saved
        Console.SetOut savedOut

let private parseFloat (t: string) = Double.Parse(t, Globalization.CultureInfo.InvariantCulture)
let private column (dir: string) name = File.ReadAllLines(Path.Combine(dir, name)) |> Array.map parseFloat
let private json (dir: string) name =
    Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, name))).RootElement

/// A seeded set on D4 (order 8) saved as CSV.
let private d4Data dir =
    let path = Path.Combine(dir, "d4.csv")
    CsvDataset.Save(SyntheticData.GaussianTeacher(5, 8, 3UL), path)
    path, CsvDataset.Load path

/// gconv L = 3 on D4 with the defaults.
let private gconvD4L3 = Run.defaults |> Run.withModel GroupConvolutional 3 |> Run.withGroup "D4"

let private trainError args =
    match TrainCli.parse args with
    | Error e -> e
    | Ok _ -> failwithf "expected %A to be rejected" args

[<Tests>]
let tests =
    testSequenced <| testList "GroupCli" [
        testCase
            "--model gconv --group: parsed into the spec; every wrong combination is named in the error"
        <| fun _ ->
            match TrainCli.parse [ "--model"; "gconv"; "--group"; "D4"; "--depth"; "3" ] with
            | Ok p -> Expect.equal (p.Spec.Model, p.Spec.Group, p.Spec.Depth) (GroupConvolutional, Some "D4", 3) "spec"
            | Error e -> failtest e
            Expect.stringContains (trainError [ "--model"; "gconv" ]) "--model gconv needs --group" "no group"
            Expect.stringContains (trainError [ "--model"; "gconv" ]) "Q8" "the names are listed"
            Expect.stringContains (trainError [ "--model"; "conv"; "--group"; "D4" ]) "--group applies to --model gconv"
                "group without gconv"
            let unknown = trainError [ "--model"; "gconv"; "--group"; "Z9" ]
            for word in [ "Z9"; "Dn (order 2n)"; "Q8"; "A4"; "S4" ] do
                Expect.stringContains unknown word "unknown group"
            for flags in [ [ "--shape"; "2x4" ]; [ "--kernel"; "2" ]; [ "--channels"; "2" ] ] do
                Expect.stringContains (trainError ([ "--model"; "gconv"; "--group"; "D4" ] @ flags)) "does not apply"
                    $"{flags}"

        testCase "gconv trains in the group Fourier domain, gconv-time in the group domain: one direction" <| fun _ ->
            match TrainCli.parse [ "--model"; "gconv-time"; "--group"; "Q8"; "--depth"; "2" ] with
            | Ok p -> Expect.equal (p.Spec.Model, p.Spec.Group) (GroupConvolutionalTime, Some "Q8") "gconv-time parsed"
            | Error e -> failtest e
            Expect.stringContains (trainError [ "--model"; "gconv-time" ]) "--model gconv-time needs --group"
                "gconv-time needs a group"
            let data = SyntheticData.GaussianTeacher(5, 8, 4UL)
            let spec kind = { gconvD4L3 with Model = kind; TimeLimitSeconds = 60.0 }
            let fast = RunSpec.parameterization (spec GroupConvolutional) 8
            let twin = RunSpec.parameterization (spec GroupConvolutionalTime) 8
            Expect.isTrue (fast :? Engine.Networks.GroupConvolutionalFourierNetwork) "gconv: the Fourier network"
            Expect.isTrue (twin :? Engine.Networks.GroupConvolutionalNetwork) "gconv-time: the group-domain twin"
            Expect.isTrue (Engine.Networks.NetworkFamilies.HasFastStepper fast) "gconv has a fast stepper"
            let a = Run.train (spec GroupConvolutional) data
            let b = Run.train (spec GroupConvolutionalTime) data
            let angle = Geometry.Angle(ReadOnlySpan a.Direction, ReadOnlySpan b.Direction)
            Expect.isLessThan angle 1e-6 $"the two twins' directions {angle:E2} rad apart"

        testCase "Model.checkGroup: |G| must be the data's D, the error names both and the element order" <| fun _ ->
            let message =
                try Model.checkGroup GroupConvolutional None None 1 (Some "D3") 8; ""
                with :? ArgumentException as e -> e.Message
            for word in [ "D3"; "|G| = 6"; "D = 8"; "r^k s^j" ] do Expect.stringContains message word "message"
            Model.checkGroup GroupConvolutional None None 1 (Some "Q8") 8
            Expect.throwsT<ArgumentException> (fun () -> Model.create GroupConvolutional 2 8 |> ignore) "create"

        testCase
            ("train.fsx --model gconv: limit.csv is CertifiedLimit.Find with the group, summary.json's limit has "
             + "the block ranks") <| fun _ ->
            let dir = tempDir ()
            let csv, data = d4Data dir
            let fourier = GroupFourier(StandardGroups.Dihedral 4)
            for depth, kind in [ 2, "GroupNuclear"; 3, "GroupBridge" ] do
                let out = Path.Combine(dir, $"L{depth}")
                let code, _, err =
                    captured TrainCli.main [ "--data"; csv; "--model"; "gconv"; "--group"; "D4"; "--depth"; string depth
                                             "--converged-angle"; "1e-4"; "--out"; out ]
                Expect.equal code 0 err
                Expect.stringContains err "r^k s^j" "the element order is printed"
                let summary = json out "summary.json"
                let limit = summary.GetProperty "limit"
                Expect.equal (limit.GetProperty("kind").GetString()) kind "kind"
                Expect.equal (summary.GetProperty("group").GetString()) "D4" "group"
                Expect.equal (summary.GetProperty("parameterization").GetString()) $"gconv-D4-L{depth}" "network"
                Expect.equal (limit.GetProperty("block_ranks").GetArrayLength()) fourier.Irreps.Count "block ranks"
                let dims = [ for d in summary.GetProperty("block_dimensions").EnumerateArray() -> d.GetInt32() ]
                Expect.equal dims [ for r in fourier.Irreps -> r.Dimension ] "block dimensions in the ranks' order"
                let beta, written = column out "beta.csv", column out "limit.csv"
                let struct (k, p) = CertifiedLimit.For(Engine.Networks.NetworkKind.GroupConvolutional, depth)
                let found = CertifiedLimit.Find(data, k, p, ReadOnlySpan beta, fourier,
                                                LimitOptions(OwnDirection = true))
                Expect.equal found.Status LimitStatus.Certified "certified"
                Expect.isLessThan (Geometry.Angle(ReadOnlySpan written, ReadOnlySpan found.Direction)) 1e-8
                    "limit.csv = the group limit"
                Expect.isLessThan (limit.GetProperty("angle_to_gd").GetDouble()) 1e-4 "converged"
            let code, _, err = captured TrainCli.main [ "--data"; csv; "--model"; "gconv"; "--group"; "D3"
                                                        "--out"; Path.Combine(dir, "bad") ]
            Expect.equal code 2 "|G| != D: bad input"
            Expect.stringContains err "D = 8" "names D"
            Directory.Delete(dir, true)

        testCase
            "reference.fsx --bias group-nuclear|group-bridge --group: certified files; bad input exits 2"
        <| fun _ ->
            let dir = tempDir ()
            let csv, data = d4Data dir
            let fourier = GroupFourier(StandardGroups.Dihedral 4)
            let nuclear = Path.Combine(dir, "nuc")
            let code, _, err = captured ReferenceCli.main [ "--data"; csv; "--bias"; "group-nuclear"; "--group"; "D4"
                                                            "--out"; nuclear ]
            Expect.equal code 0 err
            let beta = column nuclear "beta.csv"
            let direct =
                CertifiedLimit.Find(data, LimitKind.GroupNuclear, 1.0, ReadOnlySpan(Array.zeroCreate 8), fourier)
            Expect.isLessThan (Geometry.Angle(ReadOnlySpan beta, ReadOnlySpan direct.Direction)) 1e-10 "the limit"
            let cert = json nuclear "certificate.json"
            Expect.equal (cert.GetProperty("status").GetString(), cert.GetProperty("group").GetString())
                ("Certified", "D4") "certificate"
            // group-bridge from GD's direction (--from): the certified point GD heads to.
            let run = Run.trainTracked (fun _ _ -> ()) gconvD4L3 data
            let gd = Path.Combine(dir, "gd.csv")
            File.WriteAllLines(gd, run.Result.Direction |> Array.map (fun v -> v.ToString "R"))
            let bridge = Path.Combine(dir, "bridge")
            let code, _, err = captured ReferenceCli.main [ "--data"; csv; "--bias"; "group-bridge"; "--group"; "D4"
                                                            "--depth"; "3"; "--from"; gd; "--out"; bridge ]
            Expect.equal code 0 err
            Expect.isLessThan
                (Geometry.Angle(ReadOnlySpan(column bridge "beta.csv"), ReadOnlySpan run.Limit.Value.Direction))
                1e-8 "the bridge point is the run's limit"
            let bad args =
                let c, _, e = captured ReferenceCli.main ([ "--data"; csv; "--out"; Path.Combine(dir, "x") ] @ args) in
                c, e
            for args, word in [ [ "--bias"; "group-nuclear"; "--group"; "D3" ], "|G| = 6"
                                [ "--bias"; "group-nuclear"; "--group"; "Z9" ], "Q8"
                                [ "--bias"; "group-nuclear" ], "--group NAME is required"
                                [ "--bias"; "l2"; "--group"; "D4" ], "--group applies"
                                [ "--bias"; "group-bridge"; "--group"; "D4" ], "--depth L"
                                [ "--bias"; "group-bridge"; "--group"; "D4"; "--depth"; "2" ], "group-nuclear"
                                [ "--bias"; "group-nuclear"; "--group"; "D4"; "--depth"; "3" ], "no --depth" ] do
                let c, e = bad args
                Expect.equal c 2 $"{args}"
                Expect.stringContains e word $"{args}"
            Directory.Delete(dir, true)

        testCase
            "reference.fsx --kkt --group: the bridge KKT check and the nuclear value gap of a given beta"
        <| fun _ ->
            let dir = tempDir ()
            let csv, data = d4Data dir
            let fourier = GroupFourier(StandardGroups.Dihedral 4)
            let write name (beta: float[]) =
                let path = Path.Combine(dir, name)
                File.WriteAllLines(path, beta |> Array.map (fun v -> v.ToString "R"))
                path
            let run = Run.trainTracked (fun _ _ -> ()) gconvD4L3 data
            let limit = write "limit.csv" run.Limit.Value.Direction
            let code, _, err = captured ReferenceCli.main [ "--data"; csv; "--kkt"; limit; "--group"; "D4"; "--p"; "2/3"
                                                            "--out"; dir ]
            Expect.equal code 0 err
            let kkt = json dir "kkt.json"
            let direct = GroupBridgeKkt.Certify(fourier, data, ReadOnlySpan run.Limit.Value.Direction, 2.0 / 3.0)
            Expect.floatClose Accuracy.high (kkt.GetProperty("kkt_residual").GetDouble()) direct.KktResidual "residual"
            Expect.equal [| for r in kkt.GetProperty("block_ranks").EnumerateArray() -> r.GetInt32() |] direct.Ranks
                "ranks"
            // A point off the limit does not hold (exit 1), for either p.
            let off = write "off.csv" (Array.init 8 (fun i -> run.Limit.Value.Direction[i] + 0.05 * float (i % 3)))
            let code, _, _ = captured ReferenceCli.main [ "--data"; csv; "--kkt"; off; "--group"; "D4"; "--p"; "2/3" ]
            Expect.equal code 1 "off the limit: KKT fails"
            let code, out, _ = captured ReferenceCli.main [ "--data"; csv; "--kkt"; off; "--group"; "D4"; "--p"; "1" ]
            Expect.equal code 1 "off the nuclear optimum: value gap > 0"
            Expect.stringContains out "value_gap" "value gap printed"
            let code, _, err = captured ReferenceCli.main [ "--data"; csv; "--kkt"; limit; "--group"; "C4"; "--p"; "1" ]
            Expect.equal code 2 "|G| != D"
            Expect.stringContains err "C4" "names the group"
            Directory.Delete(dir, true)
    ]
