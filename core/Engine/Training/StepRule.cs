using System.Runtime.CompilerServices;
namespace ImplicitBias.Engine.Training;

/// <summary>How far to move along the gradient of log L at each step. Every rule is written as w &lt;- w - s * grad_w
/// log L, with the scalar s returned by <see cref="Multiplier"/>.</summary>
public abstract record StepRule
{
    /// <summary>The scalar s, given log L, ||w||^2, ||grad_w log L||^2, the homogeneity degree nu and the data scale
    /// R^2 = max_n ||x_n||^2. (docs/training.md, "StepRule.Multiplier")</summary>
    public abstract double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared,
        int degree, double dataScaleSquared, long scaleExponent = 0);

    /// <summary>Text form, e.g. "fixed:0.01" or "normalized:0.5" (what train.fsx's --step takes).</summary>
    public abstract string Describe();

    /// <summary>Parses "fixed:ETA", "normalized:ETA", "normalized:ETA:RHO",
    /// "settling:ETA:RHO:KAPPA[:CAP[:midpoint][:floor-after-cap]]" or "degree:ETA" (ETA &gt; 0, 0 &lt;= RHO &lt;= 0.1,
    /// KAPPA &gt;= 0).</summary>
    public static StepRule Parse(string text)
    {
        var parts = text.Split(':');
        // settling's options after its cap, in this order: midpoint, floor-after-cap.
        bool floorAfterCap = parts.Length >= 6 && parts[0] == "settling" && parts[^1] == "floor-after-cap";
        if (floorAfterCap) parts = parts[..^1];
        bool midpoint = parts.Length == 6 && parts[0] == "settling" && parts[5] == "midpoint";
        if (midpoint) parts = parts[..5];
        var numbers = parts.Skip(1).Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture,
                out double x) && double.IsFinite(x) ? x : double.NaN).ToArray();
        if (numbers.Length >= 1 && numbers[0] > 0)
        {
            switch (parts[0], numbers.Length)
            {
                case ("fixed", 1): return new FixedStep(numbers[0]);
                case ("normalized", 1): return new NormalizedStep(numbers[0]);
                case ("normalized", 2) when numbers[1] >= 0 && numbers[1] <= NormalizedStep.MaxRelativeStep:
                    return new NormalizedStep(numbers[0], numbers[1]);
                case ("degree", 1): return new DegreeNormalizedStep(numbers[0]);
                case ("settling",
                    3) when numbers[1] >= 0 && numbers[1] <= NormalizedStep.MaxRelativeStep && numbers[2] >= 0:
                    return new SettlingStep(numbers[0], numbers[1], numbers[2]);
                case ("settling",
                    4) when numbers[1] >= 0 && numbers[1] <= numbers[3] && numbers[2] >= 0 && numbers[3] > 0
                    && numbers[3] <= NormalizedStep.MaxRelativeStep:
                    return new SettlingStep(numbers[0], numbers[1], numbers[2], numbers[3], midpoint, floorAfterCap);
            }
        }
        throw new ArgumentException($"step rule '{text}' is not of the form fixed:ETA, normalized:ETA, " +
                                    $"normalized:ETA:RHO, settling:ETA:RHO:KAPPA[:CAP[:midpoint][:floor-after-cap]] " +
                                    $"or degree:ETA with ETA > 0, 0 <= RHO <= {NormalizedStep.MaxRelativeStep} and " +
                                    $"KAPPA >= 0.");
    }
}

/// <summary>The paper's eq. (7): w &lt;- w - eta grad_w L with a fixed eta. Since grad L = L grad log L, s = eta * L.
/// As L goes to zero these steps vanish (exp(-m) underflows to 0 for margins past about 745), so training slows to a
/// halt: the honest behaviour of eq. (7).</summary>
public sealed record FixedStep(double Eta) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared,
        int degree, double dataScaleSquared, long scaleExponent = 0) =>
        ScaledStep.Power2(Eta * Math.Exp(logLoss), (degree - 2) * scaleExponent);
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"fixed:{Eta}");
}

/// <summary>The default rule: the larger of two steps, capped. (docs/training.md, "NormalizedStep")</summary>
public sealed record NormalizedStep(double Eta, double MinRelativeStep = 0) : StepRule
{
    /// <summary>Largest step relative to ||w|| for degree nu &gt;= 2.</summary>
    public const double MaxRelativeStep = 0.1;

    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared,
        int degree, double dataScaleSquared, long scaleExponent = 0) =>
        Scaled(Eta, MinRelativeStep, MaxRelativeStep, parameterNormSquared, gradientNormSquared, degree, scaleExponent);

    /// <summary>The rule's multiplier for a given eta, floor and cap (relative to ||w||, for nu &gt;= 2), in the scaled
    /// coordinates of <see cref="StepRule.Multiplier"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Scaled(double eta, double floor, double cap, double parameterNormSquared,
        double gradientNormSquared, int degree, long scaleExponent)
    {
        if (!(gradientNormSquared > 0)) return 0; // at an exact stationary point there is nowhere to go
        // s with ||s grad|| = ||w|| (scale-free)
        double relative = Math.Sqrt(parameterNormSquared / gradientNormSquared);
        // eta / ||grad_w log L||^2 in scaled coordinates: eta 2^(-nu k) / ||G||^2.
        double s = Math.Max(ScaledStep.Power2(eta, -degree * scaleExponent) / gradientNormSquared, floor * relative);
        if (degree >= 2) s = Math.Min(s, cap * relative);
        return s;
    }
    /// <summary>True when nu &gt;= 2 and the eta step alone would move w by at least cap ||w|| (so the cap binds
    /// whatever the floor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool EtaStepIsCapped(double eta, double cap, double parameterNormSquared, double gradientNormSquared,
        int degree, long scaleExponent) =>
        degree >= 2 && gradientNormSquared > 0
        && ScaledStep.Power2(eta,
            -degree * scaleExponent) / gradientNormSquared >= cap
            * Math.Sqrt(parameterNormSquared / gradientNormSquared);

    /// <inheritdoc/>
    public override string Describe() => MinRelativeStep > 0
        ? FormattableString.Invariant($"normalized:{Eta}:{MinRelativeStep}")
        : FormattableString.Invariant($"normalized:{Eta}");
}

/// <summary>The degree-based rule: s = (eta / R^2) / max(rho^(nu-1), rho^((nu-2)/2)), rho = ||w||^2 / nu, R = max_n
/// ||x_n||, the second term only for nu &gt;= 2. (docs/training.md, "DegreeNormalizedStep")</summary>
public sealed record DegreeNormalizedStep(double Eta) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared,
        int degree, double dataScaleSquared, long scaleExponent = 0)
    {
        // rho = ||w||^2 / nu = 4^k rho' with rho' of w' (moderate): each term of the divisor is a power of rho'
        // times an exact power of two, so nothing leaves the double range and k = 0 is the plain formula.
        double rho = parameterNormSquared / degree;
        double divisor = Math.Pow(rho, degree - 1);
        long exponent = 2 * scaleExponent * (degree - 1);
        if (degree >= 2)
        {
            double other = Math.Pow(rho, (degree - 2) / 2.0);
            long otherExponent = scaleExponent * (degree - 2);
            bool larger = exponent == otherExponent ? other > divisor : Math.Log2(other)
                + otherExponent > Math.Log2(divisor) + exponent;
            if (larger) { divisor = other; exponent = otherExponent; }
        }
        return ScaledStep.Power2(Eta / (dataScaleSquared * divisor), (degree - 2) * scaleExponent - exponent);
    }
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"degree:{Eta}");
}

/// <summary>Exact scaling by powers of two for the step rules' scaled coordinates.</summary>
public static class ScaledStep
{
    /// <summary>x 2^e, exact (Math.ScaleB), 0 or infinity when it leaves the double range; e is clamped to
    /// int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Power2(double x, long e) => Math.ScaleB(x, (int)Math.Clamp(e, -100_000, 100_000));

    /// <summary>a / b * c * 2^e with no intermediate overflow or underflow: the three are split into significand and
    /// exponent (exactly), the significands divided and multiplied (values near 1), the exponents added, and the result
    /// scaled once. (docs/training.md, "ScaledStep.Quotient")</summary>
    public static double Quotient(double a, double b, double c, long e)
    {
        if (!(a != 0 && b != 0 && c != 0 && double.IsFinite(a) && double.IsFinite(b)
            && double.IsFinite(c))) return Power2(a / b * c, e);
        int ea = Math.ILogB(a), eb = Math.ILogB(b), ec = Math.ILogB(c);
        double significand = Math.ScaleB(a, -ea) / Math.ScaleB(b, -eb) * Math.ScaleB(c, -ec);
        return Power2(significand, e + ea - eb + ec);
    }
}
