/// scripts/reference.fsx's command line: files written, statuses, and clear errors for bad input.
module ImplicitBias.Tests.TestReferenceCli

open System.IO
open System.Text.Json
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "ib-reference-" + string (System.Guid.NewGuid()))
    Directory.CreateDirectory d |> ignore
    d

let private biases = [ "l2", MarginBias.L2; "fourier-l1", MarginBias.FourierL1; "l1", MarginBias.TimeL1 ]

/// Saves the data as dir/data.csv; returns the data as read back and the path.
let private writeData dir (data: Dataset) =
    let csv = Path.Combine(dir, "data.csv")
    CsvDataset.Save(data, csv)
    CsvDataset.Load csv, csv

let private readBeta out = File.ReadAllLines(Path.Combine(out, "beta.csv")) |> Array.map float

let private certificate out =
    use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "certificate.json")))
    json.RootElement.Clone()

/// |DFT(v)| by the O(D^2) definition, unitary scaling (independent of UnitaryDft and MarginNorms).
let private naiveMagnitudes (v: float[]) =
    let d = v.Length
    [| for k in 0 .. d - 1 ->
        let re = Seq.sum (seq { for p in 0 .. d - 1 -> v[p] * cos (2.0 * System.Math.PI * float (p * k) / float d) })
        let im = Seq.sum (seq { for p in 0 .. d - 1 -> v[p] * sin (2.0 * System.Math.PI * float (p * k) / float d) })
        sqrt (re * re + im * im) / sqrt (float d) |]

let private ownNorm bias (v: float[]) =
    match bias with
    | MarginBias.L2 -> sqrt (Array.sumBy (fun x -> x * x) v)
    | MarginBias.TimeL1 -> Array.sumBy abs v
    | _ -> Array.sum (naiveMagnitudes v)

let private ownDualNorm bias (v: float[]) =
    match bias with
    | MarginBias.L2 -> sqrt (Array.sumBy (fun x -> x * x) v)
    | MarginBias.TimeL1 -> Array.max (Array.map abs v)
    | _ -> Array.max (naiveMagnitudes v)

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

        testCase "--bias picks the solver: beta.csv is that bias's direction and not another's" <| fun () ->
            let dir = tempDir ()
            let data, csv = writeData dir (SyntheticData.FourierSparseTeacher(8, 16, 2, 1UL))
            let direct = [ for name, bias in biases -> name, MaxMargin.Solve(data, bias).Direction ]
            for name, _ in biases do
                let out = Path.Combine(dir, name)
                Expect.equal (ReferenceCli.main [ "--data"; csv; "--bias"; name; "--out"; out ]) 0 name
                let beta = readBeta out
                for other, expected in direct do
                    let error = TestUtil.relativeError beta expected
                    if other = name then Expect.isLessThan error 1e-9 $"{name}: the {name} solver's direction"
                    else Expect.isGreaterThan error 1e-3 $"{name}: differs from the {other} direction on this set"
                Expect.equal ((certificate out).GetProperty("bias").GetString()) name "certificate names the bias"

        testCase "certificate.json equals a recomputation from the data, beta.csv and the written dual" <| fun () ->
            let dir = tempDir ()
            let data, csv = writeData dir (SyntheticData.GaussianTeacher(9, 12, 4UL))
            for name, bias in biases do
                let out = Path.Combine(dir, name)
                Expect.equal (ReferenceCli.main [ "--data"; csv; "--bias"; name; "--out"; out ]) 0 name
                let u = readBeta out
                let root = certificate out
                let num (field: string) = root.GetProperty(field).GetDouble()
                // Primal: margins of the unit direction from the raw data, scaled to minimum margin 1.
                let margins =
                    [| for n in 0 .. data.Count - 1 -> data.Labels[n] * TestUtil.dot (data.Point(n).ToArray()) u |]
                let mu = Array.min margins
                Expect.isGreaterThan mu 0.0 "beta.csv separates the data"
                let beta = u |> Array.map (fun v -> v / mu)
                let objective = ownNorm bias beta
                Expect.floatClose Accuracy.veryHigh (num "objective") objective
                    $"{name}: objective = ||beta|| of beta.csv at unit margin"
                Expect.floatClose Accuracy.veryHigh (num "normalized_margin_l2") mu $"{name}: normalized margin"
                Expect.floatClose Accuracy.veryHigh (num "beta_norm_l2") (1.0 / mu) $"{name}: ||beta||_2"
                Expect.floatClose Accuracy.veryHigh (num "min_margin") 1.0 $"{name}: min margin"
                // Dual: alpha >= 0, dual feasible, its sum the dual objective; the gap recomputed.
                let alpha = [| for a in root.GetProperty("dual").EnumerateArray() -> a.GetDouble() |]
                Expect.equal alpha.Length data.Count "one alpha per point"
                Expect.isTrue (alpha |> Array.forall (fun a -> a >= 0.0)) "alpha >= 0"
                let g =
                    Array.init data.Dimension (fun d ->
                        Seq.sum (seq { for n in 0 .. data.Count - 1 ->
                                           alpha[n] * data.Labels[n] * data.Features[n * data.Dimension + d] }))
                Expect.isLessThanOrEqual (ownDualNorm bias g) (1.0 + 1e-9) $"{name}: ||Z^T alpha||_* <= 1"
                Expect.floatClose Accuracy.veryHigh (num "dual_objective") (Array.sum alpha)
                    $"{name}: dual objective = sum alpha"
                let gap = (objective - Array.sum alpha) / objective
                Expect.isLessThan (abs (num "relative_duality_gap" - gap)) 1e-12 $"{name}: gap"
                Expect.isLessThan gap 1e-8 $"{name}: certified optimal"
                // Support vectors: the points carrying dual weight, and each is active (margin = the minimum).
                let expectedSupport = [| for n in 0 .. data.Count - 1 do if alpha[n] > 1e-6 * Array.max alpha then n |]
                Expect.equal [| for v in root.GetProperty("support_vectors").EnumerateArray() -> v.GetInt32() |]
                    expectedSupport "support vectors"
                for n in expectedSupport do
                    Expect.floatClose Accuracy.medium margins[n] mu $"{name}: support vector {n} is active"
                Expect.equal (root.GetProperty("N").GetInt32(), root.GetProperty("D").GetInt32())
                    (data.Count, data.Dimension) "N, D"
                Expect.equal (root.GetProperty("data").GetString()) csv "names the data file"

        testCase
            "--gap-tolerance: tighter than the certified gap gives IterationLimit and exit 1, looser gives Optimal"
        <| fun () ->
            let dir = tempDir ()
            let data, csv = writeData dir (SyntheticData.FourierSparseTeacher(8, 16, 2, 1UL))
            let run name (tolerance: string) =
                let out = Path.Combine(dir, $"{name}-{tolerance}")
                let code =
                    ReferenceCli.main [ "--data"; csv; "--bias"; name; "--out"; out; "--gap-tolerance"; tolerance ]
                code, (certificate out).GetProperty("status").GetString(), out
            for name, bias in biases do
                let code, status, out = run name "1e-300"
                Expect.equal (code, status) (1, "IterationLimit") $"{name}: no solve reaches a gap of 1e-300"
                Expect.stringContains ((certificate out).GetProperty("message").GetString()) "tolerance 1.0E-300"
                    "the message states the tolerance"
                Expect.isTrue (File.Exists(Path.Combine(out, "beta.csv"))) "the feasible beta is still written"
                Expect.equal (run name "0.5" |> fun (c, s, _) -> c, s) (0, "Optimal") $"{name}: a loose tolerance"
                // Bracket the certified gap g: g/2 must fail and 2g pass (l2 and l1: the tolerance does not change
                // their iterations).
                if bias <> MarginBias.FourierL1 then
                    let g = MaxMargin.Solve(data, bias).RelativeGap
                    Expect.isGreaterThan g 0.0 "a positive certified gap on this set"
                    let r (x: float) = x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
                    Expect.equal (run name (r (g / 2.0)) |> fun (c, s, _) -> c, s) (1, "IterationLimit")
                        $"{name}: tolerance g/2"
                    Expect.equal (run name (r (2.0 * g)) |> fun (c, s, _) -> c, s) (0, "Optimal")
                        $"{name}: tolerance 2g"
            for bad in [ "0"; "1"; "-1e-3"; "NaN"; "2" ] do
                Expect.equal (ReferenceCli.main [ "--data"; csv; "--bias"; "l2"; "--out"; Path.Combine(dir, "bad")
                                                  "--gap-tolerance"; bad ]) 2 $"--gap-tolerance {bad}"

        testCase "--out: nested folders are created, only beta.csv and certificate.json are left there" <| fun () ->
            let dir = tempDir ()
            let _, csv = writeData dir (SyntheticData.GaussianTeacher(6, 8, 2UL))
            let out = Path.Combine(dir, "a", "b", "c")
            Expect.equal (ReferenceCli.main [ "--data"; csv; "--bias"; "l1"; "--out"; out ]) 0 "exit code"
            Expect.equal (Directory.GetFiles out |> Array.map Path.GetFileName |> Array.sort)
                [| "beta.csv"; "certificate.json" |] "files"
            Expect.equal (Directory.GetFiles dir |> Array.map Path.GetFileName) [| "data.csv" |]
                "nothing written beside --out"

        testCase "--data: the file given is the one solved" <| fun () ->
            let dir = tempDir ()
            let a, csvA = writeData dir (SyntheticData.GaussianTeacher(6, 8, 2UL))
            let b = SyntheticData.GaussianTeacher(7, 8, 3UL)
            let csvB = Path.Combine(dir, "other.csv")
            CsvDataset.Save(b, csvB)
            for data, csv, out in [ a, csvA, "outA"; b, csvB, "outB" ] do
                Expect.equal
                    (ReferenceCli.main [ "--data"; csv; "--bias"; "l2"; "--out"; Path.Combine(dir, out) ]) 0 out
                Expect.isLessThan (TestUtil.relativeError (readBeta (Path.Combine(dir, out)))
                                                          (MaxMargin.Solve(data, MarginBias.L2).Direction)) 1e-9 out
            Expect.isGreaterThan (TestUtil.relativeError (readBeta (Path.Combine(dir, "outA")))
                                                         (readBeta (Path.Combine(dir, "outB")))) 1e-3
                "different data, different beta"

        testCase "a bad data file: exit 2 and the message's file and row reach the user" <| fun () ->
            let dir = tempDir ()
            let csv = Path.Combine(dir, "bad.csv")
            File.WriteAllLines(csv, [| "label,x0"; "1,2"; "3,1" |])
            let err = new StringWriter()
            let old = System.Console.Error
            System.Console.SetError err
            let code =
                try ReferenceCli.main [ "--data"; csv; "--bias"; "l2"; "--out"; Path.Combine(dir, "o") ]
                finally System.Console.SetError old
            Expect.equal code 2 "exit code"
            Expect.stringContains (err.ToString()) $"{csv}, row 3, column 1: label '3'"
                "the error names file, row and column"
    ]
