/// The --kkt mode of scripts/reference.fsx, run on files in a temporary folder.
module ImplicitBias.Tests.TestKktCli

open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestBridgeLocalSolver

let temp () =
    let dir = Path.Combine(Path.GetTempPath(), $"kkt-cli-{System.Guid.NewGuid():N}")
    Directory.CreateDirectory dir |> ignore
    dir

let kkt dir =
    use doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "kkt.json")))
    doc.RootElement.Clone()

let private ints (root: System.Text.Json.JsonElement) (field: string) =
    [| for v in root.GetProperty(field).EnumerateArray() -> v.GetInt32() |]

/// A separating beta whose certificates differ for every (p, domain) below: the l2 max-margin
/// direction (six active points, residuals 0.23 to 0.55), written beside the data.
let private l2Setup dir =
    let data = separable 10 8 61UL
    let beta = ImplicitBias.Engine.Reference.L2MaxMargin.Solve(data).Direction
    let dataPath, betaPath = Path.Combine(dir, "data.csv"), Path.Combine(dir, "beta.csv")
    CsvDataset.Save(data, dataPath)
    File.WriteAllLines(
        betaPath, beta |> Array.map (fun v -> v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
    CsvDataset.Load dataPath, dataPath, beta, betaPath

[<Tests>]
let tests =
    testList "KktCli" [
        testCase "certifies a local solution from files and writes kkt.json" <| fun () ->
            let dir = temp ()
            let data = separable 10 8 61UL
            let sol = BridgeLocalSolver.Solve(data, 2.0 / 3.0, PenaltyDomain.Fourier,
                                              System.ReadOnlySpan(TestUtil.gaussian 62UL 8))
            let dataPath, betaPath = Path.Combine(dir, "data.csv"), Path.Combine(dir, "beta.csv")
            CsvDataset.Save(data, dataPath)
            File.WriteAllLines(
                betaPath,
                sol.Beta |> Array.map (fun v -> v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
            let code = KktCli.main [ "--data"; dataPath; "--kkt"; betaPath; "--p"; "2/3"; "--domain"; "fourier"
                                     "--active-tol"; "1e-6"; "--support-tol"; "1e-6"; "--out"; dir ]
            Expect.equal code 0 "exit code"
            use doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "kkt.json")))
            let root = doc.RootElement
            Expect.isLessThan (root.GetProperty("residual").GetDouble()) 1e-6 "residual in the file"
            Expect.equal (root.GetProperty("domain").GetString()) "fourier" "domain"
            let direct =
                BridgeStationarity.Certify(data, System.ReadOnlySpan sol.Beta, 2.0 / 3.0, PenaltyDomain.Fourier,
                                           StationarityOptions(1e-6, 1e-6))
            Expect.equal (root.GetProperty("active_set").GetArrayLength()) direct.ActiveSet.Length
                "same active set as the library"
            Directory.Delete(dir, true)
        testCase "p is a number or a fraction in (0, 1]" <| fun () ->
            Expect.equal (KktCli.parseP "2/3") (Ok(2.0 / 3.0)) "fraction"
            Expect.equal (KktCli.parseP "0.5") (Ok 0.5) "number"
            Expect.isError (KktCli.parseP "3") "p > 1"
            Expect.isError (KktCli.parseP "x") "not a number"
        testCase "bad input gives exit code 2" <| fun () ->
            Expect.equal (KktCli.main [ "--data"; "missing.csv"; "--kkt"; "missing.csv"; "--p"; "1"
                                        "--domain"; "time" ]) 2 "missing files"
            Expect.equal (KktCli.main [ "--data"; "a.csv"; "--p"; "1" ]) 2 "missing flags"
            Expect.equal (KktCli.main [ "--domain"; "space" ]) 2 "bad domain"

        testCase
            "--p and --domain select the certificate: kkt.json equals BridgeStationarity.Certify for each"
        <| fun () ->
            let dir = temp ()
            let data, dataPath, beta, betaPath = l2Setup dir
            let combos = [ "1", 1.0, "time", PenaltyDomain.Time; "1", 1.0, "fourier", PenaltyDomain.Fourier
                           "2/3", 2.0 / 3.0, "time", PenaltyDomain.Time
                           "2/3", 2.0 / 3.0, "fourier", PenaltyDomain.Fourier
                           "0.4", 0.4, "fourier", PenaltyDomain.Fourier ]
            let residuals =
                [ for pText, p, domainText, domain in combos ->
                    let out = Path.Combine(dir, $"{domainText}-{p}")
                    // Through scripts/reference.fsx's entry point, as a user runs it.
                    Expect.equal
                        (ReferenceCli.main [ "--data"; dataPath; "--kkt"; betaPath; "--p"; pText; "--domain"; domainText
                                             "--out"; out ]) 0 $"{pText} {domainText}"
                    let root = kkt out
                    let direct = BridgeStationarity.Certify(data, System.ReadOnlySpan beta, p, domain,
                                                            StationarityOptions.Default)
                    Expect.equal direct.Outcome CertificateOutcome.Computed "computed"
                    Expect.floatClose Accuracy.veryHigh (root.GetProperty("p").GetDouble()) p "p"
                    Expect.equal (root.GetProperty("domain").GetString()) domainText "domain"
                    Expect.floatClose Accuracy.veryHigh (root.GetProperty("residual").GetDouble()) direct.Residual
                        $"{pText} {domainText}: residual"
                    Expect.equal (ints root "support") direct.Support "support"
                    Expect.equal (ints root "active_set") direct.ActiveSet "active set"
                    let alpha = [| for a in root.GetProperty("alpha").EnumerateArray() -> a.GetDouble() |]
                    Expect.isLessThan (TestUtil.relativeError alpha direct.Alpha) 1e-12 "alpha"
                    direct.Residual ]
            // Each flag matters on this beta: no two of the certificates coincide.
            for i in 0 .. residuals.Length - 1 do
                for j in i + 1 .. residuals.Length - 1 do
                    Expect.isGreaterThan (abs (residuals[i] - residuals[j])) (1e-6 * max residuals[i] residuals[j])
                        $"combos {i} and {j} differ"

        testCase
            ("--active-tol and --support-tol: the sets of kkt.json are Certify's with those tolerances, and change "
             + "with them") <| fun () ->
            let dir = temp ()
            let data, dataPath, beta, betaPath = l2Setup dir
            let run (active: float) (support: float) =
                let out = Path.Combine(dir, $"a{active}-s{support}")
                let r (x: float) = x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
                Expect.equal
                    (KktCli.main [ "--data"; dataPath; "--kkt"; betaPath; "--p"; "1"; "--domain"; "time"
                                   "--active-tol"; r active; "--support-tol"; r support; "--out"; out ]) 0 "exit"
                let root = kkt out
                let direct =
                    BridgeStationarity.Certify(data, System.ReadOnlySpan beta, 1.0, PenaltyDomain.Time,
                                               StationarityOptions(active, support))
                Expect.equal (ints root "active_set") direct.ActiveSet $"active set at {active}"
                Expect.equal (ints root "support") direct.Support $"support at {support}"
                Expect.equal
                    (root.GetProperty("active_tolerance").GetDouble(),
                     root.GetProperty("support_threshold").GetDouble())
                    (active, support) "tolerances stated"
                Expect.floatClose Accuracy.veryHigh (root.GetProperty("residual").GetDouble()) direct.Residual
                    "residual"
                ints root "active_set", ints root "support"
            let tightActive, fullSupport = run 1e-3 1e-3
            let wideActive, _ = run 100.0 1e-3
            let _, smallSupport = run 1e-3 0.5
            Expect.equal wideActive [| 0 .. data.Count - 1 |] "every point is within 100x of the minimum margin"
            Expect.isLessThan tightActive.Length wideActive.Length "a tighter active tolerance, fewer active points"
            // Independent: entries above half the largest |beta_j|.
            let m = beta |> Array.map abs |> Array.max
            Expect.equal smallSupport [| for j in 0 .. beta.Length - 1 do if abs beta[j] > 0.5 * m then j |]
                "support at 0.5"
            Expect.isLessThan smallSupport.Length fullSupport.Length "a higher threshold, a smaller support"

        testCase
            ("--kkt BETA.csv is the beta certified: scale-free, a non-separating beta gives exit 1, a wrong length "
             + "exit 2") <| fun () ->
            let dir = temp ()
            let data, dataPath, beta, betaPath = l2Setup dir
            let write name (v: float[]) =
                let path = Path.Combine(dir, name)
                File.WriteAllLines(
                    path, v |> Array.map (fun x -> x.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))
                path
            let args path out = [ "--data"; dataPath; "--kkt"; path; "--p"; "2/3"; "--domain"; "fourier"
                                  "--out"; Path.Combine(dir, out) ]
            Expect.equal (KktCli.main (args betaPath "one")) 0 "beta"
            Expect.equal (KktCli.main (args (write "scaled.csv" (beta |> Array.map ((*) 8.0))) "eight")) 0 "8 beta"
            let one, eight = kkt (Path.Combine(dir, "one")), kkt (Path.Combine(dir, "eight"))
            Expect.floatClose Accuracy.high (eight.GetProperty("residual").GetDouble())
                (one.GetProperty("residual").GetDouble()) "residual is scale-free"
            Expect.floatClose Accuracy.high (eight.GetProperty("minimum_margin").GetDouble())
                (8.0 * one.GetProperty("minimum_margin").GetDouble()) "the margin scales"
            let margins =
                [| for n in 0 .. data.Count - 1 -> data.Labels[n] * TestUtil.dot (data.Point(n).ToArray()) beta |]
            Expect.floatClose Accuracy.high (one.GetProperty("minimum_margin").GetDouble()) (Array.min margins)
                "minimum margin from the data"
            Expect.equal (KktCli.main (args (write "negated.csv" (beta |> Array.map (~-))) "neg")) 1
                "a non-separating beta"
            Expect.equal ((kkt (Path.Combine(dir, "neg"))).GetProperty("outcome").GetString()) "NotSeparating" "outcome"
            Expect.equal (KktCli.main (args (write "short.csv" beta[1..]) "short")) 2 "wrong length"
            Expect.isFalse (Directory.Exists(Path.Combine(dir, "short"))) "nothing written for bad input"
    ]
