/// The report's group-convolutional rows (core/Front/Report/GroupRows.fs): each clause of a set's verdict on
/// hand-written evidence (a planted fault in any one fails here), and the rows of stored gconv runs.
module ImplicitBias.Tests.TestGroupRows

open System
open System.IO
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Theory

let private evidence angle =
    { Limit =
        { Dataset = "#1 set"; Separates = true; Status = LimitStatus.Certified; Residual = 1e-15; Degenerate = false
          Angle = angle; ReferenceAngle = None; ReferenceTolerance = 1e-8; Message = "m"; Outcome = "Converged"
          Steps = 10L }
      ValueGap = None }

let private claim = GroupRows.groupClaim { Run.defaults with Model = GroupConvolutional; Group = Some "D4" }

let private passes e = not (SuiteVerdict.fails claim (GroupRows.outcome e))

[<Tests>]
let tests =
    testList "GroupRows" [
        testCase
            "a set passes only when separating, certified, the reference's, within the value gap and the angle"
        <| fun _ ->
            let ok = evidence 1e-7
            Expect.isTrue (passes ok) "all clauses hold"
            Expect.isFalse (passes (evidence 2e-4)) "angle above the tolerance"
            Expect.isFalse (passes (evidence nan)) "NaN angle"
            Expect.isFalse (passes { ok with Limit = { ok.Limit with Status = LimitStatus.NotCertified } })
                "not certified"
            Expect.isFalse (passes { ok with Limit = { ok.Limit with Separates = false } }) "GD does not separate"
            Expect.isFalse (passes { ok with Limit = { ok.Limit with Status = LimitStatus.NotSeparable } })
                "not separable"
            Expect.isFalse (passes { ok with Limit = { ok.Limit with ReferenceAngle = Some 1e-3 } }) "not the reference"
            Expect.isTrue (passes { ok with ValueGap = Some 1e-9 }) "a small value gap"
            Expect.isFalse (passes { ok with ValueGap = Some 1e-3 }) "value gap above the tolerance"
            Expect.isFalse (passes { ok with ValueGap = Some nan }) "NaN value gap"

        testCase "degenerate certificates are named in the set's note and counted in the row, never silent" <| fun _ ->
            let dg = { evidence 1e-7 with ValueGap = Some 1e-9 }
            let dg = { dg with Limit = { dg.Limit with Degenerate = true } }
            match GroupRows.outcome dg with
            | Measured m ->
                Expect.isTrue m.Degenerate "flagged"
                Expect.stringContains m.Note "degenerate certificate" "named"
                Expect.stringContains m.Note "value gap" "with its value gap"
            | NotComputed _ -> failtest "measured"
            let row = GroupRows.row claim [ Run.defaults, dg; Run.defaults, evidence 1e-7 ]
            Expect.equal row.Verdict "PASS" "verdict"
            Expect.stringContains row.Measured "1 degenerate" "counted"
            Expect.stringContains row.Measured "2 of 2 sets pass" "pass count"
            let failing = GroupRows.row claim [ Run.defaults, dg; Run.defaults, evidence 0.1 ]
            Expect.equal failing.Verdict "FAIL" "one set off"
            Expect.stringContains failing.Measured "1 of 2 sets pass" "pass count"
            Expect.equal failing.Sets.Length 2 "every set's line"

        testCase
            "claims: beyond the paper, nuclear at L = 2, bridge deeper, the abelian row against Fourier-l1"
        <| fun _ ->
            let c l = { Run.defaults with Model = GroupConvolutional; Depth = l; Group = Some "Q8" }
            Expect.isTrue (claim.Claim.StartsWith Claims.beyondPrefix) "prefix"
            Expect.stringContains (GroupRows.groupClaim (c 2)).Prediction "nuclear" "L = 2"
            Expect.stringContains (GroupRows.groupClaim (c 3)).Prediction "2/3" "L = 3"
            Expect.stringContains (GroupRows.abelianClaim { c 2 with Group = Some "C8" }).Prediction "Fourier-l1" "C8"

        testCase
            "stored gconv runs: a row per (group, depth); the C8 row is measured against the paper's conv limit"
        <| fun _ ->
            let store = Path.Combine(Path.GetTempPath(), "ib-grows-" + Guid.NewGuid().ToString("N"))
            let r = { Scale = Quick; OutDirectory = ""; StoreDirectory = store }
            let sets group = GroupSuites.sets r group |> List.truncate 2
            let points =
                [ for group in [ "D3"; "C8" ] do for set in sets group -> GroupSuites.gconv r group 2 set ]
            let runs = Runner.run (Runner.options store) { Name = "t"; Points = points }
            let rows = GroupRows.rows "C8" sets runs.Runs
            Expect.equal (rows |> List.map (fun row -> row.Claim))
                [ "Beyond: gconv L=2 on D3"; "Beyond: gconv L=2 on C8 (abelian sanity row)" ] "rows"
            for row in rows do Expect.equal row.Verdict "PASS" row.Measured
            let c8, stored = runs.Runs |> List.find (fun (c, _) -> c.Group = Some "C8")
            let e = GroupRows.abelianEvidenceOf "x" c8 stored
            Expect.isSome e.Limit.ReferenceAngle "checked against the Fourier-l1 reference solver"
            let d3, storedD3 = runs.Runs.Head
            Expect.isSome (GroupRows.evidenceOf "x" d3 storedD3).ValueGap "L = 2: the value gap"
            Directory.Delete(store, true)
    ]
