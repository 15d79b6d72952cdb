/// The UCI handwritten digits (core/Engine/Data/DigitsDataset.cs) and the command line's
/// --data digits:A,B[:COUNT] (DataSpec.parse): format checks on small gzip files written here, the
/// task's selection, labels and centring against hand-written expectations, and the real file that
/// Debian's python3-sklearn ships (installed by `dotnet fsi build.fsx -t Test`).
module ImplicitBias.Tests.TestDigitsDataset

open System
open System.IO
open System.IO.Compression
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
/// Writes the lines as a gzip file in a fresh temporary folder.
let private gzipFile (lines: string list) =
    let dir = Path.Combine(Path.GetTempPath(), "ib-digits-" + Guid.NewGuid().ToString("N"))
    Directory.CreateDirectory dir |> ignore
    let path = Path.Combine(dir, "digits.csv.gz")
    use file = File.Create path
    use gzip = new GZipStream(file, CompressionLevel.Optimal)
    use writer = new StreamWriter(gzip)
    for line in lines do writer.WriteLine(line: string)
    path

/// A row of the file's format: 64 pixels then the label.
let private row (pixels: int[]) (digit: int) = String.Join(",", Array.append pixels [| digit |])

/// An image whose pixel i is (i + shift) mod 17.
let private image shift = Array.init 64 (fun i -> (i + shift) % 17)

let private formatError (path: string) f =
    try f () |> ignore; failtest "expected a DataFormatException"
    with :? DataFormatException as e -> e

[<Tests>]
let tests =
    testList "DigitsDataset" [
        test ("a task takes the first COUNT images of each label in file order, labels A +1 and B -1, "
              + "and centres each image") {
            // Rows: 4 (shift 0), 9 (1), 3 (2), 4 (3), 9 (4), 4 (5). Task 4 vs 9, COUNT 2: rows 1, 2, 4, 5.
            let digits = [ 4; 9; 3; 4; 9; 4 ]
            let path = gzipFile (digits |> List.mapi (fun i d -> row (image i) d))
            let data = DigitsDataset.Task(4, 9, Nullable 2, path)
            Expect.equal data.Count 4 "two images of each"
            Expect.equal data.Dimension 64 "8 x 8 pixels"
            Expect.equal (List.ofArray data.Labels) [ 1.0; -1.0; 1.0; -1.0 ] "file order, 4 -> +1, 9 -> -1"
            for n, shift in List.indexed [ 0; 1; 3; 4 ] do
                let pixels = image shift |> Array.map float
                let mean = Array.average pixels
                Expect.sequenceEqual (data.Point(n).ToArray()) (pixels |> Array.map (fun p -> p - mean))
                    $"point {n} is image {shift} minus its mean"
            let all = DigitsDataset.Task(9, 4, Nullable(), path)
            Expect.equal all.Count 5 "all images of 4 and 9 without a count"
            Expect.equal all.Labels[0] -1.0 "the first label, 4, is now B"
        }

        test "bad files are reported with row and column" {
            let good = row (image 0) 1
            let badPixel =
                (image 0 |> Array.map string |> Array.updateAt 10 "17" |> fun a -> String.Join(",", a)) + ",2"
            let e = formatError "" (fun () -> DigitsDataset.ReadAll(gzipFile [ good; badPixel ]))
            Expect.equal (e.Row, e.Column) (2, 11) "pixel 17 is out of 0..16"
            let e = formatError "" (fun () -> DigitsDataset.ReadAll(gzipFile [ good; row (image 0) 10 ]))
            Expect.equal (e.Row, e.Column) (2, 65) "label 10 is not a digit"
            let e = formatError "" (fun () -> DigitsDataset.ReadAll(gzipFile [ good; "1,2,3" ]))
            Expect.equal (e.Row, e.Column) (2, 0) "a short row is the whole row's fault"
            let e = formatError "" (fun () -> DigitsDataset.ReadAll "/nonexistent/digits.csv.gz")
            Expect.stringContains e.Message "python3-sklearn" "a missing file says where it comes from"
            let e = formatError "" (fun () -> DigitsDataset.Task(1, 7, Nullable(), gzipFile [ good ]))
            Expect.stringContains e.Message "digit 7" "a label with no image"
            Expect.throwsT<ArgumentException> (fun () -> DigitsDataset.Task(3, 3) |> ignore) "A = B"
            Expect.throwsT<ArgumentException> (fun () -> DigitsDataset.Task(3, 10) |> ignore) "B out of 0..9"
            Expect.throwsT<ArgumentException> (fun () -> DigitsDataset.Task(3, 8, Nullable 0) |> ignore) "COUNT 0"
        }

        test "--data digits:A,B[:COUNT] parses to the task; anything else is a CSV path" {
            Expect.equal (DataSpec.parse "digits:4,9") (Ok(Digits(4, 9, None))) "all images"
            Expect.equal (DataSpec.parse "digits:3,8:50") (Ok(Digits(3, 8, Some 50))) "50 of each"
            Expect.equal (DataSpec.parse "data/x.csv") (Ok(CsvFile "data/x.csv")) "a path"
            for bad in [ "digits:4,4"; "digits:4"; "digits:4,9:0"; "digits:x,9"; "digits:4,9:5:6"; "digits:4,19";
                         "digits:" ] do
                Expect.isError (DataSpec.parse bad) bad
            Expect.equal (DataSpec.generator (Digits(4, 9, None))) "digits" "the runs table's generator column"
            Expect.notEqual (DataSpec.describe (Digits(4, 9, Some 5))) (DataSpec.describe (Digits(4, 9, Some 6)))
                "the count is part of the hash"
        }

        test "the real file: 1797 images, the class counts, and a task's size" {
            // Class counts from `zcat digits.csv.gz | awk -F, '{print $65}' | sort | uniq -c` on this machine
            // (sklearn's load_digits documents 1797 images, about 180 a class).
            let images = DigitsDataset.ReadAll()
            Expect.equal images.Count 1797 "images"
            let counts = images |> Seq.countBy (fun i -> i.Digit) |> Seq.sortBy fst |> Seq.map snd |> List.ofSeq
            Expect.equal counts [ 178; 182; 177; 183; 181; 182; 181; 179; 174; 180 ] "per class"
            let data = DigitsDataset.Task(4, 9)
            Expect.equal data.Count (181 + 180) "every 4 and 9"
            for n in 0 .. data.Count - 1 do
                let mean = data.Point(n).ToArray() |> Array.average
                Expect.isLessThan (abs mean) 1e-12 $"image {n} is centred"
            match DataSpec.load "digits:3,8:20" with
            | Ok d -> Expect.equal (d.Count, d.Dimension, d.Name) (40, 64, "digits:3,8:20") "through --data"
            | Error e -> failtest e
        }
    
        test "train.fsx trains on --data digits:A,B:COUNT" {
            let out = Path.Combine(Path.GetTempPath(), "ib-digits-run-" + Guid.NewGuid().ToString("N"))
            let code = TrainCli.main [ "--data"; "digits:0,1:5"; "--model"; "linear"; "--steps"; "50"; "--out"; out ]
            Expect.equal code 0 "exit code"
            let summary = Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(out, "summary.json"))).RootElement
            Expect.equal (summary.GetProperty("N").GetInt32(), summary.GetProperty("D").GetInt32()) (10, 64)
                "five 0s and five 1s of 64 pixels"
            Expect.equal (summary.GetProperty("data").GetString()) "digits:0,1:5" "the data's name"
        }
    
        test "reference.fsx solves on --data digits:A,B:COUNT (2-D Fourier-l1 on the 8 x 8 images)" {
            let out = Path.Combine(Path.GetTempPath(), "ib-digits-ref-" + Guid.NewGuid().ToString("N"))
            let code = ReferenceCli.main [ "--data"; "digits:0,1:5"; "--bias"; "fourier-l1"; "--shape"; "8x8";
                                           "--out"; out ]
            Expect.equal code 0 "exit code"
            let beta = File.ReadAllLines(Path.Combine(out, "beta.csv")) |> Array.filter (fun l -> l.Trim() <> "")
            Expect.equal beta.Length 64 "one value a pixel"
        }
    ]
