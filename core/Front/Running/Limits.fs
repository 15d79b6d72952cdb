namespace ImplicitBias

open System
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Engine.Training

/// Gradient descent's angle (radians) to the certified limit at one recorded step.
type LimitAngle =
    { Step: int64
      /// theta = log(-log L) at that record (NaN before log L < 0).
      Theta: float
      Angle: float
      /// Whether the limit it was measured against was certified.
      Certified: bool }

/// Where a run's limit is solved: the entries of a grid with a kernel (the line 1 x D and the full kernel for the
/// paper's models), or the Fourier blocks of a finite group (gconv; its transform built once per group).
type LimitSpace =
    | OnGrid of Grid * KernelSize
    | OnGroup of GroupFourier

    /// CertifiedLimit.Find in this space.
    member this.Find(data: Dataset, kind: LimitKind, p: float, direction: float[], options: LimitOptions) =
        match this with
        | OnGrid(grid, kernel) -> CertifiedLimit.Find(data, kind, p, ReadOnlySpan direction, grid, kernel, options)
        | OnGroup fourier -> CertifiedLimit.Find(data, kind, p, ReadOnlySpan direction, fourier, options)

/// Follows a run's certified limit (CertifiedLimit) and decides when the run has converged to it. The angle to the
/// current limit is measured (one dot product) at decade records (steps 1, 10, 100, ...) and, with a convergence
/// target, at every record. A group-convolutional run's limits are solved with its group's transform, built once.
/// (docs/training.md, "LimitTracker")
type LimitTracker(data: Dataset, kind: LimitKind, p: float, target: float, space: LimitSpace, timeLimit: float) =
    let convex =
        kind = LimitKind.L2 || kind = LimitKind.FourierL1 || kind = LimitKind.TimeL1 || kind = LimitKind.KernelNorm
        || kind = LimitKind.GroupNuclear
    let schedule = SolveSchedule(data.Count, data.Dimension, kind)
    let cache = Collections.Generic.List<float[] * LimitCertificate>()
    let angles = Collections.Generic.List<LimitAngle>()
    let trace = Collections.Generic.List<LimitAngle>()
    let mutable solves = 0
    let mutable previousAngle = infinity
    let mutable converged = false
    let mutable latest : LimitAngle option = None
    /// The current limit, the direction it was solved from and that direction's angle to it.
    let mutable current : (LimitCertificate * float[] * float) option = None

    /// Solves from `direction` at theta = log(-log L) `theta`; `remaining` seconds until the run's time limit stop it
    /// (infinity: none). Bridge limits are polished from the direction itself only once the data is fit (see
    /// LimitTracker.OwnDirectionTheta).
    let solve (direction: float[]) (theta: float) (remaining: float) =
        match cache |> Seq.tryFind (fun (d, _) -> (d: float[]) = direction) with
        | Some(_, c) -> c
        | None ->
            solves <- solves + 1
            let clock = Diagnostics.Stopwatch.StartNew()
            use stop = new Threading.CancellationTokenSource()
            if remaining < 0.001 then stop.Cancel() // under a millisecond left: stopped before its first iteration
            elif Double.IsFinite remaining then stop.CancelAfter(TimeSpan.FromSeconds remaining)
            let own = theta >= LimitTracker.OwnDirectionTheta
            let options = LimitOptions(Cancellation = stop.Token, OwnDirection = own)
            let found = space.Find(data, kind, p, direction, options)
            schedule.Spent clock.Elapsed.TotalSeconds
            // Of two certified stationary points the one nearer the direction is the limit it heads to: a new bridge
            // solve that lands farther than the current limit (the local solver can walk a quarter turn away, as on a
            // diag L = 3 set at theta 6) does not replace it.
            let angleTo (l: LimitCertificate) = Geometry.Angle(ReadOnlySpan direction, ReadOnlySpan l.Direction)
            let c =
                match current with
                | Some(old, _, _) when not convex && old.Status = LimitStatus.Certified
                                       && (found.Status <> LimitStatus.Certified || angleTo old < angleTo found) -> old
                | _ -> found
            // A solve the time limit stopped is not a limit: measured against once, never kept (the run's
            // final limit is then solved afresh by Finish).
            if not stop.IsCancellationRequested then
                if convex then cache.Clear()
                if cache.Count >= 8 then cache.RemoveAt 0
                cache.Add((Array.copy direction, c))
                let angleAtSolve = Geometry.Angle(ReadOnlySpan direction, ReadOnlySpan c.Direction)
                current <- Some(c, Array.copy direction, angleAtSolve)
            c

    /// Whether the schedule asks for a solve from `direction` (at a decade record when `decade`).
    let due (direction: float[]) (decade: bool) =
        match current with
        | None -> true
        | Some _ when convex -> false
        | Some(limit, from, angleAtSolve) ->
            let moved = Geometry.Angle(ReadOnlySpan direction, ReadOnlySpan from)
            (decade && schedule.Cheap)
            || SolveSchedule.Moved(moved, angleAtSolve, target)
            || SolveSchedule.Veering(
                moved, Geometry.Angle(ReadOnlySpan direction, ReadOnlySpan limit.Direction), angleAtSolve, target)

    /// The limit to measure a record's direction against at wall-clock second `elapsed`: a new solve
    /// where the schedule allows one, else the current limit (None before the first solve).
    let limitFor (direction: float[]) (theta: float) (elapsed: float) (decade: bool) =
        if elapsed < timeLimit && due direction decade && schedule.Affordable elapsed then
            Some(solve direction theta (timeLimit - elapsed))
        else current |> Option.map (fun (c, _, _) -> c)

    /// Bridge limits are polished from GD's own direction only from this theta = log(-log L) on (the late phase's
    /// hand-over): before the fit every point weighs in. (docs/training.md, "LimitTracker.OwnDirectionTheta")
    static member OwnDirectionTheta = 1.5

    /// True for steps 1, 10, 100, ...
    static member IsDecade(step: int64) =
        let mutable s = step
        while s >= 10L && s % 10L = 0L do s <- s / 10L
        s = 1L

    /// A tracker on a grid and kernel.
    new(data: Dataset, kind: LimitKind, p: float, target: float, grid: Grid, kernel: KernelSize, timeLimit: float) =
        LimitTracker(data, kind, p, target, OnGrid(grid, kernel), timeLimit)

    /// A tracker with no time limit.
    new(data: Dataset, kind: LimitKind, p: float, target: float, grid: Grid, kernel: KernelSize) =
        LimitTracker(data, kind, p, target, OnGrid(grid, kernel), infinity)

    /// A tracker for the paper's models (the line 1 x D, the full kernel), with no time limit.
    new(data: Dataset, kind: LimitKind, p: float, target: float) =
        LimitTracker(data, kind, p, target, OnGrid(Grid.Line data.Dimension, KernelSize.Line data.Dimension), infinity)

    member _.Kind = kind
    /// Where its limits are solved.
    member _.Space = space
    member _.P = p
    /// The convergence target in radians (0: never converged).
    member _.Target = target
    /// How many times CertifiedLimit.Find ran.
    member _.Solves = solves
    /// Seconds spent in CertifiedLimit.Find.
    member _.TrackingSeconds = schedule.TrackingSeconds
    /// The angles at the decade records seen so far (and at the final record after Finish).
    member _.Angles = List.ofSeq angles
    /// Every angle measured (every record with a convergence target, else the decade records), for AngleRate.
    member _.Trace = List.ofSeq trace
    /// The last angle measured, if any.
    member _.Latest = latest
    /// Whether the last observed record met the convergence test.
    member _.Converged = converged

    /// The certified limit for a direction: the current one where the schedule does not ask for a new
    /// solve, else solved from this direction (always solved when there is none yet).
    /// No time limit applies: this is a run's answer.
    member _.LimitAt(direction: float[], theta: float) =
        match current with
        | Some(c, _, _) when not (due direction false) -> c
        | _ -> solve direction theta infinity

    /// The same for a direction whose theta is not known (treated as before the fit).
    member this.LimitAt(direction: float[]) = this.LimitAt(direction, nan)

    /// Looks at a record: measures the angle when it is useful (see the type) and sets Converged:
    /// angle below the target, smaller than at the previous measurement, and the limit certified.
    member this.Observe(record: TrainingRecord) =
        converged <- false
        match record.Direction with
        | null -> ()
        | direction ->
            let decade = LimitTracker.IsDecade record.Step
            if decade || target > 0.0 then
                match limitFor direction record.LogNegativeLogLoss record.Seconds decade with
                | None -> ()
                | Some limit ->
                    let angle = Geometry.Angle(ReadOnlySpan direction, ReadOnlySpan limit.Direction)
                    let certified = limit.Status = LimitStatus.Certified && Double.IsFinite angle
                    let here =
                        { Step = record.Step; Theta = record.LogNegativeLogLoss; Angle = angle; Certified = certified }
                    if Double.IsFinite angle then // NaN only for a zero direction (beta = 0)
                        latest <- Some here
                        trace.Add here
                        if decade then angles.Add here
                        converged <- target > 0.0 && certified && angle < target && angle < previousAngle
                        previousAngle <- angle

    /// The limit at the final direction and GD's angle to it (NaN only for a zero direction); adds the
    /// final record's angle to Angles. The limit is solved again only where the schedule's motion rule
    /// asks (no time limit applies: this is the run's answer).
    member this.Finish(finalStep: int64, direction: float[]) = this.Finish(finalStep, direction, nan)

    /// The same, with the final record's theta = log(-log L). (docs/training.md, "LimitTracker.Finish")
    member this.Finish(finalStep: int64, direction: float[], theta: float) =
        let first = this.LimitAt(direction, theta)
        let angleTo (l: LimitCertificate) = Geometry.Angle(ReadOnlySpan direction, ReadOnlySpan l.Direction)
        // A limit already solved from this very direction comes back from the cache, the same one.
        let limit =
            if convex || not (angleTo first > (if target > 0.0 then target else 1e-6)) then first
            else
                let again = solve direction theta infinity
                if again.Status = LimitStatus.Certified && angleTo again < angleTo first then again else first
        let angle = angleTo limit
        if Double.IsFinite angle && (angles.Count = 0 || angles[angles.Count - 1].Step <> finalStep) then
            let certified = limit.Status = LimitStatus.Certified
            angles.Add { Step = finalStep; Theta = theta; Angle = angle; Certified = certified }
        limit, angle

/// Creating limit trackers from run settings.
module Limits =
    /// The grid and kernel of the settings for data of dimension D: the line 1 x D and the full kernel
    /// unless --shape / --kernel say otherwise.
    let gridOf (s: RunSpec) (dimension: int) =
        Model.gridAndKernel s.Shape s.Kernel dimension

    /// The limit kind and p the theory predicts for the settings' model, depth, grid, kernel and channels
    /// (CertifiedLimit.For); None where the theory gives no reference, only Theorem 4's KKT point
    /// (kernel nets at depth >= 3).
    let kindOf (s: RunSpec) (dimension: int) =
        let grid, kernel = gridOf s dimension
        let struct (kind, p) = CertifiedLimit.For(Model.kind s.Model, s.Depth, grid, kernel, s.Channels)
        if kind = LimitKind.TheoremFourOnly then None else Some(kind, p)

    /// Where the settings' limits are solved: gconv's group (GroupName.fourier: its transform built once per name and
    /// process), else the grid and kernel.
    let spaceOf (s: RunSpec) (dimension: int) =
        match s.Group with
        | Some name -> OnGroup(GroupName.fourier name)
        | None -> OnGrid(gridOf s dimension)

    /// CertifiedLimit.Find for the settings (spaceOf).
    let find (s: RunSpec) (data: Dataset) (kind: LimitKind) (p: float) (direction: float[]) (options: LimitOptions) =
        (spaceOf s data.Dimension).Find(data, kind, p, direction, options)

    /// A tracker for a run with these settings on this data (target: s.ConvergenceAngle); None when kindOf is None.
    let tracker (s: RunSpec) (data: Dataset) =
        kindOf s data.Dimension
        |> Option.map (fun (kind, p) ->
            LimitTracker(data, kind, p, s.ConvergenceAngle, spaceOf s data.Dimension, s.TimeLimitSeconds))
