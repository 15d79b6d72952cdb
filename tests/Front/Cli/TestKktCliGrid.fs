/// The --kkt mode with --shape MxN (issue 10): the 2-D stationarity certificate of eq. (11)-(13).
module ImplicitBias.Tests.TestKktCliGrid

open System
open System.IO
open System.Globalization
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestKktCli

/// A 3x4 data set and its certified 2-D bridge limit for p = 2/3 (depth 3), written beside it.
let private setup dir =
    let data = SyntheticData.GaussianTeacher(6, 12, 81UL)
    let grid = Grid(3, 4)
    let limit =
        CertifiedLimit.Find(data, LimitKind.FourierBridge, 2.0 / 3.0, ReadOnlySpan(L2MaxMargin.Solve(data).Beta),
                            grid, KernelSize.Full grid)
    let dataPath, betaPath = Path.Combine(dir, "data.csv"), Path.Combine(dir, "beta.csv")
    CsvDataset.Save(data, dataPath)
    File.WriteAllLines(betaPath, limit.Direction |> Array.map (fun v -> v.ToString("R", CultureInfo.InvariantCulture)))
    CsvDataset.Load dataPath, dataPath, limit, betaPath

[<Tests>]
let tests =
    testList "KktCliGrid" [
        testCase
            ("--shape MxN: kkt.json is the 2-D certificate (BridgeStationarity on the grid), and differs from the "
             + "1-D one") <| fun () ->
            let dir = temp ()
            let data, dataPath, limit, betaPath = setup dir
            Expect.equal limit.Status LimitStatus.Certified limit.Message
            let out2, out1 = Path.Combine(dir, "2d"), Path.Combine(dir, "1d")
            let args = [ "--data"; dataPath; "--kkt"; betaPath; "--p"; "2/3"; "--domain"; "fourier"
                         "--active-tol"; "1e-6"; "--support-tol"; "1e-6" ]
            Expect.equal (ReferenceCli.main (args @ [ "--shape"; "3x4"; "--out"; out2 ])) 0 "2-D"
            Expect.equal (ReferenceCli.main (args @ [ "--out"; out1 ])) 0 "1-D"
            let r2, r1 = kkt out2, kkt out1
            let direct =
                BridgeStationarity.Certify(data, ReadOnlySpan limit.Direction, 2.0 / 3.0, PenaltyDomain.Fourier,
                                           Grid(3, 4), StationarityOptions(1e-6, 1e-6))
            Expect.floatClose Accuracy.veryHigh (r2.GetProperty("residual").GetDouble()) direct.Residual
                "the 2-D certificate's residual"
            Expect.isLessThan (r2.GetProperty("residual").GetDouble()) 1e-6
                "a 2-D stationary point passes the 2-D certificate"
            Expect.isGreaterThan (r1.GetProperty("residual").GetDouble()) 1e-4
                "and fails the 1-D one (the shape is not ignored)"
            Expect.equal (r2.GetProperty("shape").GetString()) "3x4" "shape recorded"
            Expect.equal (r1.GetProperty("shape").GetString()) "12" "1-D shape recorded"
            Expect.equal [| for v in r2.GetProperty("support").EnumerateArray() -> v.GetInt32() |] direct.Support
                "support: flat 2-D frequencies"
            Directory.Delete(dir, true)

        testCase "--shape: bad values and --domain time give exit code 2" <| fun () ->
            let dir = temp ()
            let _, dataPath, _, betaPath = setup dir
            let args = [ "--data"; dataPath; "--kkt"; betaPath; "--p"; "2/3" ]
            for extra in [ [ "--domain"; "fourier"; "--shape"; "5x5" ]; [ "--domain"; "fourier"; "--shape"; "3x" ]
                           [ "--domain"; "time"; "--shape"; "3x4" ]; [ "--domain"; "fourier"; "--shape"; "12" ] ] do
                Expect.equal (ReferenceCli.main (args @ extra)) 2 (String.concat " " extra)
            Directory.Delete(dir, true)
    ]
