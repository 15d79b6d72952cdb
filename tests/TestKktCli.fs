/// The --kkt mode of scripts/reference.fsx, run on files in a temporary folder.
module ImplicitBias.Tests.TestKktCli

open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestBridgeLocalSolver

let private temp () =
    let dir = Path.Combine(Path.GetTempPath(), $"kkt-cli-{System.Guid.NewGuid():N}")
    Directory.CreateDirectory dir |> ignore
    dir

[<Tests>]
let tests =
    testList "KktCli" [
        testCase "certifies a local solution from files and writes kkt.json" <| fun () ->
            let dir = temp ()
            let data = separable 10 8 61UL
            let sol = BridgeLocalSolver.Solve(data, 2.0 / 3.0, PenaltyDomain.Fourier, System.ReadOnlySpan(TestUtil.gaussian 62UL 8))
            let dataPath, betaPath = Path.Combine(dir, "data.csv"), Path.Combine(dir, "beta.csv")
            CsvDataset.Save(data, dataPath)
            File.WriteAllLines(betaPath, sol.Beta |> Array.map (fun v -> v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
            let code = KktCli.main [ "--data"; dataPath; "--kkt"; betaPath; "--p"; "2/3"; "--domain"; "fourier"; "--active-tol"; "1e-6"; "--support-tol"; "1e-6"; "--out"; dir ]
            Expect.equal code 0 "exit code"
            use doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "kkt.json")))
            let root = doc.RootElement
            Expect.isLessThan (root.GetProperty("residual").GetDouble()) 1e-6 "residual in the file"
            Expect.equal (root.GetProperty("domain").GetString()) "fourier" "domain"
            let direct = BridgeStationarity.Certify(data, System.ReadOnlySpan sol.Beta, 2.0 / 3.0, PenaltyDomain.Fourier, StationarityOptions(1e-6, 1e-6))
            Expect.equal (root.GetProperty("active_set").GetArrayLength()) direct.ActiveSet.Length "same active set as the library"
            Directory.Delete(dir, true)
        testCase "p is a number or a fraction in (0, 1]" <| fun () ->
            Expect.equal (KktCli.parseP "2/3") (Ok(2.0 / 3.0)) "fraction"
            Expect.equal (KktCli.parseP "0.5") (Ok 0.5) "number"
            Expect.isError (KktCli.parseP "3") "p > 1"
            Expect.isError (KktCli.parseP "x") "not a number"
        testCase "bad input gives exit code 2" <| fun () ->
            Expect.equal (KktCli.main [ "--data"; "missing.csv"; "--kkt"; "missing.csv"; "--p"; "1"; "--domain"; "time" ]) 2 "missing files"
            Expect.equal (KktCli.main [ "--data"; "a.csv"; "--p"; "1" ]) 2 "missing flags"
            Expect.equal (KktCli.main [ "--domain"; "space" ]) 2 "bad domain"
    ]
