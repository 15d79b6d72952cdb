using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Training.Late;

namespace ImplicitBias.Engine.Training;

/// <summary>What gradient descent runs with and when it stops.</summary>
/// <param name="Step">The step rule.</param>
/// <param name="Loss">The loss (exponential or logistic).</param>
/// <param name="MaxSteps">Stop after this many steps.</param>
/// <param name="TimeLimitSeconds">Stop after this much wall-clock time (infinity: no limit).</param>
/// <param name="LogLossTarget">Stop once log L is at or below this (negative infinity: never).</param>
/// <param name="RecordsPerDecade">Recorded steps per factor of ten in the step count (log-spaced).</param>
/// <param name="RecordDirections">Keep beta/||beta|| and |beta_hat| at every record (D values each).</param>
/// <param name="ThetaTarget">Stop once theta = log(-log L) reaches this (infinity: never): the log-loss target for
/// losses past the double range (theta above about 709), honoured by the late phase only.</param>
/// <param name="Late">The late phase (null: the step rule all the way): once the data is fit the flow is followed by
/// the integrators of <see cref="LatePhase"/>.</param>
public sealed record TrainingSettings(
    StepRule Step,
    ILoss Loss,
    long MaxSteps,
    double TimeLimitSeconds = double.PositiveInfinity,
    double LogLossTarget = double.NegativeInfinity,
    int RecordsPerDecade = 20,
    bool RecordDirections = true,
    LatePhaseSettings? Late = null,
    double ThetaTarget = double.PositiveInfinity);
