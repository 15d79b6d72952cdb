using ImplicitBias.Engine.Numerics;
using System.Runtime.CompilerServices;
namespace ImplicitBias.Engine.Training;

/// <summary>The default rule: the normalized step (<see cref="NormalizedStep"/>: eta / ||grad||^2,
/// capped for nu &gt;= 2) with a floor that settles as the direction does, so that the direction converges instead of
/// hovering. (docs/training.md, "SettlingStep")</summary>
/// <param name="Eta">The eta of the normalized step.</param>
/// <param name="MaxFloor">The largest floor, relative to ||w||.</param>
/// <param name="Kappa">Floor per unit of measured speed |du/dtheta|.</param>
/// <param name="Cap">For degree nu &gt;= 2 no step moves w by more than Cap ||w|| (binds near w = 0 and at
/// saddles).</param>
/// <param name="Midpoint">Capped steps (see <see cref="StepFloor.TakesMidpoint"/>) by the explicit midpoint rule
/// instead of Euler's.</param>
/// <param name="FloorAfterCap">Capped steps reset the floor to 0 and its speed measurement (see
/// <see cref="StepFloor.AfterGradient"/>): the floor starts after the cap.</param>
public sealed record SettlingStep(double Eta, double MaxFloor, double Kappa,
    double Cap = NormalizedStep.MaxRelativeStep, bool Midpoint = false, bool FloorAfterCap = false) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared,
        int degree, double dataScaleSquared, long scaleExponent = 0) =>
        NormalizedStep.Scaled(Eta, MaxFloor, Cap, parameterNormSquared, gradientNormSquared, degree, scaleExponent);

    /// <inheritdoc/>
    public override string Describe() =>
        (Cap == NormalizedStep.MaxRelativeStep && !Midpoint && !FloorAfterCap
            ? FormattableString.Invariant($"settling:{Eta}:{MaxFloor}:{Kappa}")
            : FormattableString.Invariant($"settling:{Eta}:{MaxFloor}:{Kappa}:{Cap}"))
        + (Midpoint ? ":midpoint" : "") + (FloorAfterCap ? ":floor-after-cap" : "");

    /// <summary>The per-run state of the floor, starting at <see cref="MaxFloor"/>.</summary>
    public StepFloor Start() => new(this);

    /// <summary>The same rule with every step length divided by <paramref name="factor"/> (for path-accuracy
    /// checks).</summary>
    public SettlingStep Smaller(double factor) => new(Eta / factor, MaxFloor / factor, Kappa / factor, Cap / factor,
        Midpoint, FloorAfterCap);
}

/// <summary>The floor of one run under a <see cref="SettlingStep"/> rule; see there.</summary>
public sealed class StepFloor
{
    /// <summary>The speed is measured over at least this rise of theta = log(-log L) (a factor e in the margins): over
    /// a long baseline the chatter of the direction (amplitude about 4 floor) adds at most 4 floor / AnchorSpan to the
    /// measured speed, so with Kappa &lt; 1/4 it cannot hold the floor up.</summary>
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

    /// <summary>Takes a record: theta = log(-log L) (NaN while L &gt;= 1) and the unit direction. Once theta has risen
    /// by <see cref="AnchorSpan"/> since the anchor (the direction kept at an earlier record), sets the floor to Kappa
    /// * angle(anchor, direction) / rise, capped at MaxFloor, and moves the anchor here.</summary>
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

    /// <summary>True when the rule takes this step by the midpoint rule: <see cref="SettlingStep.Midpoint"/> is set, nu
    /// &gt;= 2 and the eta step is at least the cap (the capped regime: the saddle escape and the fit). The training
    /// loop then forms the gradient at w - (s/2) grad and moves w by -s times it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TakesMidpoint(double parameterNormSquared, double gradientNormSquared, int degree,
        long scaleExponent) =>
        _rule.Midpoint && NormalizedStep.EtaStepIsCapped(_rule.Eta, _rule.Cap, parameterNormSquared,
            gradientNormSquared, degree, scaleExponent);

    /// <summary>Shows the floor the norms of a step (before <see cref="Multiplier"/>).
    /// (docs/training.md, "StepFloor.AfterGradient")</summary>
    public void AfterGradient(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree,
        long scaleExponent)
    {
        if (!_rule.FloorAfterCap || _capEnded) return;
        if (NormalizedStep.EtaStepIsCapped(_rule.Eta, _rule.Cap, parameterNormSquared, gradientNormSquared, degree,
            scaleExponent))
        {
            Floor = 0;
            _anchor = null;
        }
        else if (logLoss < 0) _capEnded = true;
    }

    /// <summary>One step's <see cref="AfterGradient"/>, <see cref="Multiplier"/> and <see cref="TakesMidpoint"/> in one
    /// pass, with their values bit for bit (the slow twins; a test compares them).
    /// (docs/training.md, "StepFloor.Step")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Step(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree,
        long scaleExponent, out bool midpoint)
    {
        long exponent = -degree * scaleExponent;
        if (exponent != _etaExponent || double.IsNaN(_etaPower)) { _etaPower = ScaledStep.Power2(_rule.Eta,
            exponent); _etaExponent = exponent; }
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

    /// <summary>The step multiplier with the current floor (scaled coordinates, as
    /// <see cref="StepRule.Multiplier"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Multiplier(double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent) =>
        NormalizedStep.Scaled(_rule.Eta, Floor, _rule.Cap, parameterNormSquared, gradientNormSquared, degree,
            scaleExponent);
}
