/// scripts/reference.fsx with the flags of issue 10: --bias kernel:K, kernel:K1xK2 --shape MxN and
/// fourier-l1 --shape MxN. Each flag changes the answer (a test fails if it is ignored).
module ImplicitBias.Tests.TestReferenceCliGrid

open System
open System.IO
open System.Text.Json
open Expecto
open MathNet.Numerics.LinearAlgebra
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Tests.TestUtil

let private tempDir () =
    let d = Path.Combine(Path.GetTempPath(), "ib-reference-grid-" + string (Guid.NewGuid()))
    Directory.CreateDirectory d |> ignore
    d

let private setup n d seed =
    let dir = tempDir ()
    let csv = Path.Combine(dir, "data.csv")
    CsvDataset.Save(SyntheticData.GaussianTeacher(n, d, seed), csv)
    dir, CsvDataset.Load csv, csv

let private run (args: string list) = ReferenceCli.main args

let private readBeta out = File.ReadAllLines(Path.Combine(out, "beta.csv")) |> Array.map float

let private certificate out =
    use json = JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "certificate.json")))
    json.RootElement.Clone()

[<Tests>]
let tests =
    testList "ReferenceCliGrid" [
        testCase
            "--bias kernel:K writes the R_K direction; K matters and it is neither the l2 nor the Fourier-l1 direction"
        <| fun () ->
            let dir, data, csv = setup 6 12 21UL
            let direction k = KernelNormMaxMargin.Solve(data, Grid.Line 12, KernelSize.Line k).Direction
            let outs = [ for k in [ 2; 4 ] -> k, Path.Combine(dir, $"k{k}") ]
            for k, out in outs do
                Expect.equal (run [ "--data"; csv; "--bias"; $"kernel:{k}"; "--out"; out ]) 0 $"kernel:{k} exit code"
                Expect.isLessThan (relativeError (readBeta out) (direction k)) 1e-9
                    $"kernel:{k}: the solver's direction"
                let root = certificate out
                Expect.equal (root.GetProperty("bias").GetString()) $"kernel:{k}" "bias"
                Expect.equal (root.GetProperty("status").GetString()) "Optimal" "status"
            Expect.isGreaterThan (relativeError (readBeta (snd outs.[0])) (readBeta (snd outs.[1]))) 1e-3
                "kernel:2 and kernel:4 differ"
            for other in [ L2MaxMargin.Solve(data).Direction; FourierL1MaxMargin.Solve(data).Direction ] do
                Expect.isGreaterThan (relativeError (readBeta (snd outs.[0])) other) 1e-3 "not another bias's direction"

        testCase "kernel certificate.json: the written factor, dual and gap recompute from the data" <| fun () ->
            let dir, data, csv = setup 7 10 22UL
            let out = Path.Combine(dir, "k3")
            Expect.equal (run [ "--data"; csv; "--bias"; "kernel:3"; "--out"; out ]) 0 "exit code"
            let root = certificate out
            let rows =
                [| for r in root.GetProperty("factor").EnumerateArray() ->
                     [| for v in r.EnumerateArray() -> v.GetDouble() |] |]
            Expect.equal (rows.Length, rows.[0].Length) (3, 10) "factor is |K| x D"
            let z = Matrix<float>.Build.DenseOfRowArrays rows
            // A_K(Z)[j] = D^-1/2 sum_k Z[k, (j-k) mod D], written out here.
            let beta =
                Array.init 10 (fun j ->
                    Seq.sum (seq { for k in 0 .. 2 -> z.[k, ((j - k) % 10 + 10) % 10] }) / sqrt 10.0)
            let u = readBeta out
            Expect.isLessThan (relativeError (Array.map (fun v -> v / sqrt (dot beta beta)) beta) u) 1e-12
                "beta.csv is A_K(factor), normalized"
            let margins = Array.init data.Count (fun n -> data.Labels.[n] * dot (data.Point(n).ToArray()) beta)
            Expect.floatClose Accuracy.high (Array.min margins) 1.0 "unit minimum margin"
            let objective = 2.0 * (z.Svd(false).S |> Seq.sum)
            Expect.floatClose Accuracy.veryHigh (root.GetProperty("objective").GetDouble()) objective
                "objective = 2 ||Z||_*"
            let alpha = [| for a in root.GetProperty("dual").EnumerateArray() -> a.GetDouble() |]
            let g =
                Array.init 10 (fun i ->
                    Seq.sum (seq { for n in 0 .. data.Count - 1 ->
                                       alpha.[n] * data.Labels.[n] * data.Features.[n * 10 + i] }))
            let adjoint = Matrix<float>.Build.Dense(3, 10, fun k i -> g.[(i + k) % 10] / sqrt 10.0)
            Expect.isLessThanOrEqual (adjoint.Svd(false).S |> Seq.max) (2.0 + 1e-9) "dual feasible"
            let gap = (objective - Array.sum alpha) / objective
            Expect.isLessThan (abs (gap - root.GetProperty("relative_duality_gap").GetDouble())) 1e-12 "gap"
            Expect.isLessThanOrEqual gap 1e-8 "certified"

        testCase "--bias kernel:K1xK2 --shape MxN: the 2-D problem, and the shape is not ignored" <| fun () ->
            let dir, data, csv = setup 8 12 23UL
            let outA, outB = Path.Combine(dir, "3x4"), Path.Combine(dir, "4x3")
            Expect.equal (run [ "--data"; csv; "--bias"; "kernel:2x2"; "--shape"; "3x4"; "--out"; outA ]) 0 "3x4"
            Expect.equal (run [ "--data"; csv; "--bias"; "kernel:2x2"; "--shape"; "4x3"; "--out"; outB ]) 0 "4x3"
            let expected = KernelNormMaxMargin.Solve(data, Grid(3, 4), KernelSize(2, 2)).Direction
            Expect.isLessThan (relativeError (readBeta outA) expected) 1e-9 "the 3x4 solution"
            Expect.isGreaterThan (relativeError (readBeta outA) (readBeta outB)) 1e-3 "3x4 and 4x3 differ"
            Expect.equal ((certificate outA).GetProperty("shape").GetString()) "3x4" "shape recorded"
            Expect.equal ((certificate outA).GetProperty("bias").GetString()) "kernel:2x2" "bias recorded"

        testCase "--bias fourier-l1 --shape MxN: the 2-D Fourier-l1 solution, not the 1-D one" <| fun () ->
            let dir, data, csv = setup 8 12 24UL
            let out2, out1 = Path.Combine(dir, "2d"), Path.Combine(dir, "1d")
            Expect.equal (run [ "--data"; csv; "--bias"; "fourier-l1"; "--shape"; "3x4"; "--out"; out2 ]) 0 "2-D"
            Expect.equal (run [ "--data"; csv; "--bias"; "fourier-l1"; "--out"; out1 ]) 0 "1-D"
            Expect.isLessThan (relativeError (readBeta out2) (FourierL1MaxMargin.Solve(data, Grid(3, 4)).Direction))
                1e-9 "the 2-D solver's direction"
            Expect.isGreaterThan (relativeError (readBeta out2) (readBeta out1)) 1e-3 "differs from 1-D"
            Expect.equal ((certificate out2).GetProperty("shape").GetString()) "3x4" "shape recorded"
            Expect.equal ((certificate out1).GetProperty("shape").ValueKind) JsonValueKind.Null "1-D: no shape"

        testCase "bad grid and kernel flags give exit code 2 and write nothing" <| fun () ->
            let dir, _, csv = setup 4 12 25UL
            let out = Path.Combine(dir, "o")
            for args in [ [ "--bias"; "kernel:2"; "--shape"; "5x5" ]          // 25 != 12
                          [ "--bias"; "l2"; "--shape"; "3x4" ]                // l2 does not see the shape
                          [ "--bias"; "l1"; "--shape"; "3x4" ]
                          [ "--bias"; "kernel:2x2" ]                          // 2-D kernel without --shape
                          [ "--bias"; "kernel:3"; "--shape"; "3x4" ]          // 1-D kernel on images
                          [ "--bias"; "kernel:0" ]
                          [ "--bias"; "kernel:13" ]                           // larger than D
                          [ "--bias"; "kernel:4x2"; "--shape"; "3x4" ]        // larger than the grid
                          [ "--bias"; "kernel:x" ]
                          [ "--bias"; "fourier-l1"; "--shape"; "3by4" ]
                          [ "--bias"; "fourier-l1"; "--shape"; "0x12" ] ] do
                Expect.equal (run ([ "--data"; csv; "--out"; out ] @ args)) 2 (String.concat " " args)
            Expect.isFalse (Directory.Exists out) "nothing written on bad input"
    ]
