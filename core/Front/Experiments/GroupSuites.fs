namespace ImplicitBias

/// The group-convolutional experiments beyond the paper (issue 24): gconv on dihedral groups (odd and even n), Q8 and
/// A4 at L = 2, 3, 4 on seeded sets, the abelian sanity row on C8, and F8's runs. (docs/theory-checks.md, "Groups")
module GroupSuites =
    /// The non-abelian groups of the rows: D_n for n = 3, 4, 5 (order 2n; odd and even n), Q8 and A4; D6 and S4
    /// (order 24) in the full report only (the quick report's added time: docs/reproduce.md).
    let groups r = [ "D3"; "D4"; "D5"; "Q8"; "A4" ] @ (if r.Scale = Full then [ "D6"; "S4" ] else [])

    /// The depths of the rows.
    let depths = [ 2; 3; 4 ]

    /// Sets per row: 10 in the quick report, 20 in the full one.
    let setsPerRow r = if r.Scale = Full then 20 else 10

    /// The order |G| of a group's name.
    let order (group: string) = (GroupName.group group).Order

    /// A group's sets: DataSuite.createWith [|G|] (N uniform in max(2, |G|/4) .. |G|, both generators), seed 24, so
    /// groups of one order (D4, Q8 and C8) share their sets.
    let sets r (group: string) = DataSuite.createWith [ order group ] (setsPerRow r) 24UL

    /// The abelian sanity row's group: on C8 gconv is the paper's conv, so L = 2 must reach the Fourier-l1 limit.
    let abelian = "C8"

    /// Step budget (runs stop earlier as Converged): the beyond suites' budget.
    let steps r = BeyondSuites.steps r

    /// A run of the report's settings on a set, stopping at the suite's convergence angle.
    let runOn r (data: DataSpec) =
        { Reproduction.baseConfig r with
            Data = data; MaxSteps = steps r; ConvergenceAngle = Reproduction.suiteConvergenceAngle }

    /// gconv on a group at a depth on a set.
    let gconv r (group: string) (depth: int) (data: DataSpec) =
        { runOn r data with Model = GroupConvolutional; Depth = depth; Group = Some group }

    /// Every run of the rows: each group, depth and set, then C8 at L = 2 on its sets.
    let rowRuns r =
        { Name = "groups"
          Points =
            [ for group in groups r do
                for depth in depths do
                    for set in sets r group -> gconv r group depth set
              for set in sets r abelian -> gconv r abelian 2 set ] }

    /// F8's group and set: A4 (order 12; irreps of dimension 1, 1, 1 and 3), the first of its sets.
    let figureGroup = "A4"

    let figureSet r = List.head (sets r figureGroup)

    /// F8's runs on that set: gconv L = 2, 3, 4, fc L = 2 and the cyclic conv L = 2, 3 (the same data).
    let figureRuns r =
        let set = figureSet r
        { Name = "groups-f8"
          Points =
            [ for depth in depths do yield gconv r figureGroup depth set
              yield { runOn r set with Model = FullyConnected; Depth = 2 }
              for depth in [ 2; 3 ] do yield { runOn r set with Model = Convolutional; Depth = depth } ] }

    /// The report header's account of the group suites.
    let describeSuites r =
        let groupList = groups r |> String.concat ", "
        [ $"Groups: gconv (linear G-CNNs, issue 24) on {groupList} at L = 2, 3, 4, {setsPerRow r} sets per row "
              + $"(DataSuite.createWith [|G|] {setsPerRow r} 24: N uniform in max(2, |G|/4)..|G|, Gaussian and "
              + "Fourier-sparse teachers alternating; D4, Q8 and C8 share their sets), each run for at most "
              + $"{steps r} steps, stopping as Converged within {Reproduction.suiteConvergenceAngle} rad of its "
              + "certified limit (group nuclear at L = 2, group bridge at L >= 3)."
          $"Abelian sanity row: gconv on {abelian} at L = 2 against the paper's Fourier-l1 limit. F8: "
              + $"{figureGroup} on {DataSpec.describe (figureSet r)}, gconv L = 2, 3, 4 beside fc L = 2 and conv "
              + "L = 2, 3." ]
        |> String.concat "\n"
