namespace ImplicitBias

open System

/// When a run's limit tracker re-solves its certified limit (LimitTracker), so that tracking costs a small, bounded
/// fraction of a run at any size. (docs/training.md, "SolveSchedule")
type SolveSchedule(count: int, dimension: int, secondsPerUnit: float) =
    let mutable trackingSeconds = 0.0
    let mutable lastCost = nan

    /// Solves expected below this many seconds follow the motion rule alone.
    static member CheapSeconds = 0.05
    /// The largest share of a run's wall clock that expensive solves may take.
    static member Fraction = 0.1
    /// Seconds of expensive solves allowed before the fraction applies.
    static member FreeSeconds = 0.25

    /// The cost model's seconds per N D min(N, D) for a limit kind (see ModelSeconds).
    /// (docs/training.md, "SolveSchedule.UnitSeconds")
    static member UnitSeconds(kind: ImplicitBias.Engine.Theory.LimitKind) =
        match kind with
        | ImplicitBias.Engine.Theory.LimitKind.GroupBridge -> 2e-4
        | ImplicitBias.Engine.Theory.LimitKind.FourierBridge | ImplicitBias.Engine.Theory.LimitKind.TimeBridge -> 6e-7
        | _ -> 1e-7

    /// The schedule for a limit kind at N points of dimension D.
    new(count: int, dimension: int, kind: ImplicitBias.Engine.Theory.LimitKind) =
        SolveSchedule(count, dimension, SolveSchedule.UnitSeconds kind)

    /// The cost model before the first solve, in seconds per N D min(N, D): the first solve of a process measured at D
    /// = 256, N = 128 (a bridge from a random direction 2.5 s, not yet JIT-optimized) and kept as an upper bound for
    /// larger sizes. (docs/training.md, "SolveSchedule.ModelSeconds")
    member _.ModelSeconds =
        secondsPerUnit * float count * float dimension * float (min count dimension)

    /// The expected seconds of the next solve.
    member this.ExpectedSeconds = if Double.IsNaN lastCost then this.ModelSeconds else lastCost

    /// Seconds spent solving so far.
    member _.TrackingSeconds = trackingSeconds

    /// Whether solves at this size are cheap by the model (deterministic: it does not read the clock).
    /// A cheap bridge limit is also re-solved at every decade record, so that `angles_to_limit` measures
    /// each decade against the limit of its own direction.
    member this.Cheap = this.ModelSeconds <= SolveSchedule.CheapSeconds

    /// Whether a solve whose rule fired may start at wall-clock second `elapsed` of the run.
    member this.Affordable(elapsed: float) =
        let budget = max SolveSchedule.FreeSeconds (SolveSchedule.Fraction * elapsed)
        this.Cheap || trackingSeconds + this.ExpectedSeconds <= budget

    /// The motion rule: no limit yet, or the direction moved (`moved`, radians since the last solve's
    /// start) by more than half the angle from that start to its limit (`angleAtSolve`), and by more
    /// than a tenth of the convergence target (`target`; 0 when there is none).
    static member Moved(moved: float, angleAtSolve: float, target: float) =
        not (Double.IsFinite angleAtSolve) || moved > max (0.5 * angleAtSolve) (0.1 * target)

    /// The veering rule (bridge limits): the direction moved (`moved`) by more than a hundredth of its angle at the
    /// last solve (`angleAtSolve`) and more than the target, yet its angle to that limit (`angleNow`) fell by less than
    /// half of the motion: it is heading to another stationary point. (docs/training.md, "SolveSchedule.Veering")
    static member Veering(moved: float, angleNow: float, angleAtSolve: float, target: float) =
        Double.IsFinite angleAtSolve && moved > max (0.01 * angleAtSolve) target
        && angleAtSolve - angleNow < 0.5 * moved

    /// Records a solve's measured time.
    member _.Spent(seconds: float) =
        trackingSeconds <- trackingSeconds + seconds
        lastCost <- seconds
