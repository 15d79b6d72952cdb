/// The verdict logic of every training row of the report, from synthetic per-set results (no
/// training): a claim holds only on every set; a limit that is not certified, a run that does not
/// separate, or a convex limit that is not the reference optimum fails its set; degenerate
/// certificates are counted.
module ImplicitBias.Tests.TestEvidence

open Expecto
open ImplicitBias
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory

/// A set where everything holds: separating, certified, angle 1e-6 (set 7: 2e-5; the rows' tolerance is 1e-4),
/// reference optimum.
let private good i : LimitEvidence =
    { Dataset = $"set{i}"; Separates = true; Status = LimitStatus.Certified; Residual = 1e-15; Degenerate = false
      Angle = (if i = 7 then 2e-5 else 1e-6); ReferenceAngle = Some 0.0
      ReferenceTolerance = SuiteEvidence.referenceTolerance; Message = "certified"
      Outcome = "Converged"; Steps = 1000L }

let private twenty () = [ for i in 1 .. 20 -> good i ]
let private replace i (e: LimitEvidence) (sets: LimitEvidence list) =
    sets |> List.mapi (fun j s -> if j = i - 1 then e else s)

/// Every training row of the report: (model, depth) of the suite, convex kinds first.
let private rows = [ for kind, depth in Reproduction.suiteModels -> Evidence.suiteClaim kind depth ]

/// The rows of hand-written evidence, every run with Sweep.defaults (its configuration only names the rerun commands).
let private limitRow claim (sets: LimitEvidence list) =
    SuiteEvidence.limitRow claim [ for e in sets -> Sweep.defaults, e ]
let private kktRow claim (runs: KktEvidence list) = SuiteEvidence.kktRow claim [ for e in runs -> Sweep.defaults, e ]

let private kkt i : KktEvidence =
    { Dataset = $"run{i}"; Separates = true; Residual = 1e-3; Degenerate = false; Outcome = "Converged"
      Steps = 1000L * int64 i }

[<Tests>]
let tests =
    testList "Evidence (suite rows)" [
        testCase "every row: 20 of 20 sets PASS, with the count, the worst set and no degenerate certificate"
        <| fun () ->
            for claim in rows do
                let r = limitRow claim (twenty ())
                Expect.equal r.Verdict "PASS" $"{claim.Claim}: {r.Measured}"
                Expect.stringStarts r.Measured "20 of 20 sets pass" claim.Claim
                Expect.stringContains r.Measured "worst 2E-05 on set7" claim.Claim
                Expect.stringContains r.Measured "0 degenerate" claim.Claim

        testCase "every row: one set beyond the tolerance of 20 is FAIL, 19 of 20" <| fun () ->
            for claim in rows do
                let r =
                    limitRow claim
                        (twenty () |> replace 13 { good 13 with Angle = 10.0 * Evidence.suiteAngleTolerance })
                Expect.equal r.Verdict "FAIL" $"{claim.Claim}: {r.Measured}"
                Expect.stringStarts r.Measured "19 of 20 sets pass" claim.Claim
                Expect.stringContains r.Measured "failed on set13" claim.Claim

        testCase "every row: a limit that is not certified fails its set even at angle 0" <| fun () ->
            for claim in rows do
                let bad =
                    { good 4 with Status = LimitStatus.NotCertified; Angle = 0.0; Message = "residual 1e-3 > 1e-10" }
                let r = limitRow claim (twenty () |> replace 4 bad)
                Expect.equal r.Verdict "FAIL" $"{claim.Claim}: {r.Measured}"
                Expect.stringStarts r.Measured "19 of 20 sets pass" claim.Claim
                Expect.stringContains r.Measured "set4 (limit NotCertified: residual 1e-3 > 1e-10)"
                    "the reason is given"

        testCase "every row: a run that does not separate counts as failed, with its reason, not dropped" <| fun () ->
            for claim in rows do
                let r = limitRow claim (twenty () |> replace 9 { good 9 with Separates = false })
                Expect.equal r.Verdict "FAIL" $"{claim.Claim}: {r.Measured}"
                Expect.stringStarts r.Measured "19 of 20 sets pass" claim.Claim
                Expect.stringContains r.Measured "set9: GD's final direction does not separate the data" claim.Claim
                let r = limitRow claim (twenty () |> replace 9 { good 9 with Status = LimitStatus.NotSeparable })
                Expect.equal r.Verdict "FAIL" $"{claim.Claim}: not separable data"
                Expect.stringContains r.Measured "set9: the data is not separable" claim.Claim

        testCase "every row: degenerate certificates are counted (and do not fail a set by themselves)" <| fun () ->
            for claim in rows do
                let sets =
                    twenty () |> replace 2 { good 2 with Degenerate = true }
                    |> replace 5 { good 5 with Degenerate = true }
                let r = limitRow claim sets
                Expect.equal r.Verdict "PASS" claim.Claim
                Expect.stringContains r.Measured "2 degenerate certificate(s)" claim.Claim

        testCase "convex rows: a certified limit that is not the reference optimum fails its set" <| fun () ->
            for claim, (kind, depth) in List.zip rows Reproduction.suiteModels do
                let convex = (TheoryChecks.predictedBias kind depth).IsSome
                let off = { good 6 with ReferenceAngle = (if convex then Some 1e-3 else None) }
                let r = limitRow claim (twenty () |> replace 6 off)
                Expect.equal r.Verdict (if convex then "FAIL" else "PASS") $"{claim.Claim}: {r.Measured}"
                if convex then
                    Expect.stringContains r.Measured "from the reference optimum" claim.Claim
                    let r = limitRow claim (twenty () |> replace 6 { good 6 with ReferenceAngle = Some nan })
                    Expect.equal r.Verdict "FAIL" $"{claim.Claim}: reference solver not Optimal"

        testCase
            ("the reference tolerance: Fourier-l1 to the interior point's direction accuracy (1e-5 rad), l2 and "
             + "time-l1 to 1e-8") <| fun () ->
            Expect.equal (SuiteEvidence.referenceToleranceOf LimitKind.FourierL1) 1e-5 "Fourier-l1"
            Expect.equal (SuiteEvidence.referenceToleranceOf LimitKind.L2) 1e-8 "l2"
            Expect.equal (SuiteEvidence.referenceToleranceOf LimitKind.TimeL1) 1e-8 "time-l1"
            let claim = List.head rows
            let at angle tolerance = { good 6 with ReferenceAngle = Some angle; ReferenceTolerance = tolerance }
            Expect.equal (limitRow claim (twenty () |> replace 6 (at 3e-6 1e-5))).Verdict "PASS" "3e-6 rad within 1e-5"
            Expect.equal (limitRow claim (twenty () |> replace 6 (at 2e-5 1e-5))).Verdict "FAIL" "2e-5 rad beyond 1e-5"
            Expect.equal (limitRow claim (twenty () |> replace 6 (at 3e-6 1e-8))).Verdict "FAIL" "3e-6 rad beyond 1e-8"

        testCase "an empty suite is NOT AVAILABLE, never PASS" <| fun () ->
            for claim in rows do
                Expect.equal (limitRow claim []).Verdict "NOT AVAILABLE" claim.Claim

        testCase
            "Theorem 4: 20 of 20 PASS; one residual too large or one non-separating run of 20 FAIL; degenerate counted"
        <| fun () ->
            let runs = [ for i in 1 .. 20 -> kkt i ]
            let pass = kktRow Evidence.suiteKktClaim runs
            Expect.equal pass.Verdict "PASS" pass.Measured
            Expect.stringStarts pass.Measured "20 of 20 sets pass" pass.Measured
            let large =
                kktRow Evidence.suiteKktClaim (runs |> List.mapi (fun j e ->
                    if j = 10 then { e with Residual = 2.0 * Evidence.residualTolerance } else e))
            Expect.equal large.Verdict "FAIL" large.Measured
            Expect.stringStarts large.Measured "19 of 20" large.Measured
            Expect.stringContains large.Measured "failed on run11 (stopped Converged at 11000 steps)" large.Measured
            // The tolerance the report states and docs/reproduce.md documents: relative KKT residual <= 0.05. Pinned to
            // the documented number, not to the constant, so that a changed constant fails here.
            let at residual =
                kktRow Evidence.suiteKktClaim (runs |> List.mapi (fun j e ->
                    if j = 4 then { e with Residual = residual } else e))
            Expect.equal (at 0.049).Verdict "PASS" "0.049 is within the documented 0.05"
            Expect.equal (at 0.06).Verdict "FAIL" "0.06 is beyond the documented 0.05"
            Expect.stringContains pass.Tolerance "<= 0.05 " "the row states the documented tolerance"
            for broken in [ { kkt 3 with Separates = false }; { kkt 3 with Residual = nan } ] do
                let r = kktRow Evidence.suiteKktClaim (runs |> List.mapi (fun j e -> if j = 2 then broken else e))
                Expect.equal r.Verdict "FAIL" r.Measured
                Expect.stringContains r.Measured "1 could not be computed (run3" r.Measured
            let degenerate =
                kktRow Evidence.suiteKktClaim (runs |> List.mapi (fun j e ->
                    if j < 3 then { e with Degenerate = true } else e))
            Expect.stringContains degenerate.Measured "3 degenerate certificate(s)" degenerate.Measured

        testCase "the suite the report checks has at least 20 sets per claim and depth, all distinct" <| fun () ->
            for scale in [ Quick; Full ] do
                let sets = Reproduction.suite { Scale = scale; OutDirectory = ""; StoreDirectory = "" }
                Expect.isGreaterThanOrEqual sets.Length 21 $"{scale}"
                Expect.equal (List.distinct sets).Length sets.Length "distinct"
                Expect.equal sets.Head Reproduction.dataset "the built-in set first"

        testCase "F4 aggregates: median and worst at each step over the sets" <| fun () ->
            let l3 = FigureStyle.look "conv" "L=3"
            let runs = [ l3, [ 1L, 1.0; 10L, 0.1 ]; l3, [ 1L, 3.0; 10L, 0.3 ]; l3, [ 1L, 2.0; 10L, 0.2 ] ]
            let curves = SuiteEvidence.medianAndWorst runs
            let series = curves |> List.map snd
            Expect.equal (series |> List.map (fun s -> s.Name)) [ "L=3 median"; "L=3 worst" ] "names"
            Expect.equal (curves |> List.map (fun (l, _) -> l.Label, l.Worst)) [ "L=3", false; "L=3", true ]
                "one label, worst marked"
            Expect.equal series[0].X [| 1.0; 10.0 |] "steps"
            Expect.equal series[0].Y [| 2.0; 0.2 |] "median"
            Expect.equal series[1].Y [| 3.0; 0.3 |] "worst"

        testCase "F4 against theta: values pooled in tenths of a decade, before-the-fit points left out" <| fun () ->
            // 10.4 and 9.8 share the bin of theta 10 (log10 within 0.05 of 1); 100 is its own; NaN and 0 are dropped.
            let l3 = FigureStyle.look "conv" "L=3"
            let series =
                SuiteEvidence.medianAndWorstOverTheta
                    [ l3, [ nan, 9.0; 10.4, 1.0; 100.0, 0.1 ]; l3, [ 0.0, 9.0; 9.8, 3.0; 100.0, 0.3 ] ]
                |> List.map snd
            Expect.equal (series |> List.map (fun s -> s.Name)) [ "L=3 median"; "L=3 worst" ] "names"
            Expect.equal series[0].X [| 10.0; 100.0 |] "bin centres"
            Expect.equal series[0].Y [| 2.0; 0.2 |] "median of each bin"
            Expect.equal series[1].Y [| 3.0; 0.3 |] "worst of each bin"
    ]
