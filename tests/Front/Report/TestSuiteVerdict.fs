/// A claim checked over a suite of datasets: PASS only on every set, counts and the worst set reported.
module ImplicitBias.Tests.TestSuiteVerdict

open Expecto
open ImplicitBias

let private claim =
    { Claim = "Theorem 1"; Prediction = "fc nets go to the l2 max-margin direction"; Tolerance = "angle <= 0.05 rad"
      Threshold = 0.05; WorseWhen = Larger; Evidence = "F3" }

let private set i value =
    Measured { Dataset = $"set{i}"; Value = value; Passed = value <= 0.05; Degenerate = false; Note = "" }

/// 20 sets with angles 0.001 .. 0.020 (set 7 the largest at 0.04).
let private twenty () =
    [ for i in 1 .. 20 -> set i (if i = 7 then 0.04 else float i * 0.001) ]

let private replace i outcome (outcomes: SuiteOutcome list) =
    outcomes |> List.mapi (fun j o -> if j = i - 1 then outcome else o)

[<Tests>]
let tests =
    testList "SuiteVerdict" [
        testCase "20 of 20 sets pass: PASS, with the count, the worst value and its set" <| fun () ->
            let r = SuiteVerdict.row claim (twenty ())
            Expect.equal r.Verdict "PASS" r.Measured
            Expect.stringStarts r.Measured "20 of 20 sets pass" r.Measured
            Expect.stringContains r.Measured "worst 0.04 on set7" "largest angle and where"
            // The median by hand: the 20 values sorted are 0.001 .. 0.006, 0.008 .. 0.020 and 0.04; the middle two
            // (10th and 11th) are 0.011 and 0.012.
            Expect.stringContains r.Measured "median 0.0115" "median of the twenty"
            Expect.stringContains r.Measured "0 degenerate" "degenerate count"
            Expect.equal (r.Claim, r.Prediction, r.Tolerance, r.Evidence)
                (claim.Claim, claim.Prediction, claim.Tolerance, claim.Evidence) "texts kept"

        testCase "one failing set of 20: FAIL with 19 of 20 and the failing set named" <| fun () ->
            let r = SuiteVerdict.row claim (twenty () |> replace 13 (set 13 0.3))
            Expect.equal r.Verdict "FAIL" r.Measured
            Expect.stringStarts r.Measured "19 of 20 sets pass" r.Measured
            Expect.stringContains r.Measured "worst 0.3 on set13" "the worst set is the failing one"
            Expect.stringContains r.Measured "failed on set13" "which set failed"

        testCase "the count agrees with an independent count on seeded random suites" <| fun () ->
            let rng = ImplicitBias.Engine.Numerics.SeededRandom(5UL)
            for trial in 1 .. 30 do
                let values = [ for _ in 1 .. 12 -> 0.06 * rng.NextDouble() ]
                let outcomes = values |> List.mapi (fun i v -> set i v)
                let expectedPass = values |> List.filter (fun v -> v <= 0.05) |> List.length
                let worstIndex = values |> List.mapi (fun i v -> i, v) |> List.maxBy snd |> fst
                let r = SuiteVerdict.row claim outcomes
                Expect.stringStarts r.Measured $"{expectedPass} of 12 sets pass" $"trial {trial}"
                Expect.stringContains r.Measured $"on set{worstIndex}" $"trial {trial}: worst set"
                Expect.equal r.Verdict (if expectedPass = 12 then "PASS" else "FAIL") $"trial {trial}"

        testCase "a dataset that says it passed but lies outside the threshold fails" <| fun () ->
            let lying = Measured { Dataset = "set3"; Value = 0.2; Passed = true; Degenerate = false; Note = "" }
            let r = SuiteVerdict.row claim (twenty () |> replace 3 lying)
            Expect.equal r.Verdict "FAIL" r.Measured
            Expect.stringStarts r.Measured "19 of 20" r.Measured

        testCase "a dataset that failed its own check fails the row even within the threshold" <| fun () ->
            let failing =
                Measured { Dataset = "set3"; Value = 0.01; Passed = false; Degenerate = false; Note = "not separating" }
            let r = SuiteVerdict.row claim (twenty () |> replace 3 failing)
            Expect.equal r.Verdict "FAIL" r.Measured
            Expect.stringStarts r.Measured "19 of 20" r.Measured

        testCase
            "a passing worst value within 10 % of the tolerance is named a near miss; farther or failing, it is not"
        <| fun () ->
            let near = SuiteVerdict.row claim (twenty () |> replace 7 (set 7 0.046))
            Expect.equal near.Verdict "PASS" near.Measured
            Expect.stringContains near.Measured "near miss: the worst is within 10 % of the tolerance 0.05"
                near.Measured
            for far in [ SuiteVerdict.row claim (twenty ())
                         SuiteVerdict.row claim (twenty () |> replace 7 (set 7 0.07)) ] do
                Expect.isFalse (far.Measured.Contains "near miss") far.Measured
            let ratio = { claim with Threshold = 0.9; WorseWhen = Smaller; Tolerance = "ratio >= 0.9" }
            let row v =
                SuiteVerdict.row ratio
                    [ Measured { Dataset = "a"; Value = v; Passed = true; Degenerate = false; Note = "" } ]
            Expect.stringContains (row 0.95).Measured "near miss" "0.95 against >= 0.9"
            Expect.isFalse ((row 1.2).Measured.Contains "near miss") "1.2 against >= 0.9"

        testCase "smaller-is-worse claims report the smallest value" <| fun () ->
            let ratio = { claim with Threshold = 0.9; WorseWhen = Smaller; Tolerance = "ratio >= 0.9" }
            let outcomes =
                [ for i, v in [ 1, 0.99; 2, 0.95; 3, 0.97 ] ->
                    Measured { Dataset = $"set{i}"; Value = v; Passed = true; Degenerate = false; Note = "" } ]
            let r = SuiteVerdict.row ratio outcomes
            Expect.equal r.Verdict "PASS" r.Measured
            Expect.stringContains r.Measured "worst 0.95 on set2" r.Measured
            let r =
                SuiteVerdict.row ratio
                    (outcomes
                     @ [ Measured { Dataset = "set4"; Value = 0.5; Passed = true; Degenerate = false; Note = "" } ])
            Expect.equal r.Verdict "FAIL" r.Measured
            Expect.stringContains r.Measured "worst 0.5 on set4" r.Measured

        testCase "degenerate certificates are counted" <| fun () ->
            let degenerate i =
                Measured { Dataset = $"set{i}"; Value = 0.01; Passed = true; Degenerate = true; Note = "" }
            let r =
                SuiteVerdict.row claim
                    (twenty () |> replace 2 (degenerate 2) |> replace 9 (degenerate 9) |> replace 11 (degenerate 11))
            Expect.stringContains r.Measured "3 degenerate certificate" r.Measured
            Expect.equal r.Verdict "PASS" "degenerate but passed is still a pass"

        testCase "a NaN value fails and is reported as the worst" <| fun () ->
            let nan =
                Measured { Dataset = "set5"; Value = nan; Passed = true; Degenerate = false; Note = "no active set" }
            let r = SuiteVerdict.row claim (twenty () |> replace 5 nan)
            Expect.equal r.Verdict "FAIL" r.Measured
            Expect.stringStarts r.Measured "19 of 20" r.Measured
            Expect.stringContains r.Measured "worst NaN on set5 (no active set)" r.Measured

        testCase "no datasets: NOT AVAILABLE, never PASS" <| fun () ->
            let r = SuiteVerdict.row claim []
            Expect.equal r.Verdict "NOT AVAILABLE" r.Measured

        testCase "datasets that could not be computed are counted, with reasons, and fail the row" <| fun () ->
            let r =
                SuiteVerdict.row claim
                    (twenty () |> replace 4 (NotComputed("set4", "reference solver: IterationLimit"))
                     |> replace 6 (NotComputed("set6", "not separable")))
            Expect.equal r.Verdict "FAIL" r.Measured
            Expect.stringStarts r.Measured "18 of 20 sets pass" r.Measured
            Expect.stringContains r.Measured "2 could not be computed" r.Measured
            Expect.stringContains r.Measured "set4: reference solver: IterationLimit" r.Measured
            let r = SuiteVerdict.row claim [ NotComputed("only", "crashed") ]
            Expect.equal r.Verdict "FAIL" "nothing measured is not a pass"
            Expect.stringStarts r.Measured "0 of 1 sets pass" r.Measured

        testCase "the report counts a suite row like any other row" <| fun () ->
            let rows = [ SuiteVerdict.row claim (twenty ())
                         SuiteVerdict.row { claim with Claim = "Lemma 6" } (twenty () |> replace 1 (set 1 0.5)) ]
            let text = Claims.markdown "# R" rows
            Expect.stringContains text "| Lemma 6 |" "row present"
            Expect.stringEnds text "1 of 2 claims PASS." "summary"
    ]
