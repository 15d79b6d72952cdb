/// CSV import (every kind of bad input gets file, row and column) and the seeded generators.
module ImplicitBias.Tests.TestData

open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Tests.TestUtil

let private parse (text: string) = CsvDataset.Parse(text.Split('\n'), "data.csv")

/// Asserts that parsing fails with a message that names the file and contains each fragment.
let private rejects (text: string) (fragments: string list) =
    let e = throws<DataFormatException> (fun () -> parse text |> ignore) "should be rejected"
    for f in "data.csv" :: fragments do
        Expect.stringContains e.Message f $"message: {e.Message}"

[<Tests>]
let tests =
    testList "Data" [
        testCase "parses labels and features, with and without a header" <| fun _ ->
            for text in [ "label,a,b\n1,0.5,2\n-1,3,-4e-1\n"; "1,0.5,2\n-1,3,-4e-1" ] do
                let d = parse text
                Expect.equal (d.Count, d.Dimension) (2, 2) "shape"
                Expect.equal d.Labels [| 1.0; -1.0 |] "labels"
                Expect.equal d.Features [| 0.5; 2.0; 3.0; -0.4 |] "features"

        testCase "a non-number names row and column" <| fun _ -> rejects "1,2,3\n-1,abc,4" [ "row 2"; "column 2"; "'abc'" ]
        testCase "NaN is rejected" <| fun _ -> rejects "1,2,3\n-1,NaN,4" [ "row 2"; "column 2"; "not finite" ]
        testCase "infinity is rejected" <| fun _ -> rejects "1,Infinity,3" [ "row 1"; "column 2"; "not finite" ]
        testCase "a label other than -1/+1 is rejected" <| fun _ -> rejects "x,y\n1,2\n0,3" [ "row 3"; "column 1"; "label '0'" ]
        testCase "rows of different lengths are rejected" <| fun _ -> rejects "1,2,3\n-1,2" [ "row 2"; "2 columns"; "row 1 has 3" ]
        testCase "an empty file is rejected" <| fun _ -> rejects "\n\n" [ "empty" ]
        testCase "a header without rows is rejected" <| fun _ -> rejects "label,x0\n" [ "no data rows" ]
        testCase "no feature columns is rejected" <| fun _ -> rejects "1\n-1" [ "row 1"; "no feature columns" ]
        testCase "a missing file is reported by name" <| fun _ ->
            let e = throws<DataFormatException> (fun () -> CsvDataset.Load "/no/such/file.csv" |> ignore) "missing"
            Expect.stringContains e.Message "/no/such/file.csv" "names the file"

        testCase "save then load round-trips exactly" <| fun _ ->
            let d = SyntheticData.GaussianTeacher(7, 5, 3UL)
            let path = System.IO.Path.GetTempFileName()
            CsvDataset.Save(d, path)
            let back = CsvDataset.Load path
            Expect.equal back.Features d.Features "features"
            Expect.equal back.Labels d.Labels "labels"

        testCase "Gaussian-teacher data is separable by its teacher and seeded" <| fun _ ->
            let mutable teacher = null
            let a = SyntheticData.GaussianTeacher(50, 12, 9UL, &teacher)
            Expect.equal a.Features (SyntheticData.GaussianTeacher(50, 12, 9UL)).Features "same seed, same data"
            Expect.notEqual (SyntheticData.GaussianTeacher(50, 12, 10UL)).Features a.Features "another seed, other data"
            for n in 0 .. a.Count - 1 do
                let m = a.Labels[n] * dot (a.Point(n).ToArray()) teacher
                Expect.isGreaterThan m 0.0 $"point {n} is on its label's side of the teacher"

        testCase "Fourier-sparse teacher: K frequencies (with conjugates) and it separates the data" <| fun _ ->
            for d, k in [ 16, 2; 17, 3; 32, 1 ] do
                let mutable teacher = null
                let data = SyntheticData.FourierSparseTeacher(40, d, k, 4UL, &teacher)
                let nonZero = UnitaryDft.Magnitudes(System.ReadOnlySpan teacher) |> Array.filter (fun m -> m > 1e-12) |> Array.length
                Expect.isLessThanOrEqual nonZero (2 * k) $"D = {d}: at most 2K non-zero coefficients"
                Expect.isGreaterThanOrEqual nonZero k $"D = {d}: at least K non-zero coefficients"
                for n in 0 .. data.Count - 1 do
                    Expect.isGreaterThan (data.Labels[n] * dot (data.Point(n).ToArray()) teacher) 0.0 $"point {n}"
    ]
