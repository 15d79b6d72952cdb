/// The group suites (core/Front/Experiments/GroupSuites.fs): which groups, depths and sets the rows and F8 train.
module ImplicitBias.Tests.TestGroupSuites

open Expecto
open ImplicitBias

let private quick = { Scale = Quick; OutDirectory = ""; StoreDirectory = "" }
let private full = { quick with Scale = Full }

[<Tests>]
let tests =
    testList "GroupSuites" [
        testCase
            "odd and even dihedral groups, Q8 and A4, L = 2, 3, 4, at least 10 sets a row, N in |G|/4 .. |G|"
        <| fun _ ->
            let groups = GroupSuites.groups quick
            for g in [ "D3"; "D4"; "D5"; "Q8"; "A4" ] do Expect.contains groups g g
            Expect.contains (GroupSuites.groups full) "S4" "S4 in the full report"
            for g in groups @ [ GroupSuites.abelian ] do
                let sets = GroupSuites.sets quick g
                Expect.isGreaterThanOrEqual sets.Length 10 g
                for set in sets do
                    match DataSuite.size set with
                    | Some(n, d) ->
                        Expect.equal d (GroupSuites.order g) "D = |G|"
                        Expect.isTrue (n >= max 2 (d / 4) && n <= d) $"{g}: N = {n}"
                    | None -> failtest "generated sets"
            let runs = (GroupSuites.rowRuns quick).Points
            Expect.equal runs.Length ((groups.Length * 3 + 1) * 10) "every group, depth and set, and C8 at L = 2"
            Expect.isTrue (runs |> List.forall (fun c -> c.Model = GroupConvolutional && c.Group.IsSome)) "gconv"
            Expect.isTrue (runs |> List.forall (fun c -> c.ConvergenceAngle = Reproduction.suiteConvergenceAngle))
                "stop as Converged"

        testCase "F8: gconv L = 2, 3, 4, fc L = 2 and conv L = 2, 3 on one set of a non-abelian group" <| fun _ ->
            let points = (GroupSuites.figureRuns quick).Points
            Expect.equal [ for c in points -> Model.name c.Model, c.Depth ]
                [ "gconv", 2; "gconv", 3; "gconv", 4; "fc", 2; "conv", 2; "conv", 3 ] "models"
            Expect.isTrue (points |> List.forall (fun c -> c.Data = GroupSuites.figureSet quick)) "the same data"
            Expect.isTrue ((GroupSuites.rowRuns quick).Points |> List.contains points.Head) "gconv L=2 from the rows"
    ]
