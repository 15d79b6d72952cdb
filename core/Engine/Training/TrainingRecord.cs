namespace ImplicitBias.Engine.Training;

/// <summary>The state of a run at one recorded step, in the input's coordinates.
/// (docs/training.md, "TrainingRecord")</summary>
/// <param name="Step">Steps taken so far.</param>
/// <param name="Seconds">Wall-clock seconds since the start of training.</param>
/// <param name="LogLoss">log L(beta), exact while it is a double; -infinity once |log L| passes about 1.8e308 (kept in
/// memory only; files carry LogBetaNorm and SmoothedMargin).</param>
/// <param name="LogBetaNorm">log ||beta||_2.</param>
/// <param name="SmoothedMargin">-log L / ||beta||, the smoothed normalized margin (Lyu and Li 2020); it rises to the
/// normalized margin from below for the exponential loss.</param>
/// <param name="NormalizedMargin">min_n y_n &lt;x_n, beta&gt; / ||beta||.</param>
/// <param name="LogParameterNorm">log ||w||_2.</param>
/// <param name="AngleToPrevious">Angle (radians) between this direction and the previous record's; NaN at the
/// first.</param>
/// <param name="Direction">beta / ||beta|| (null when directions are not recorded).</param>
/// <param name="FourierMagnitudes">|DFT(beta/||beta||)| in the paper's unitary convention (null when not
/// recorded).</param>
public sealed record TrainingRecord(
    long Step,
    double Seconds,
    double LogLoss,
    double LogBetaNorm,
    double SmoothedMargin,
    double NormalizedMargin,
    double LogParameterNorm,
    double AngleToPrevious,
    double[]? Direction,
    double[]? FourierMagnitudes)
{
    /// <summary>log(-log L) = LogBetaNorm + log SmoothedMargin, the log of the loss's margin scale; NaN while L &gt;=
    /// 1.</summary>
    public double LogNegativeLogLoss => SmoothedMargin > 0 ? LogBetaNorm + Math.Log(SmoothedMargin) : double.NaN;
}
