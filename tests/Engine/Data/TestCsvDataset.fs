/// CSV import (every kind of bad input gets file, row and column) and the Dataset constructor's checks.
module ImplicitBias.Tests.TestCsvDataset

open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Tests.TestUtil

let private parse (text: string) = CsvDataset.Parse(text.Split('\n'), "data.csv")

/// Asserts that parsing fails with a message that names the file and contains each fragment.
let private rejects (text: string) (fragments: string list) =
    let e = throws<DataFormatException> (fun () -> parse text |> ignore) "should be rejected"
    for f in "data.csv" :: fragments do
        Expect.stringContains e.Message f $"message: {e.Message}"

[<Tests>]
let tests =
    testList "CsvDataset" [
        testCase "parses labels and features, with and without a header" <| fun _ ->
            for text in [ "label,a,b\n1,0.5,2\n-1,3,-4e-1\n"; "1,0.5,2\n-1,3,-4e-1" ] do
                let d = parse text
                Expect.equal (d.Count, d.Dimension) (2, 2) "shape"
                Expect.equal d.Labels [| 1.0; -1.0 |] "labels"
                Expect.equal d.Features [| 0.5; 2.0; 3.0; -0.4 |] "features"

        testCase "a non-number names row and column" <| fun _ ->
            rejects "1,2,3\n-1,abc,4" [ "row 2"; "column 2"; "'abc'" ]

        testCase "NaN is rejected" <| fun _ -> rejects "1,2,3\n-1,NaN,4" [ "row 2"; "column 2"; "not finite" ]

        testCase "infinity is rejected" <| fun _ -> rejects "1,Infinity,3" [ "row 1"; "column 2"; "not finite" ]

        testCase "a label other than -1/+1 is rejected" <| fun _ ->
            rejects "x,y\n1,2\n0,3" [ "row 3"; "column 1"; "label '0'" ]

        testCase "rows of different lengths are rejected" <| fun _ ->
            rejects "1,2,3\n-1,2" [ "row 2"; "2 columns"; "row 1 has 3" ]

        testCase "an empty file is rejected" <| fun _ -> rejects "\n\n" [ "data.csv: is empty" ]

        testCase "a header without rows is rejected" <| fun _ ->
            rejects "label,x0\n" [ "data.csv: has a header but no data rows" ]

        testCase "no feature columns is rejected" <| fun _ -> rejects "1\n-1" [ "row 1"; "no feature columns" ]

        testCase "every label other than -1/+1 is rejected at its row, column 1, quoting the text" <| fun _ ->
            for label in [ "2"; "0"; "1.5"; "+2"; "-3"; "-0"; "0.999999" ] do
                rejects $"x,y\n1,2\n{label},3\n-1,4" [ "row 3"; "column 1"; $"label '{label}'"; "not -1 or +1" ]

        testCase "-1 and +1 in any spelling are labels" <| fun _ ->
            for label, value in [ "1", 1.0; "+1", 1.0; "-1", -1.0; "1.0", 1.0; "-1e0", -1.0; " -1.00 ", -1.0;
                                  "1E+0", 1.0 ] do
                let d = parse $"{label},5\n-1,6"
                Expect.equal d.Labels [| value; -1.0 |] $"label '{label}'"

        testCase "non-number, NaN and infinity name file, row and column; the label column too" <| fun _ ->
            rejects "label,a,b\n1,2,3\n-1,4,5\n1,6,x7" [ "row 4"; "column 3"; "'x7'"; "not a number" ]
            rejects "1,2,3\n-1,4,-Infinity" [ "row 2"; "column 3"; "'-Infinity'"; "not finite" ]
            rejects "1,2,3\nNaN,4,5" [ "row 2"; "column 1"; "'NaN'"; "not finite" ]
            rejects "1,2,3\n\n-1,4,\n" [ "row 3"; "column 3"; "''"; "not a number" ]

        testCase "rows are counted as lines of the file, blank lines included" <| fun _ ->
            rejects "label,a\n\n1,2\n\n-1,2,3" [ "row 5"; "3 columns"; "row 1 has 2" ] // the header sets the width

        testCase "a row whose Euclidean norm overflows a double is rejected with the file and row" <| fun _ ->
            // ||(1.5e308, 1.5e308)|| = 2.1e308 > 1.8e308 = double.MaxValue; each entry alone is finite.
            let e =
                throws<DataFormatException> (fun () -> parse "1,1,2\n-1,1.5e308,-1.5e308\n1,3,4" |> ignore) "overflow"
            Expect.equal (e.File, e.Row, e.Column) ("data.csv", 2, 0) "file and row (the whole row is at fault)"
            for f in [ "data.csv, row 2:"; "Euclidean norm"; "overflows" ] do
                Expect.stringContains e.Message f e.Message
            // Four entries of 1e308: norm 2e308, also out of range.
            rejects "-1,1e308,1e308,1e308,1e308" [ "row 1"; "overflows" ]

        testCase "large rows whose norm fits are accepted and their norm computed without overflow" <| fun _ ->
            // ||(1e308, 1e308)|| = 1.414e308 fits in a double although 1e308^2 does not.
            let d = parse "1,1e308,1e308\n-1,1e200,0"
            Expect.floatClose Accuracy.high (d.MaxPointNorm()) (sqrt 2.0 * 1e308) "max point norm, finite"
            Expect.floatClose Accuracy.high (Dataset.EuclideanNorm(System.ReadOnlySpan [| 3e-200; 4e-200 |])) 5e-200
                "tiny entries do not underflow"
            Expect.equal (Dataset.EuclideanNorm(System.ReadOnlySpan [| 3.0; 4.0 |])) 5.0 "ordinary rows"
            Expect.equal (Dataset.EuclideanNorm(System.ReadOnlySpan [| 0.0; 0.0 |])) 0.0 "zero row"

        testCase "Dataset constructor: an overflowing norm is an ArgumentException naming the point" <| fun _ ->
            let features = [| 1.0; 2.0; 1.5e308; 1.5e308; 3.0; 4.0 |]
            let e = throws<System.ArgumentException>
                        (fun () -> Dataset(features, [| 1.0; -1.0; 1.0 |], 2, "my-set") |> ignore) "overflow"
            for f in [ "my-set"; "point 1"; "overflows" ] do Expect.stringContains e.Message f e.Message
            Dataset([| 1.0; 2.0; 1e308; 1e308 |], [| 1.0; -1.0 |], 2, "fits") |> ignore

        testCase "Dataset constructor: bad label or value names the point" <| fun _ ->
            let e = throws<System.ArgumentException>
                        (fun () -> Dataset([| 1.0; 2.0 |], [| 1.0; 2.0 |], 1, "s") |> ignore) "label"
            for f in [ "s:"; "point 1"; "label 2" ] do Expect.stringContains e.Message f e.Message
            let e = throws<System.ArgumentException>
                        (fun () -> Dataset([| 1.0; nan |], [| 1.0; -1.0 |], 1, "s") |> ignore) "NaN"
            for f in [ "point 1"; "feature 0"; "not finite" ] do Expect.stringContains e.Message f e.Message

        testCase "the file named in errors is the path given to Load" <| fun _ ->
            let path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"bad-labels-{System.Guid.NewGuid():N}.csv")
            System.IO.File.WriteAllText(path, "label,x\n1,2\n2,3\n")
            let e = throws<DataFormatException> (fun () -> CsvDataset.Load path |> ignore) "label 2"
            Expect.stringStarts e.Message $"{path}, row 3, column 1:" e.Message
            System.IO.File.Delete path

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
    ]
