using System.Runtime.CompilerServices;
namespace ImplicitBias.Engine.Training;

/// <summary>
/// How far to move along the gradient of log L at each step. Every rule is written as
/// w &lt;- w - s * grad_w log L, with the scalar s returned by <see cref="Multiplier"/>.
/// </summary>
public abstract record StepRule
{
    /// <summary>
    /// The scalar s, given log L, ||w||^2, ||grad_w log L||^2, the homogeneity degree nu and the data
    /// scale R^2 = max_n ||x_n||^2.
    /// <para>Scaled coordinates. So that margins can grow without bound, training carries
    /// w = 2^k w' with w' of moderate norm (<see cref="GradientDescent"/>). With
    /// <paramref name="scaleExponent"/> = k the norms passed are those of w' and of
    /// G = J_P(w')^T grad_beta log L (so grad_w log L = 2^((nu-1)k) G), and the value returned is the
    /// multiplier sigma of the scaled step w' &lt;- w' - sigma G, which equals the step
    /// w &lt;- w - s grad_w log L: sigma = s 2^((nu-2)k). Every power of two is applied exactly
    /// (Math.ScaleB), so the iterates do not depend on how w is split into 2^k and w'. k = 0 is the plain
    /// rule.</para>
    /// </summary>
    public abstract double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared, long scaleExponent = 0);

    /// <summary>Text form, e.g. "fixed:0.01" or "normalized:0.5" (what train.fsx's --step takes).</summary>
    public abstract string Describe();

    /// <summary>Parses "fixed:ETA", "normalized:ETA", "normalized:ETA:RHO", "settling:ETA:RHO:KAPPA[:CAP[:midpoint][:floor-after-cap]]" or "degree:ETA" (ETA &gt; 0, 0 &lt;= RHO &lt;= 0.1, KAPPA &gt;= 0).</summary>
    public static StepRule Parse(string text)
    {
        var parts = text.Split(':');
        // settling's options after its cap, in this order: midpoint, floor-after-cap.
        bool floorAfterCap = parts.Length >= 6 && parts[0] == "settling" && parts[^1] == "floor-after-cap";
        if (floorAfterCap) parts = parts[..^1];
        bool midpoint = parts.Length == 6 && parts[0] == "settling" && parts[5] == "midpoint";
        if (midpoint) parts = parts[..5];
        var numbers = parts.Skip(1).Select(p => double.TryParse(p, System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out double x) && double.IsFinite(x) ? x : double.NaN).ToArray();
        if (numbers.Length >= 1 && numbers[0] > 0)
        {
            switch (parts[0], numbers.Length)
            {
                case ("fixed", 1): return new FixedStep(numbers[0]);
                case ("normalized", 1): return new NormalizedStep(numbers[0]);
                case ("normalized", 2) when numbers[1] >= 0 && numbers[1] <= NormalizedStep.MaxRelativeStep:
                    return new NormalizedStep(numbers[0], numbers[1]);
                case ("degree", 1): return new DegreeNormalizedStep(numbers[0]);
                case ("settling", 3) when numbers[1] >= 0 && numbers[1] <= NormalizedStep.MaxRelativeStep && numbers[2] >= 0:
                    return new SettlingStep(numbers[0], numbers[1], numbers[2]);
                case ("settling", 4) when numbers[1] >= 0 && numbers[1] <= numbers[3] && numbers[2] >= 0 && numbers[3] > 0 && numbers[3] <= NormalizedStep.MaxRelativeStep:
                    return new SettlingStep(numbers[0], numbers[1], numbers[2], numbers[3], midpoint, floorAfterCap);
            }
        }
        throw new ArgumentException($"step rule '{text}' is not of the form fixed:ETA, normalized:ETA, normalized:ETA:RHO, settling:ETA:RHO:KAPPA[:CAP[:midpoint][:floor-after-cap]] or degree:ETA with ETA > 0, 0 <= RHO <= {NormalizedStep.MaxRelativeStep} and KAPPA >= 0.");
    }
}

/// <summary>
/// The paper's eq. (7): w &lt;- w - eta grad_w L with a fixed eta. Since grad L = L grad log L,
/// s = eta * L. As L goes to zero these steps vanish (exp(-m) underflows to 0 for margins past
/// about 745), so training slows to a halt: the honest behaviour of eq. (7).
/// </summary>
public sealed record FixedStep(double Eta) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared, long scaleExponent = 0) =>
        ScaledStep.Power2(Eta * Math.Exp(logLoss), (degree - 2) * scaleExponent);
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"fixed:{Eta}");
}

/// <summary>
/// The default rule: the larger of two steps, capped.
/// <list type="bullet">
/// <item>s = eta / ||grad_w log L||^2: to first order every step lowers log L by eta (log L is about
/// minus the smallest margin, so margins grow by about eta a step), at every depth, width and data
/// scale. Why measure the gradient: the degree-based rule (<see cref="DegreeNormalizedStep"/>)
/// guesses ||grad_w m|| from ||w||, and that guess is off by data- and depth-dependent factors
/// (hundreds at depth 4-5).</item>
/// <item>A floor: the step moves w by at least <see cref="MinRelativeStep"/> * ||w|| (rho, default
/// 3e-4 in Run.defaults). Why: once the data is fit, ||grad_w log L|| grows like nu m / ||w||, so the
/// eta step alone makes the margins grow only linearly in the step count, and the directions of the
/// theorems are approached like (-log L)^(-delta) with a data-dependent delta (1 minus the largest
/// off-support modulus of the dual certificate, as small as 0.005 on some Gaussian-teacher sets):
/// millions of steps. With the floor the margins grow geometrically (log m by about nu rho a step).
/// The price is a jitter of the direction of order rho (1 - cos about 8 rho^2 in the measurements),
/// and a run with rho = 3e-4 follows the path of a run with rho = 1e-4 to about 1e-7 (at most 4.3e-6)
/// in 1 - cos at equal loss (tools/step-rule.fsx, docs/performance.md).</item>
/// <item>A cap for degree nu &gt;= 2: at most <see cref="MaxRelativeStep"/> * ||w|| (binds only near
/// w = 0 or at saddles, where the gradient is tiny relative to the curvature).</item>
/// </list>
/// Margins that grow geometrically pass the double range (about 1e300) after roughly
/// 700 / (nu rho) steps past the fit; training carries the scale of w as a power of two
/// (<see cref="GradientDescent"/>), so they may.
/// MinRelativeStep = 0 gives the pure eta rule ("normalized:ETA", the default before engine 1.2).
/// </summary>
public sealed record NormalizedStep(double Eta, double MinRelativeStep = 0) : StepRule
{
    /// <summary>Largest step relative to ||w|| for degree nu &gt;= 2.</summary>
    public const double MaxRelativeStep = 0.1;

    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared, long scaleExponent = 0) =>
        Scaled(Eta, MinRelativeStep, MaxRelativeStep, parameterNormSquared, gradientNormSquared, degree, scaleExponent);

    /// <summary>The rule's multiplier for a given eta, floor and cap (relative to ||w||, for nu &gt;= 2), in the scaled coordinates of <see cref="StepRule.Multiplier"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Scaled(double eta, double floor, double cap, double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent)
    {
        if (!(gradientNormSquared > 0)) return 0; // at an exact stationary point there is nowhere to go
        double relative = Math.Sqrt(parameterNormSquared / gradientNormSquared); // s with ||s grad|| = ||w|| (scale-free)
        // eta / ||grad_w log L||^2 in scaled coordinates: eta 2^(-nu k) / ||G||^2.
        double s = Math.Max(ScaledStep.Power2(eta, -degree * scaleExponent) / gradientNormSquared, floor * relative);
        if (degree >= 2) s = Math.Min(s, cap * relative);
        return s;
    }
    /// <summary>True when nu &gt;= 2 and the eta step alone would move w by at least cap ||w|| (so the cap binds whatever the floor).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool EtaStepIsCapped(double eta, double cap, double parameterNormSquared, double gradientNormSquared, int degree, long scaleExponent) =>
        degree >= 2 && gradientNormSquared > 0
        && ScaledStep.Power2(eta, -degree * scaleExponent) / gradientNormSquared >= cap * Math.Sqrt(parameterNormSquared / gradientNormSquared);

    /// <inheritdoc/>
    public override string Describe() => MinRelativeStep > 0
        ? FormattableString.Invariant($"normalized:{Eta}:{MinRelativeStep}")
        : FormattableString.Invariant($"normalized:{Eta}");
}

/// <summary>
/// The degree-based rule: s = (eta / R^2) / max(rho^(nu-1), rho^((nu-2)/2)), rho = ||w||^2 / nu,
/// R = max_n ||x_n||, the second term only for nu &gt;= 2. Dividing by L keeps the step from
/// vanishing; dividing by rho^(nu-1) is what ||grad_w m||^2 would be for a balanced network whose
/// beta is spread over all coordinates, so the margins grow about linearly; near w = 0 the second
/// term keeps the step below the local Lipschitz bound. Kept for comparison: it needs no gradient
/// norm, but its guess of ||grad_w m|| can be off by orders of magnitude at depth (see
/// <see cref="NormalizedStep"/>).
/// </summary>
public sealed record DegreeNormalizedStep(double Eta) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared, long scaleExponent = 0)
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
            bool larger = exponent == otherExponent ? other > divisor : Math.Log2(other) + otherExponent > Math.Log2(divisor) + exponent;
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
    /// <summary>x 2^e, exact (Math.ScaleB), 0 or infinity when it leaves the double range; e is clamped to int.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Power2(double x, long e) => Math.ScaleB(x, (int)Math.Clamp(e, -100_000, 100_000));

    /// <summary>
    /// a / b * c * 2^e with no intermediate overflow or underflow: the three are split into significand and
    /// exponent (exactly), the significands divided and multiplied (values near 1), the exponents added, and
    /// the result scaled once. Where every intermediate of the plain formula and the result are normal doubles
    /// this has its bits (rounding a quotient or product does not depend on the operands' exponents; a subnormal
    /// result may be rounded twice here, a difference not seen in 200 000 draws); where the plain
    /// formula overflows midway (a record's -log L at scale times 2^(-nu k) for nu k far below -1000, divided
    /// by a small ||beta||) this still gives the representable answer. Zero, infinite or NaN operands take the plain formula.
    /// </summary>
    public static double Quotient(double a, double b, double c, long e)
    {
        if (!(a != 0 && b != 0 && c != 0 && double.IsFinite(a) && double.IsFinite(b) && double.IsFinite(c))) return Power2(a / b * c, e);
        int ea = Math.ILogB(a), eb = Math.ILogB(b), ec = Math.ILogB(c);
        double significand = Math.ScaleB(a, -ea) / Math.ScaleB(b, -eb) * Math.ScaleB(c, -ec);
        return Power2(significand, e + ea - eb + ec);
    }
}
