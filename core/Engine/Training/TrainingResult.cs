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
    /// <summary>
    /// A value left the double range while the loss was not yet tiny (log L above -1e100), as a
    /// diverging fixed step does; the result holds the last finite state.
    /// </summary>
    NonFinite,
    /// <summary>The caller cancelled the run.</summary>
    Cancelled,
    /// <summary>
    /// The margins grew to the end of the double range (log L below -1e100 when a value left the
    /// range, as geometric step growth reaches after enough steps): the result holds the last finite
    /// state, the nearest to the limit direction that double arithmetic can carry a run.
    /// </summary>
    RangeLimit,
}

/// <summary>The end state of a gradient-descent run and what was recorded along the way.</summary>
public sealed record TrainingResult(
    TrainingOutcome Outcome,
    long Steps,
    double Seconds,
    double[] Parameters,
    double[] Beta,
    IReadOnlyList<TrainingRecord> Records)
{
    /// <summary>The last record (always taken at the final step).</summary>
    public TrainingRecord Final => Records[^1];
    /// <summary>beta / ||beta||.</summary>
    public double[] Direction => Geometry.Normalize(Beta);
    /// <summary>Steps per second of wall-clock time.</summary>
    public double StepsPerSecond => Seconds > 0 ? Steps / Seconds : double.NaN;
}
