/// scripts/make-data.fsx's command line (core/Front/Cli/DataCli.fs): every seed the toolkit prints is
/// accepted, and the CSV it writes is the engine generator's set bit for bit.
module ImplicitBias.Tests.TestDataCli

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data

open ImplicitBias.Engine.Fourier
/// Seeds at the edges of the ranges a parser could get wrong: 0, above 2^31, above 2^63, 2^64 - 1, and a
/// seed the quick report's suite prints.
let seeds = [ 0UL; 3_000_000_000UL; 9_223_372_036_854_775_809UL; UInt64.MaxValue; 7_737_694_440_164_836_961UL ]

/// The bits of every label and feature of a dataset, with its shape.
let bits (data: Dataset) =
    data.Count, data.Dimension, Array.map BitConverter.DoubleToInt64Bits data.Labels,
    Array.map BitConverter.DoubleToInt64Bits data.Features

/// Runs make-data's command line with `--out` a fresh file name; returns the exit code and the file.
let makeData (args: string list) =
    let out = Path.Combine(Path.GetTempPath(), $"ib-data-{Guid.NewGuid():N}.csv")
    DataCli.main (args @ [ "--out"; out ]), out

[<Tests>]
let tests =
    testList "DataCli" [
        testCase
            "seeds 0, above 2^31, above 2^63 and 2^64 - 1 give the engine generator's set, bit for bit through the CSV"
        <| fun _ ->
            for seed in seeds do
                for kind, expected in [ "gaussian", SyntheticData.GaussianTeacher(20, 32, seed)
                                        "fourier-sparse", SyntheticData.FourierSparseTeacher(20, 32, 3, seed) ] do
                    let code, out =
                        makeData [ "--kind"; kind; "--n"; "20"; "--d"; "32"; "--k"; "3"; "--seed"; string seed ]
                    Expect.equal code 0 $"{kind} seed {seed}: exit code"
                    Expect.equal (bits (CsvDataset.Load out)) (bits expected)
                        $"{kind} seed {seed}: the CSV holds the generator's bits"

        testCase
            ("a seed that is negative, not a whole number or above 2^64 - 1 is refused, naming --seed, the text "
             + "and the range") <| fun _ ->
            for text in [ "-1"; "-0"; "+3"; "abc"; "1.5"; "1e3"; ""; " 7"; "18446744073709551616"
                          "99999999999999999999999" ] do
                let code, out = makeData [ "--seed"; text ]
                Expect.equal code 2 $"'{text}': exit code"
                Expect.isFalse (File.Exists out) $"'{text}': no file written"
                match DataCli.parse [ "--seed"; text; "--out"; "x.csv" ] with
                | Ok _ -> failtestf "'%s' accepted" text
                | Error e ->
                    for part in [ "--seed"; $"'{text}'"; "18446744073709551615" ] do
                        Expect.stringContains e part $"'{text}': the error names it"

        testCase "DataSpec.generatorArguments is read back by DataCli.parse; none for digits or CSV" <| fun _ ->
            for seed in seeds do
                for spec in [ GaussianTeacher(7, 12, seed); FourierSparseTeacher(9, 16, 2, seed) ] do
                    match DataSpec.generatorArguments spec "f.csv" with
                    | Some args -> Expect.equal (DataCli.parse args) (Ok(spec, "f.csv")) $"{DataSpec.describe spec}"
                    | None -> failtestf "no arguments for %s" (DataSpec.describe spec)
            for spec in [ Digits(4, 9, Some 10); CsvFile "a.csv" ] do
                Expect.isNone (DataSpec.generatorArguments spec "f.csv") $"{spec}"

        testCase "the defaults: a Gaussian teacher, N = 10, D = 32, seed 1" <| fun _ ->
            Expect.equal (DataCli.parse [ "--out"; "f.csv" ]) (Ok(GaussianTeacher(10, 32, 1UL), "f.csv")) "defaults"
            Expect.isError (DataCli.parse [ "--kind"; "uniform"; "--out"; "f.csv" ]) "unknown kind"
            Expect.isError (DataCli.parse [ "--n"; "0"; "--out"; "f.csv" ]) "N >= 1"
            Expect.isError (DataCli.parse [ "--seed"; "1" ]) "--out is required"
    ]
