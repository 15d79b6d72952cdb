using ImplicitBias.Engine.Numerics;
using System.Runtime.CompilerServices;
namespace ImplicitBias.Engine.Training;

/// <summary>
/// The default rule since engine 2: the normalized step (<see cref="NormalizedStep"/>: eta / ||grad||^2,
/// capped for nu &gt;= 2) with a floor that settles as the direction does, so that the direction
/// converges instead of hovering.
/// <para>Why. A fixed floor rho (every step moves w by at least rho ||w||) makes the margins grow
/// geometrically, but once they are large the softmax weights switch between the support vectors from
/// step to step and the direction chatters with an amplitude of order rho (1 - cos about 8 rho^2 was
/// measured): it hovers at distance O(rho) from the limit. Any explicit step does this once the step
/// is long compared with 1 / margin, so a converging run needs steps that shrink. How fast may they
/// shrink? Near the limit the direction u approaches it like exp(-delta theta) in theta = log(-log L)
/// (the log of the margin), so its speed |du/dtheta| is delta times its distance to the limit.</para>
/// <para>The rule. Whenever theta has risen by at least <see cref="StepFloor.AnchorSpan"/> since the
/// last measurement (checked at <see cref="StepFloor.ObservationsPerDecade"/> log-spaced steps per
/// decade, whatever the run records; <see cref="StepFloor.Observe"/>), the floor is set to Kappa
/// times the measured speed, the angle between the direction then and now over the rise of theta,
/// capped at <see cref="MaxFloor"/>: far from the limit the floor is MaxFloor and margins grow
/// geometrically; near it the floor is a fixed fraction of the (speed-estimated) distance, so the
/// chatter stays a fraction of the distance and both shrink together. Chatter adds at most
/// 4 floor / AnchorSpan to the measured speed, so for Kappa &lt; 1/4 it cannot hold the floor up.
/// Where the floor falls below the eta step, the eta step takes over (margins then grow by about eta
/// a step).</para>
/// <para>Capped steps of second order (<see cref="Midpoint"/>, on in Run.defaults). While the eta step
/// is longer than the cap (the escape from the saddle at w = 0 and the fit: about half a million
/// steps of Cap ||w|| for deep nets), the steps are those of the gradient flow's explicit midpoint rule
/// w &lt;- w - s grad(w - (s/2) grad(w)), s the capped multiplier at w (<see cref="StepFloor.TakesMidpoint"/>),
/// instead of Euler's w &lt;- w - s grad(w): two gradients a step instead of one, and a path error
/// O(Cap^2) instead of O(Cap). Why: on deep conv nets the escape amplifies the path error of these
/// steps; with Euler's steps a run stayed up to 1 - cos 5.9e-8 from the run with ten times smaller
/// steps (about Cap^2 in 1 - cos), with the midpoint rule 1.8e-16 on the same set
/// (docs/performance.md). The eta and floor regimes keep Euler's steps.</para>
/// <para>The floor after the cap (<see cref="FloorAfterCap"/>, on in Run.defaults since engine 2.3). The
/// floor's speed measurements during the capped phase see the escape and the fit, where the direction
/// moves fast, so the floor left the capped phase at MaxFloor (= Cap in Run.defaults): the first steps
/// after it were Euler steps as long as the capped ones, at margins where steps that long already chatter
/// (the twin with ten times smaller steps is still capped there). On conv L=5 on one set this put the run
/// 1 - cos 8.9e-9 from that twin at log L = -1e4, while the twins with 10x and 100x smaller steps agreed
/// to 1e-26. With this option the capped phase keeps the floor at 0 and drops its anchor, so the floor
/// starts from a speed measured after the cap; the first rise of one in log(-log L) after it is made by
/// eta steps (1.7e-10 on that set; docs/performance.md).</para>
/// Without a per-run <see cref="StepFloor"/> (as in the benchmarks' timing loop) it is
/// <see cref="NormalizedStep"/>(Eta, MaxFloor), always Euler.
/// </summary>
/// <param name="Eta">The eta of the normalized step.</param>
/// <param name="MaxFloor">The largest floor, relative to ||w||.</param>
/// <param name="Kappa">Floor per unit of measured speed |du/dtheta|.</param>
/// <param name="Cap">For degree nu &gt;= 2 no step moves w by more than Cap ||w|| (binds near w = 0 and at saddles).</param>
/// <param name="Midpoint">Capped steps (see <see cref="StepFloor.TakesMidpoint"/>) by the explicit midpoint rule instead of Euler's.</param>
/// <param name="FloorAfterCap">Capped steps reset the floor to 0 and its speed measurement (see <see cref="StepFloor.AfterGradient"/>): the floor starts after the cap.</param>
public sealed record SettlingStep(double Eta, double MaxFloor, double Kappa, double Cap = NormalizedStep.MaxRelativeStep, bool Midpoint = false, bool FloorAfterCap = false) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared, long scaleExponent = 0) =>
        NormalizedStep.Scaled(Eta, MaxFloor, Cap, parameterNormSquared, gradientNormSquared, degree, scaleExponent);

    /// <inheritdoc/>
    public override string Describe() =>
        (Cap == NormalizedStep.MaxRelativeStep && !Midpoint && !FloorAfterCap
            ? FormattableString.Invariant($"settling:{Eta}:{MaxFloor}:{Kappa}")
            : FormattableString.Invariant($"settling:{Eta}:{MaxFloor}:{Kappa}:{Cap}"))
        + (Midpoint ? ":midpoint" : "") + (FloorAfterCap ? ":floor-after-cap" : "");

    /// <summary>The per-run state of the floor, starting at <see cref="MaxFloor"/>.</summary>
    public StepFloor Start() => new(this);

    /// <summary>The same rule with every step length divided by <paramref name="factor"/> (for path-accuracy checks).</summary>
    public SettlingStep Smaller(double factor) => new(Eta / factor, MaxFloor / factor, Kappa / factor, Cap / factor, Midpoint, FloorAfterCap);
}

/// <summary>The floor of one run under a <see cref="SettlingStep"/> rule; see there.</summary>
public sealed class StepFloor
{
    /// <summary>
    /// The speed is measured over at least this rise of theta = log(-log L) (a factor e in the
    /// margins): over a long baseline the chatter of the direction (amplitude about 4 floor) adds at
    /// most 4 floor / AnchorSpan to the measured speed, so with Kappa &lt; 1/4 it cannot hold the floor up.
    /// </summary>
    public const double AnchorSpan = 1.0;

    /// <summary>How often (log-spaced, per decade of steps) the training loop shows the floor the direction.</summary>
    public const int ObservationsPerDecade = 20;

    private readonly SettlingStep _rule;
    private double _anchorTheta = double.NaN;
    private double[]? _anchor;
    private bool _capEnded; // FloorAfterCap: a step past the fit and the cap was seen, capped steps no longer reset
    private long _etaExponent;
    private double _etaPower = double.NaN; // 2^(_etaExponent) eta, for Step

    /// <summary>A floor at the rule's maximum.</summary>
    public StepFloor(SettlingStep rule) { _rule = rule; Floor = rule.MaxFloor; }

    /// <summary>The current floor (relative to ||w||).</summary>
    public double Floor { get; private set; }

    /// <summary>
    /// Takes a record: theta = log(-log L) (NaN while L &gt;= 1) and the unit direction. Once theta has
    /// risen by <see cref="AnchorSpan"/> since the anchor (the direction kept at an earlier record), sets
    /// the floor to Kappa * angle(anchor, direction) / rise, capped at MaxFloor, and moves the anchor here.
    /// </summary>
    public void Observe(double logNegativeLogLoss, ReadOnlySpan<double> direction)
    {
        if (!double.IsFinite(logNegativeLogLoss)) { _anchor = null; return; }
        if (_anchor is null) { _anchor = direction.ToArray(); _anchorTheta = logNegativeLogLoss; return; }
        double rise = logNegativeLogLoss - _anchorTheta;
        if (rise < AnchorSpan) return;
        Floor = Math.Min(_rule.MaxFloor, _rule.Kappa * Geometry.Angle(_anchor, direction) / rise);
        direction.CopyTo(_anchor);
        _anchorTheta = logNegativeLogLoss;
    }

    /// <summary>
    /// True when the rule takes this step by the midpoint rule: <see cref="SettlingStep.Midpoint"/> is set,
    /// nu &gt;= 2 and the eta step is at least the cap (the capped regime: the saddle escape and the fit).
    /// The training loop then forms the gradient at w - (s/2) grad and moves w by -s times it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TakesMidpoint(double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent) =>
        _rule.Midpoint && NormalizedStep.EtaStepIsCapped(_rule.Eta, _rule.Cap, parameterNormSquared, gradientNormSquared, degree, scaleExponent);

    /// <summary>
    /// Shows the floor the norms of a step (before <see cref="Multiplier"/>). With
    /// <see cref="SettlingStep.FloorAfterCap"/>, until the first step past the fit (log L &lt; 0) whose eta step
    /// is not capped, every capped step (nu &gt;= 2, eta step at least Cap ||w||; the floor does not change its
    /// length) sets the floor to 0 and forgets the anchor, so the floor is measured from the direction after the capped phase:
    /// the first rise of <see cref="AnchorSpan"/> after it takes eta steps, then the floor is Kappa times the
    /// speed measured over it. Only the capped phase resets: capped steps later (where the direction chatters
    /// at the end of the fit, eta and capped steps alternate for a while) do not, or the floor would stay at 0
    /// (on the paper's data, conv L=5: 26% more steps to the limit).
    /// </summary>
    public void AfterGradient(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent)
    {
        if (!_rule.FloorAfterCap || _capEnded) return;
        if (NormalizedStep.EtaStepIsCapped(_rule.Eta, _rule.Cap, parameterNormSquared, gradientNormSquared, degree, scaleExponent))
        {
            Floor = 0;
            _anchor = null;
        }
        else if (logLoss < 0) _capEnded = true;
    }

    /// <summary>
    /// One step's <see cref="AfterGradient"/>, <see cref="Multiplier"/> and <see cref="TakesMidpoint"/> in one pass,
    /// with their values bit for bit (the slow twins; a test compares them): the eta step eta 2^(-nu k) / ||G||^2 and the
    /// relative step sqrt(||w||^2 / ||G||^2) are computed once instead of three times, the power of two once per nu k.
    /// Why: this runs for every run at every step, and in a batch (<see cref="Batch.BatchTrainer"/>) it is a fair part of the per-run cost.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Step(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent, out bool midpoint)
    {
        long exponent = -degree * scaleExponent;
        if (exponent != _etaExponent || double.IsNaN(_etaPower)) { _etaPower = ScaledStep.Power2(_rule.Eta, exponent); _etaExponent = exponent; }
        bool positive = gradientNormSquared > 0;
        double relative = Math.Sqrt(parameterNormSquared / gradientNormSquared);
        double etaStep = _etaPower / gradientNormSquared;
        bool capped = degree >= 2 && positive && etaStep >= _rule.Cap * relative; // NormalizedStep.EtaStepIsCapped
        if (_rule.FloorAfterCap && !_capEnded)
        {
            if (capped) { Floor = 0; _anchor = null; }
            else if (logLoss < 0) _capEnded = true;
        }
        midpoint = _rule.Midpoint && capped;
        if (!positive) return 0; // NormalizedStep.Scaled from here on
        double s = Math.Max(etaStep, Floor * relative);
        if (degree >= 2) s = Math.Min(s, _rule.Cap * relative);
        return s;
    }

    /// <summary>The step multiplier with the current floor (scaled coordinates, as <see cref="StepRule.Multiplier"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Multiplier(double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent) =>
        NormalizedStep.Scaled(_rule.Eta, Floor, _rule.Cap, parameterNormSquared, gradientNormSquared, degree, scaleExponent);
}
