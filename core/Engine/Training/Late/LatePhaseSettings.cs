namespace ImplicitBias.Engine.Training.Late;

/// <summary>When gradient descent hands over to the late-phase integrators (<see cref="LatePhase"/>) and how accurately
/// they follow the flow.</summary>
/// <param name="HandOverTheta">The explicit rule stops once theta = log(-log L) reaches this (every margin is then at
/// least e^theta, so the data is fit) and the stiff integrator of the exact flow takes over.</param>
/// <param name="SlidingTheta">From this theta on the sliding mode (<see cref="SlidingFlowStepper"/>) follows the flow.
/// Its error against the exact flow falls with theta; docs/late-phase.md gives the measurements behind the
/// default.</param>
/// <param name="Tolerance">Local error allowed per step, in radians of the parameter direction.</param>
public sealed record LatePhaseSettings(double HandOverTheta = 1.5, double SlidingTheta = 12, double Tolerance = 1e-7)
{
    /// <summary>The stiff integrator's tolerance at theta: a tenth of <see cref="Tolerance"/> in the last
    /// <see cref="TightStiffSpan"/> units of theta before the sliding mode, where its error estimate understates the
    /// global error (docs/late-phase.md, "Where the sliding mode takes over").</summary>
    public double StiffTolerance(double theta) => theta < SlidingTheta - TightStiffSpan ? Tolerance : Tolerance / 10;

    /// <summary>How many units of theta before <see cref="SlidingTheta"/> the stiff integrator runs at a tenth of the
    /// tolerance.</summary>
    public const double TightStiffSpan = 3;

    /// <summary>Text form, e.g. "1.5:12:1E-07" (what train.fsx's --late takes).</summary>
    public string Describe() => FormattableString.Invariant($"{HandOverTheta}:{SlidingTheta}:{Tolerance}");

    /// <summary>Parses "HANDOVER:SLIDING:TOLERANCE" with 0 &lt; HANDOVER &lt;= SLIDING and 0 &lt; TOLERANCE &lt;
    /// 1e-2.</summary>
    public static LatePhaseSettings Parse(string text)
    {
        var parts = text.Split(':');
        var numbers = parts.Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture,
                out double x) && double.IsFinite(x) ? x : double.NaN).ToArray();
        if (numbers.Length == 3 && numbers[0] > 0 && numbers[1] >= numbers[0] && numbers[2] > 0 && numbers[2] < 1e-2)
            return new LatePhaseSettings(numbers[0], numbers[1], numbers[2]);
        throw new ArgumentException(
            $"late phase '{text}' is not of the form HANDOVER:SLIDING:TOLERANCE with 0 < HANDOVER <= SLIDING and 0 " +
            $"< TOLERANCE < 1e-2 (e.g. 1.5:12:1e-7).");
    }
}

/// <summary>What the late phase of a run did.</summary>
/// <param name="HandOverStep">The explicit steps taken before the hand-over.</param>
/// <param name="HandOverTheta">theta at the hand-over.</param>
/// <param name="StiffSteps">Accepted steps of the stiff integrator of the exact flow.</param>
/// <param name="SlidingSteps">Accepted steps of the sliding mode (0 if the run ended before SlidingTheta).</param>
/// <param name="RejectedSteps">Steps retried shorter (error above the tolerance, a crossing overshot, a target
/// passed).</param>
/// <param name="SlidingFromTheta">theta where the sliding mode took over (NaN if it did not).</param>
/// <param name="ActivePoints">Points in the active set at the end (0 if the sliding mode did not start).</param>
/// <param name="WeightedPoints">Active points with a positive weight at the end (the support of the dual
/// certificate).</param>
/// <param name="Seconds">Wall-clock seconds of the late phase.</param>
/// <param name="FinalSpeed">||du/dtau|| of the sliding mode at the end (NaN if it did not start): how fast the
/// parameter direction still moves per unit of theta.</param>
public sealed record LatePhaseSummary(
    long HandOverStep, double HandOverTheta, long StiffSteps, long SlidingSteps, long RejectedSteps,
    double SlidingFromTheta, int ActivePoints, int WeightedPoints, double Seconds, double FinalSpeed = double.NaN);
