/// scripts/reference.fsx's command line: files written, statuses, and clear errors for bad input.
module ImplicitBias.Tests.TestReferenceCli

open System.IO
open System.Text.Json
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Reference

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "ib-reference-" + string (System.Guid.NewGuid()))
    Directory.CreateDirectory d |> ignore
    d

[<Tests>]
let tests =
    testList "ReferenceCli" [
        testCase "--bias writes the unit-norm direction and a certificate for every bias" <| fun () ->
            let dir = tempDir ()
            let data = SyntheticData.FourierSparseTeacher(8, 16, 2, 1UL)
            let csv = Path.Combine(dir, "data.csv")
            CsvDataset.Save(data, csv)
            for name, bias in [ "l2", MarginBias.L2; "fourier-l1", MarginBias.FourierL1; "l1", MarginBias.TimeL1 ] do
                let out = Path.Combine(dir, name)
                Expect.equal (ReferenceCli.main [ "--data"; csv; "--bias"; name; "--out"; out ]) 0 $"{name} exit code"
                let beta = File.ReadAllLines(Path.Combine(out, "beta.csv")) |> Array.map (fun l -> float l)
                Expect.equal beta.Length 16 "one value a line"
                Expect.floatClose Accuracy.high (beta |> Array.sumBy (fun v -> v * v)) 1.0 "unit norm"
                let expected = MaxMargin.Solve(data, bias).Direction
                Expect.isLessThan (TestUtil.relativeError beta expected) 1e-9 "the solver's direction"
                use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "certificate.json")))
                let root = json.RootElement
                Expect.equal (root.GetProperty("status").GetString()) "Optimal" "status"
                Expect.equal (root.GetProperty("bias").GetString()) name "bias"
                Expect.isLessThan (root.GetProperty("relative_duality_gap").GetDouble()) 1e-8 "gap"
                Expect.floatClose Accuracy.medium (root.GetProperty("min_margin").GetDouble()) 1.0 "min margin"
                Expect.equal (root.GetProperty("dual").GetArrayLength()) 8 "one alpha per point"

        testCase "non-separable data: exit 1, status NotSeparable, no beta.csv" <| fun () ->
            let dir = tempDir ()
            let csv = Path.Combine(dir, "bad.csv")
            File.WriteAllLines(csv, [| "label,x0,x1"; "1,1,0"; "1,-1,0" |])
            let out = Path.Combine(dir, "out")
            Directory.CreateDirectory out |> ignore
            File.WriteAllText(Path.Combine(out, "beta.csv"), "stale")
            Expect.equal (ReferenceCli.main [ "--data"; csv; "--bias"; "l2"; "--out"; out ]) 1 "exit code"
            Expect.isFalse (File.Exists(Path.Combine(out, "beta.csv"))) "stale beta removed"
            use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "certificate.json")))
            Expect.equal (json.RootElement.GetProperty("status").GetString()) "NotSeparable" "status"

        testCase "bad input gives exit code 2" <| fun () ->
            let dir = tempDir ()
            let csv = Path.Combine(dir, "d.csv")
            CsvDataset.Save(SyntheticData.GaussianTeacher(4, 3, 1UL), csv)
            let out = Path.Combine(dir, "o")
            for args in [ [ "--data"; csv; "--bias"; "l3"; "--out"; out ]
                          [ "--data"; Path.Combine(dir, "missing.csv"); "--bias"; "l2"; "--out"; out ]
                          [ "--bias"; "l2"; "--out"; out ]
                          [ "--data"; csv; "--bias"; "l2" ]
                          [ "--data"; csv; "--bias"; "l2"; "--out"; out; "--unknown"; "1" ]
                          [ "--data"; csv; "--bias"; "l2"; "--out"; out; "--gap-tolerance"; "x" ]
                          [ "--data"; csv; "--bias" ]
                          [ "--data"; csv; "--out"; out ] ] do
                Expect.equal (ReferenceCli.main args) 2 (String.concat " " args)
            Expect.isFalse (Directory.Exists out) "nothing written on bad input"
    ]
