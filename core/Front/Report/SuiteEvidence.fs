namespace ImplicitBias

open System
open System.Globalization
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training

/// What one trained run says about its limit claim: the certified limit (CertifiedLimit.Find from
/// GD's final direction, kind and p from CertifiedLimit.For) and GD's angle to it. Built from a
/// stored run by SuiteEvidence.limitOf, or written by hand in tests (no training needed).
type LimitEvidence =
    { Dataset: string
      /// GD's final direction has a positive normalized margin.
      Separates: bool
      Status: LimitStatus
      Residual: float
      Degenerate: bool
      /// GD's final angle (radians) to the certified limit.
      Angle: float
      /// Convex kinds (L2, FourierL1, TimeL1): the angle (radians) between the certified limit and the
      /// reference solver's optimum (NaN when the solver did not report Optimal); None for bridge kinds.
      ReferenceAngle: float option
      /// The largest ReferenceAngle that still says "the reference solver's optimum"
      /// (SuiteEvidence.referenceToleranceOf).
      ReferenceTolerance: float
      Message: string
      /// How the run stopped (Converged, Stationary, StepLimit, ...) and after how many steps.
      Outcome: string
      Steps: int64 }

/// What one trained run says about Theorem 4: the parameter-space KKT certificate of eq. (14) at its
/// final parameters (ParameterStationarity.Certify).
type KktEvidence =
    { Dataset: string
      Separates: bool
      /// The relative KKT residual (NaN when it could not be computed).
      Residual: float
      /// Parameters <= active points: a small residual is then generic (as many unknowns as equations).
      Degenerate: bool
      /// How the run stopped (e.g. Converged) and after how many steps: shown beside a failing or worst residual,
      /// so a run stopped on beta's angle (which sees weight off the limit's support only at the L-th power) reads
      /// differently from one stopped at its budget (docs/theory-checks.md).
      Outcome: string
      Steps: int64 }

/// The report's training rows, checked on every set of a suite: per-set outcomes for SuiteVerdict. A set passes a limit
/// row when GD's final direction separates the data, its limit is Certified, (convex kinds) that limit is the reference
/// solver's optimum, and GD's angle to it is within the row's tolerance. (docs/theory-checks.md, "SuiteEvidence")
module SuiteEvidence =
    /// Convex kinds: the certified limit must be the reference solver's optimum to this angle (radians).
    /// l2 (Wolfe) and time-l1 (GLOP) are exact to round-off (measured: within 4e-15 rad of an independent
    /// solve, tests/Engine/Theory/TestConvexPolish.fs).
    let referenceTolerance = 1e-8

    /// The tolerance for a kind: referenceTolerance, except Fourier-l1, whose interior-point optimum is known to its
    /// objective (gap about 1e-10) but its direction only to about 1e-6 rad on flat optima (measured up to 2.6e-6 rad
    /// from an independent exact solve, issue 22.4). (docs/theory-checks.md, "SuiteEvidence.referenceToleranceOf")
    let referenceToleranceOf (kind: LimitKind) =
        if kind = LimitKind.FourierL1 then 1e-5 else referenceTolerance

    let private g (x: float) = x.ToString("G3", CultureInfo.InvariantCulture)

    /// The bias of a convex limit kind (None for the bridge kinds).
    let biasOf (kind: LimitKind) =
        match kind with
        | LimitKind.L2 -> Some MarginBias.L2
        | LimitKind.FourierL1 -> Some MarginBias.FourierL1
        | LimitKind.TimeL1 -> Some MarginBias.TimeL1
        | _ -> None

    /// One set's outcome for a limit row.
    let limitOutcome (e: LimitEvidence) : SuiteOutcome =
        if not e.Separates then NotComputed(e.Dataset, "GD's final direction does not separate the data")
        elif e.Status = LimitStatus.NotSeparable then NotComputed(e.Dataset, "the data is not separable")
        else
            let certified = e.Status = LimitStatus.Certified
            let isReference =
                match e.ReferenceAngle with
                | None -> true
                | Some a -> a <= e.ReferenceTolerance // NaN fails
            let notes =
                [ if not certified then $"limit {e.Status}: {e.Message}"
                  match e.ReferenceAngle with
                  | Some a when not isReference -> $"limit is {g a} rad from the reference optimum"
                  | _ -> () ]
            Measured
                { Dataset = e.Dataset; Value = e.Angle; Passed = certified && isReference; Degenerate = e.Degenerate
                  Note = String.concat "; " notes }

    let private dataset outcome = match outcome with Measured m -> m.Dataset | NotComputed(d, _) -> d

    /// A row over the suite's runs (SuiteVerdict.row), listing for each set that fails it the commands that
    /// regenerate the set and train the run's configuration on it (Rerun.ofSpec).
    let row (claim: SuiteClaim) (outcomes: (RunSpec * SuiteOutcome) list) =
        { SuiteVerdict.row claim (List.map snd outcomes) with
            Reruns = [| for c, o in outcomes do if SuiteVerdict.fails claim o then Rerun.ofSpec (dataset o) c |] }

    /// A set's line of a row: its outcome for the row, how its run stopped, GD's final angle, the certificate's
    /// residual.
    let setRecord (claim: SuiteClaim) (outcome: SuiteOutcome) (stopped: string) (steps: int64) angle residual =
        { Dataset = dataset outcome; Passed = not (SuiteVerdict.fails claim outcome); Outcome = stopped; Steps = steps
          Angle = angle; Residual = residual
          Note = (match outcome with Measured m -> m.Note | NotComputed(_, reason) -> reason) }

    /// A limit row over the suite's runs: PASS only when every set passes.
    let limitRow (claim: SuiteClaim) (evidence: (RunSpec * LimitEvidence) list) =
        { row claim [ for c, e in evidence -> c, limitOutcome e ] with
            Sets = [| for _, e in evidence -> setRecord claim (limitOutcome e) e.Outcome e.Steps e.Angle e.Residual |] }

    /// One run's outcome for the Theorem 4 row.
    let kktOutcome (e: KktEvidence) : SuiteOutcome =
        if not e.Separates then NotComputed(e.Dataset, "GD's final direction does not separate the data")
        elif Double.IsNaN e.Residual then NotComputed(e.Dataset, "KKT residual not computed")
        else
            Measured
                { Dataset = e.Dataset; Value = e.Residual; Passed = true; Degenerate = e.Degenerate
                  Note = $"stopped {e.Outcome} at {e.Steps} steps" }

    /// The Theorem 4 row over the suite's runs (no angle in its sets' lines).
    let kktRow (claim: SuiteClaim) (evidence: (RunSpec * KktEvidence) list) =
        { row claim [ for c, e in evidence -> c, kktOutcome e ] with
            Sets = [| for _, e in evidence -> setRecord claim (kktOutcome e) e.Outcome e.Steps nan e.Residual |] }

    /// A short name of a suite's set i: "#3 fourier-sparse N=8 D=12 K=2" (seeds in the report header).
    let setName (i: int) (spec: DataSpec) =
        match spec with
        | GaussianTeacher(n, d, _) -> $"#{i} gaussian N={n} D={d}"
        | FourierSparseTeacher(n, d, k, _) -> $"#{i} fourier-sparse N={n} D={d} K={k}"
        | CsvFile _ -> $"#{i} {DataSpec.describe spec}"
        | Digits(a, b, _) -> $"#{i} digits {a} vs {b}"

    /// The certified limit at a direction for a run's configuration: model, depth, and the grid, kernel and channels of
    /// the kernel-size and 2-D networks (CertifiedLimit.For), or gconv's group (Limits.find).
    /// (docs/theory-checks.md, "SuiteEvidence.certifyAt")
    let certifyAt (c: RunSpec) (direction: float[]) (theta: float) =
        let data = DataSpec.create c.Data
        let grid, kernel = Limits.gridOf (c) data.Dimension
        let struct (kind, p) = CertifiedLimit.For(Model.kind c.Model, c.Depth, grid, kernel, c.Channels)
        let options = LimitOptions(OwnDirection = (theta >= LimitTracker.OwnDirectionTheta))
        Limits.find c data kind p direction options

    /// The same at a direction whose theta is not known (as before the fit).
    let certify (c: RunSpec) (direction: float[]) = certifyAt c direction nan

    /// theta = log(-log L) at a stored run's last record.
    let finalTheta (r: StoredRun) = if r.Trajectory.Length = 0 then nan else Results.theta (Array.last r.Trajectory)

    /// The limit evidence of a stored run.
    let limitOf (name: string) (c: RunSpec) (r: StoredRun) =
        let limit = certifyAt c r.Run.Direction (finalTheta r)
        let referenceAngle =
            biasOf limit.Kind
            |> Option.map (fun bias ->
                let s = TheoryChecks.referenceOn bias c.Data c.Shape
                if s.Status = SolverStatus.Optimal then Geometry.Angle(limit.Direction, s.Direction) else nan)
        { Dataset = name; Separates = Results.separates r; Status = limit.Status; Residual = limit.Residual
          Degenerate = limit.Degenerate; Angle = Geometry.Angle(r.Run.Direction, limit.Direction)
          ReferenceAngle = referenceAngle; ReferenceTolerance = referenceToleranceOf limit.Kind; Message = limit.Message
          Outcome = string r.Run.Outcome; Steps = r.Run.Steps }

    /// The Theorem 4 evidence of a stored run.
    let kktOf (name: string) (c: RunSpec) (r: StoredRun) =
        let cert = TheoryChecks.parameterKkt c r.Run.Parameters
        let computed = cert.Outcome = ImplicitBias.Engine.Theory.CertificateOutcome.Computed
        { Dataset = name; Separates = Results.separates r
          Residual = (if computed then cert.Residual else nan)
          Degenerate = computed && r.Run.Parameters.Length <= cert.ActiveSet.Length
          Outcome = string r.Run.Outcome; Steps = r.Run.Steps }

    /// The certified limit along a run: (step, theta, residual, GD's angle to it, certified) at every
    /// `every`-th record and the last (records with a zero direction skipped; theta NaN before the fit).
    let limitAlong (every: int) (c: RunSpec) (r: StoredRun) =
        let rows = r.Trajectory
        [ for i in 0 .. rows.Length - 1 do
            let t = rows[i]
            if (i % every = 0 || i = rows.Length - 1) && not (isNull t.Direction)
               && t.Direction |> Array.exists (fun x -> x <> 0.0) then
                let limit = certifyAt c t.Direction (Results.theta t)
                yield t.Step, Results.theta t, limit.Residual, Geometry.Angle(t.Direction, limit.Direction),
                      limit.Status = LimitStatus.Certified ]

    let private median (values: float list) =
        let s = values |> List.sort |> Array.ofList
        if s.Length % 2 = 1 then s[s.Length / 2] else 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2])

    /// Per look, the median and the worst (largest) over the runs of a value at each key, drawn at x = xOf key;
    /// `points` are (look, [(key, value)]) of one run each. The worst shares the median's legend entry.
    let private medianAndWorstBy (xOf: int64 -> float) (points: (Look * (int64 * float) list) list) =
        [ for look, runs in points |> List.groupBy fst do
            let byKey =
                runs
                |> List.collect snd
                |> List.groupBy fst
                |> List.sortBy fst
                |> List.map (fun (key, vs) -> xOf key, List.map snd vs)
            let xs = byKey |> List.map fst |> Array.ofList
            yield look, { Name = $"{look.Label} median"; X = xs; Y = byKey |> List.map (snd >> median) |> Array.ofList }
            yield { look with Worst = true },
                  { Name = $"{look.Label} worst"; X = xs; Y = byKey |> List.map (snd >> List.max) |> Array.ofList } ]

    /// F4 input: per look, the median and the worst (largest) over the suite's sets of a value
    /// at each recorded step; `points` are (look, [(step, value)]) of one run each.
    let medianAndWorst (points: (Look * (int64 * float) list) list) = medianAndWorstBy float points

    /// The same against theta = log(-log L): runs record at different thetas, so the values are pooled in bins of a
    /// tenth of a decade of theta (drawn at the bin's centre); points with theta <= 0 or NaN are left out.
    let medianAndWorstOverTheta (points: (Look * (float * float) list) list) =
        let bin (theta: float) = int64 (Math.Round(10.0 * log10 theta))
        [ for look, run in points -> look, [ for theta, v in run do if theta > 0.0 then yield bin theta, v ] ]
        |> medianAndWorstBy (fun k -> 10.0 ** (float k / 10.0))
