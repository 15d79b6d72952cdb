namespace ImplicitBias.Engine.Training;

/// <summary>The state of a run at one recorded step.</summary>
/// <param name="Step">Steps taken so far.</param>
/// <param name="Seconds">Wall-clock seconds since the start of training.</param>
/// <param name="LogLoss">log L(beta).</param>
/// <param name="NormalizedMargin">min_n y_n &lt;x_n, beta&gt; / ||beta||.</param>
/// <param name="BetaNorm">||beta||_2.</param>
/// <param name="ParameterNorm">||w||_2.</param>
/// <param name="AngleToPrevious">Angle (radians) between this direction and the previous record's; NaN at the first.</param>
/// <param name="Direction">beta / ||beta|| (null when directions are not recorded).</param>
/// <param name="FourierMagnitudes">|DFT(beta/||beta||)| in the paper's unitary convention (null when not recorded).</param>
public sealed record TrainingRecord(
    long Step,
    double Seconds,
    double LogLoss,
    double NormalizedMargin,
    double BetaNorm,
    double ParameterNorm,
    double AngleToPrevious,
    double[]? Direction,
    double[]? FourierMagnitudes);
