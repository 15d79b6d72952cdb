/// Report rows and the markdown report; the analysis helpers figures use.
module ImplicitBias.Tests.TestClaims

open Expecto
open ImplicitBias

/// A stored run with a given final direction and margin (no training).
let fakeRun (c: RunSpec) (direction: float[]) margin =
    let data, result = Runner.train System.Threading.CancellationToken.None { c with MaxSteps = 1L }
    let run, _ = Runner.toRows c data result
    { Run = { run with Direction = direction; FinalNormalizedMargin = margin }; Trajectory = [||] }

[<Tests>]
let tests =
    testList "Claims" [
        testCase "the report has one row per claim in the paper's order, verdicts spelled out" <| fun () ->
            let rows =
                [ Claims.check "Lemma 5" "p" "m" "t" true "F5"
                  Claims.check "Theorem 2a" "p" "m" "t" false "F4"
                  Claims.unavailable "Theorem 1" "p" "reference solver missing" "F1"
                  Claims.check "Theorem 2" "p" "a|b" "t" true "F3" ]
            let lines = (Claims.markdown "# R" rows).Split('\n')
            let table = lines |> Array.filter (fun l -> l.StartsWith "| Theorem" || l.StartsWith "| Lemma")
            Expect.equal (table |> Array.map (fun l -> (l.Split('|')[1]).Trim()))
                [| "Theorem 1"; "Theorem 2"; "Theorem 2a"; "Lemma 5" |] "order"
            Expect.stringContains table[0] "**NOT AVAILABLE**" "unavailable is not PASS"
            Expect.stringContains table[2] "**FAIL**" "fail"
            Expect.stringContains table[1] "a\\|b" "pipes escaped"
            Expect.equal (Array.last lines) "2 of 4 claims PASS." "summary"

        testCase "report order: theorems then lemmas by number, 2 before 2a, unknown claims last by name" <| fun () ->
            let names = [ "Zeta check"; "Lemma 7"; "Theorem 4"; "Lemma 3"; "Theorem 2a (conv L=3)"
                          "Theorem 2 (conv L=2)"; "Alpha check"; "Lemma 6"; "Theorem 1"; "Lemma 5" ]
            let rows = [ for n in names -> Claims.check n "p" "m" "t" true "E" ]
            let claims =
                (Claims.markdown "# R" rows).Split('\n')
                |> Array.filter (fun l ->
                    l.StartsWith "| " && not (l.StartsWith "| Claim") && not (l.StartsWith "| ---"))
                |> Array.map (fun l -> (l.Split('|')[1]).Trim())
            Expect.equal claims
                [| "Theorem 1"; "Theorem 2 (conv L=2)"; "Theorem 2a (conv L=3)"; "Lemma 3"; "Theorem 4"; "Lemma 5"
                   "Lemma 6"; "Lemma 7"; "Alpha check"; "Zeta check" |]
                "the paper's order"

        testCase "claims beyond the paper get their own table after the paper's; the summary counts both" <| fun () ->
            let rows =
                [ Claims.check "Beyond: 2-D conv L=2" "p" "m" "t" true "F7"
                  Claims.check "Theorem 1" "p" "m" "t" true "F1"
                  Claims.check "Beyond: K-kernel nets, K=2" "p" "m" "t" false "F6" ]
            let lines = (Claims.markdown "# R" rows).Split('\n')
            let at (text: string) = lines |> Array.findIndex (fun l -> l.StartsWith text)
            Expect.isLessThan (at "| Theorem 1") (at "## Beyond the paper") "the paper's table first"
            Expect.isLessThan (at "## Beyond the paper") (at "| Beyond: 2-D conv L=2") "then the part beyond it"
            Expect.isLessThan (at "| Beyond: 2-D conv L=2") (at "| Beyond: K-kernel nets, K=2") "by name"
            Expect.stringContains lines[at "| Beyond: K-kernel"] "**FAIL**" "its own verdict"
            Expect.equal (Array.last lines) "2 of 3 claims PASS." "one summary over both"
            let paperOnly = (Claims.markdown "# R" [ rows[1] ]).Split('\n')
            Expect.isFalse (paperOnly |> Array.exists (fun l -> l.StartsWith "## Beyond")) "no empty part"

        testCase "summary line counts PASS verdicts only, over every row" <| fun () ->
            for verdicts in [ [ true; true; true ]; [ true; false; true ]; [ false; false ]; [] ] do
                let rows = verdicts |> List.mapi (fun i ok -> Claims.check $"Lemma {i}" "p" "m" "t" ok "E")
                let rows = rows @ [ Claims.unavailable "Theorem 1" "p" "missing" "E" ]
                let expected = verdicts |> List.filter id |> List.length
                let lines = (Claims.markdown "# Header" rows).Split('\n')
                Expect.equal (Array.last lines) $"{expected} of {rows.Length} claims PASS." $"%A{verdicts}"
                Expect.equal lines[0] "# Header" "header first"
                Expect.equal (lines |> Array.filter (fun l -> l.Contains "**")).Length rows.Length
                    "one table line per row"

        testCase "claim rows survive the JSON round trip, their reruns too; rows saved without reruns still print"
        <| fun () ->
            let dir = TestStore.tempDir ()
            let rerun = { Dataset = "#1"; Regenerate = "dotnet fsi scripts/make-data.fsx --seed 18446744073709551615"
                          Train = "t"; Note = "n" }
            let rows = [ Claims.check "Lemma 3" "p" "1e-15" "1e-10" true "F5"
                         { Claims.check "Theorem 2" "p" "m" "t" false "F4" with Reruns = [| rerun |] } ]
            Claims.save dir "x" rows
            Expect.equal (Claims.loadAll dir) rows "same rows"
            System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "y.json"),
                                        """[{"Claim":"Lemma 5","Prediction":"p","Measured":"m","Tolerance":"t","""
                                        + """"Verdict":"PASS","Evidence":"F5"}]""")
            let text = Claims.markdown "# R" (Claims.loadAll dir)
            Expect.stringContains text "| Lemma 5 |" "an old row"
            Expect.stringContains text "  - data: `dotnet fsi scripts/make-data.fsx --seed 18446744073709551615`"
                "the rerun"

        testCase "bands over depth: median line, min..max range per depth" <| fun () ->
            let c = { Sweep.defaults with Data = GaussianTeacher(3, 4, 1UL) }
            let runs =
                [ for depth, value in [ 1, 1.0; 1, 3.0; 1, 2.0; 2, 5.0; 2, 7.0 ] ->
                    let cd = { c with Depth = depth }
                    cd, fakeRun cd [| value |] 1.0 ]
            let result = { Sweep = Sweep.from "t" c; Runs = runs; Computed = 0; Reused = 0; Missing = 0; Seconds = 0.0 }
            match Results.bandsOverDepth [ "conv", Convolutional ] (fun _ r -> r.Run.Direction[0]) result with
            | [ b ] ->
                Expect.equal b.X [| 1.0; 2.0 |] "depths"
                Expect.equal b.Center [| 2.0; 6.0 |] "medians"
                Expect.equal b.Lower [| 1.0; 5.0 |] "minima"
                Expect.equal b.Upper [| 3.0; 7.0 |] "maxima"
            | other -> failtestf "expected one band, got %d" other.Length

        testCase "Lemma 3 check: Fourier network, time network and prod |w_hat_l| agree to round-off" <| fun () ->
            let twin, product = TheoryChecks.lemma3 [ 1UL; 2UL ] [ 7; 8 ] [ 1; 3 ]
            Expect.isLessThan twin 1e-12 "beta of the twins"
            Expect.isLessThan product 1e-12 "|beta_hat| = prod |w_hat_l|"
    ]
