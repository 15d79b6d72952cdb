/// Seeded dataset suites: reproducible, covering the dimensions and both generators, separable.
module ImplicitBias.Tests.TestDataSuite

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Reference

let private dims (suite: DataSpec list) = suite |> List.map (DataSuite.size >> Option.get >> snd)

[<Tests>]
let tests =
    testList "DataSuite" [
        testCase "same size and seed give the same list; another seed another list" <| fun () ->
            Expect.equal (DataSuite.create 20 7UL) (DataSuite.create 20 7UL) "same seed"
            Expect.notEqual (DataSuite.create 20 8UL) (DataSuite.create 20 7UL) "another seed"
            Expect.equal DataSuite.quick (DataSuite.create 20 1UL) "quick is seed 1"
            Expect.equal (List.truncate 20 DataSuite.full) DataSuite.quick "full extends quick"
            Expect.equal (DataSuite.quick |> List.map DataSpec.describe |> List.head)
                (DataSpec.describe (DataSuite.create 20 1UL).Head) "same canonical text"

        testCase "sizes: 20 and 60 sets, the requested count, none for 0" <| fun () ->
            Expect.equal DataSuite.quick.Length 20 "quick"
            Expect.equal DataSuite.full.Length 60 "full"
            Expect.equal (DataSuite.create 7 3UL).Length 7 "requested"
            Expect.isEmpty (DataSuite.create 0 3UL) "empty"

        testCase "D cycles through 8, 12, 16, 24, 32, including dimensions that are not powers of two" <| fun () ->
            Expect.equal (dims DataSuite.full) (List.replicate 12 [ 8; 12; 16; 24; 32 ] |> List.concat) "cycle"
            let notPowerOfTwo d = d &&& (d - 1) <> 0
            Expect.isGreaterThanOrEqual (dims DataSuite.quick |> List.filter notPowerOfTwo |> List.length) 8
                "D = 12 and 24, four times each"

        testCase "N lies in max(2, D/4) .. D and reaches both ends" <| fun () ->
            let many = DataSuite.create 5000 11UL
            for spec in many do
                let n, d = (DataSuite.size spec).Value
                Expect.isTrue (n >= max 2 (d / 4) && n <= d) $"{DataSpec.describe spec}"
            for d in DataSuite.dimensions do
                let ns =
                    many |> List.choose DataSuite.size |> List.filter (fun (_, dd) -> dd = d) |> List.map fst |> set
                Expect.equal ns (set [ max 2 (d / 4) .. d ]) $"D = {d}: every N from D/4 to D occurs"

        testCase "the generators alternate, Fourier-sparse with 1..3 frequencies, each set with its own seed"
        <| fun () ->
            let suite = DataSuite.create 600 5UL
            suite |> List.iteri (fun i spec ->
                match i % 2, spec with
                | 0, GaussianTeacher _ -> ()
                | 1, FourierSparseTeacher(_, _, k, _) -> Expect.isTrue (k >= 1 && k <= 3) $"K = {k}"
                | _ -> failtestf "set %d is %s" i (DataSpec.describe spec))
            let ks = suite |> List.choose (function FourierSparseTeacher(_, _, k, _) -> Some k | _ -> None) |> set
            Expect.equal ks (set [ 1; 2; 3 ]) "every K occurs"
            let seeds =
                DataSuite.full
                |> List.map (function GaussianTeacher(_, _, s) | FourierSparseTeacher(_, _, _, s) -> s
                                    | CsvFile _ | Digits _ -> 0UL)
            Expect.equal (List.distinct seeds).Length seeds.Length "distinct data seeds"
            let byGenerator = DataSuite.quick |> List.countBy DataSpec.generator |> Map.ofList
            Expect.equal byGenerator (Map.ofList [ "gaussian-teacher", 10; "fourier-sparse-teacher", 10 ])
                "both generators, half each"

        testCase "every set of the full suite is generated at its size and is separable (l2 max margin Optimal)"
        <| fun () ->
            for spec in DataSuite.full do
                let data = DataSpec.create spec
                let n, d = (DataSuite.size spec).Value
                Expect.equal (data.Count, data.Dimension) (n, d) (DataSpec.describe spec)
                let s = L2MaxMargin.Solve data
                Expect.equal s.Status SolverStatus.Optimal $"{DataSpec.describe spec}: {s.Message}"
                // Independent of the solver's own certificate: its beta separates the data.
                let margins = Certificate.Margins(data, System.ReadOnlySpan s.Beta)
                Expect.isGreaterThan (Array.min margins) 0.0 "separates"
    ]
