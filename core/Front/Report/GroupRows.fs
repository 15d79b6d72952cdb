namespace ImplicitBias

open System
open System.Globalization
open ImplicitBias.Engine.Theory

/// What one gconv run says about its row: the limit evidence (SuiteEvidence.limitOf) and, at L = 2, the value gap of
/// GD's direction to the certified group-nuclear optimum (GroupNuclearLimit.ValueGap: 0 on the whole optimal set, so
/// it checks optimality where the optimum may be a face).
type GroupEvidence = { Limit: LimitEvidence; ValueGap: float option }

/// The report's group-convolutional rows (issue 24): gconv on each group and depth against its certified limit, and
/// the abelian sanity row (C8, L = 2, the paper's Fourier-l1 limit). (docs/theory-checks.md, "Groups")
module GroupRows =
    /// At L = 2 GD's direction must also be within this relative value gap of the optimum (the angle tolerance: the
    /// gap is at most first order in the angle).
    let valueGapTolerance = Evidence.suiteAngleTolerance

    let private g (x: float) = x.ToString("G3", CultureInfo.InvariantCulture)

    let private claim name prediction : SuiteClaim =
        { Claim = $"{Claims.beyondPrefix} {name}"
          Prediction = prediction
          Tolerance = $"certified limit, angle <= {Evidence.suiteAngleTolerance} rad on every set (L = 2: also value "
                      + $"gap <= {valueGapTolerance})"
          Threshold = Evidence.suiteAngleTolerance
          WorseWhen = Larger
          Evidence = "F8 script (fig8-groups.fsx)" }

    /// The row of a group and depth.
    let groupClaim (c: RunSpec) =
        let group = defaultArg c.Group "?"
        let prediction =
            if c.Depth = 2 then
                "converges in direction to the max-margin predictor of sum_rho sqrt(d_rho) ||beta_hat(rho)||_* "
                + "(group nuclear norm; Lawrence et al., ICML 2022)"
            else
                $"beta/||beta|| tends to a first-order stationary point of min sum_rho d_rho^(1-1/{c.Depth}) "
                + $"||beta_hat(rho)||_(S 2/{c.Depth})^(2/{c.Depth}) s.t. margins >= 1 (certified on the fixed-rank "
                + "manifold)"
        claim $"gconv L={c.Depth} on {group}" prediction

    /// The abelian sanity row: gconv on C_n is the paper's conv.
    let abelianClaim (c: RunSpec) =
        let group = defaultArg c.Group "?"
        claim $"gconv L={c.Depth} on {group} (abelian sanity row)"
            "on C_n the G-CNN is the paper's conv: converges to the Fourier-l1 max-margin predictor (Theorem 2)"

    /// One set's outcome: PASS needs a separating direction, a certified limit, (convex kinds) the reference solver's
    /// optimum, a value gap within tolerance where there is one, and (by the claim's threshold) the angle. A degenerate
    /// certificate is flagged in the row, never passed silently.
    let outcome (e: GroupEvidence) : SuiteOutcome =
        match SuiteEvidence.limitOutcome e.Limit with
        | NotComputed _ as missing -> missing
        | Measured m ->
            let gapOk = e.ValueGap |> Option.forall (fun gap -> gap <= valueGapTolerance) // NaN fails
            let notes =
                [ if m.Note <> "" then m.Note
                  if e.Limit.Degenerate then "degenerate certificate"
                  match e.ValueGap with
                  | Some gap when not gapOk -> $"value gap {g gap} > {g valueGapTolerance}"
                  | Some gap when e.Limit.Degenerate -> $"value gap {g gap}"
                  | _ -> () ]
            Measured { m with Passed = m.Passed && gapOk; Note = String.concat "; " notes }

    /// A row over (configuration, evidence) pairs: PASS only when every set passes.
    let row (claim: SuiteClaim) (evidence: (RunSpec * GroupEvidence) list) =
        { SuiteEvidence.row claim [ for c, e in evidence -> c, outcome e ] with
            Sets = [| for _, e in evidence ->
                        SuiteEvidence.setRecord claim (outcome e) e.Limit.Outcome e.Limit.Steps e.Limit.Angle
                            e.Limit.Residual |] }

    /// The evidence of a stored gconv run: its certified group limit, and at L = 2 the value gap.
    let evidenceOf (name: string) (c: RunSpec) (r: StoredRun) =
        let limit = SuiteEvidence.limitOf name c r
        let gap =
            match c.Group with
            | Some group when c.Depth = 2 && limit.Separates && limit.Status <> LimitStatus.NotSeparable ->
                let data = DataSpec.create c.Data
                let optimum = SuiteEvidence.certify c r.Run.Direction
                Some(GroupNuclearLimit.ValueGap(GroupName.fourier group, data, ReadOnlySpan r.Run.Direction,
                                                ReadOnlySpan optimum.Direction))
            | _ -> None
        { Limit = limit; ValueGap = gap }

    /// The abelian evidence: GD's gconv direction against the paper's conv limit on the same data (Fourier-l1 at
    /// L = 2, with the reference solver's optimum).
    let abelianEvidenceOf (name: string) (c: RunSpec) (r: StoredRun) =
        { Limit = SuiteEvidence.limitOf name { c with Model = Convolutional; Group = None } r; ValueGap = None }

    /// A set's name in the rows: "#i gaussian N=5 D=8".
    let setName (sets: DataSpec list) (spec: DataSpec) =
        match List.tryFindIndex ((=) spec) sets with
        | Some i -> SuiteEvidence.setName i spec
        | None -> DataSpec.describe spec

    /// Every row of the runs: one per (group, depth) in their order, the abelian group's at the end.
    let rows (abelian: string) (setsOf: string -> DataSpec list) (runs: (RunSpec * StoredRun) list) =
        [ for (group, _), runs in runs |> List.groupBy (fun (c, _) -> c.Group, c.Depth) ->
            let first = fst runs.Head
            let name (c: RunSpec) = setName (setsOf (defaultArg c.Group "")) c.Data
            if group = Some abelian then
                row (abelianClaim first) [ for c, r in runs -> c, abelianEvidenceOf (name c) c r ]
            else row (groupClaim first) [ for c, r in runs -> c, evidenceOf (name c) c r ] ]
