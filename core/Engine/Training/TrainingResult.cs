namespace ImplicitBias.Engine.Training;

/// <summary>Why a run stopped. Not converging is an outcome to record, never an exception.</summary>
public enum TrainingOutcome
{
    /// <summary>log L reached the target.</summary>
    LossTargetReached,
    /// <summary>The step budget ran out.</summary>
    StepLimit,
    /// <summary>The wall-clock budget ran out.</summary>
    TimeLimit,
    /// <summary>A value left the double range: the iteration diverged (as a too large fixed step does). Growing margins
    /// never cause it (training carries the scale apart); the result holds the last finite state.</summary>
    NonFinite,
    /// <summary>The caller cancelled the run.</summary>
    Cancelled,
    /// <summary>The caller's convergence test held at a record (e.g. the angle to the certified limit fell below its
    /// target and was still shrinking).</summary>
    Converged,
    /// <summary>The data is not linearly separable (checked before training; no step was taken).</summary>
    NotSeparable,
    /// <summary>The late phase's direction stopped moving: its speed d u / d tau fell below
    /// <see cref="Late.LatePhase.StationarySpeed"/>. (docs/training.md, "TrainingResult.Stationary")</summary>
    Stationary,
    /// <summary>The explicit phase reached the late phase's hand-over theta (<see cref="Late.LatePhaseSettings"/>);
    /// never the outcome of a whole run: <see cref="GradientDescent.Train"/> and <see cref="Batch.BatchTrainer"/>
    /// continue it with <see cref="Late.LatePhase"/>. (docs/training.md, "TrainingResult.HandOver")</summary>
    HandOver,
}

/// <summary>The end state of a gradient-descent run and what was recorded along the way, in the input's coordinates.
/// Sizes are logarithms (margins grow without bound), directions unit vectors.</summary>
/// <param name="Outcome">Why the run stopped.</param>
/// <param name="Steps">Steps taken.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="Parameters">w / ||w||, in the parameterization's layout.</param>
/// <param name="LogParameterNorm">log ||w||.</param>
/// <param name="Direction">beta / ||beta||.</param>
/// <param name="LogBetaNorm">log ||beta||.</param>
/// <param name="Records">The log-spaced records; the last is taken at the final step.</param>
/// <param name="Late">What the late phase did (null when the run did not reach it).</param>
/// <param name="LogUnitScaledParameterNorm">log ||w|| in the coordinates of the data divided by its largest point norm
/// (the coordinates training works in), exactly as training carried it: where the late phase starts (NaN if
/// unknown).</param>
public sealed record TrainingResult(
    TrainingOutcome Outcome,
    long Steps,
    double Seconds,
    double[] Parameters,
    double LogParameterNorm,
    double[] Direction,
    double LogBetaNorm,
    IReadOnlyList<TrainingRecord> Records,
    Late.LatePhaseSummary? Late = null,
    double LogUnitScaledParameterNorm = double.NaN)
{
    /// <summary>The last record (always taken at the final step).</summary>
    public TrainingRecord Final => Records[^1];
    /// <summary>beta = exp(LogBetaNorm) * Direction: for short runs only, it overflows to infinity once ||beta|| passes
    /// the double range.</summary>
    public double[] Beta => Direction.Select(v => v * Math.Exp(LogBetaNorm)).ToArray();
    /// <summary>Steps per second of wall-clock time.</summary>
    public double StepsPerSecond => Seconds > 0 ? Steps / Seconds : double.NaN;
}
