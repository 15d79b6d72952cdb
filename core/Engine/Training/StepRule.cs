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
    /// </summary>
    public abstract double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared);

    /// <summary>Text form, e.g. "fixed:0.01" or "normalized:0.5" (what train.fsx's --step takes).</summary>
    public abstract string Describe();

    /// <summary>Parses "fixed:ETA", "normalized:ETA" or "degree:ETA" (ETA &gt; 0).</summary>
    public static StepRule Parse(string text)
    {
        var parts = text.Split(':');
        if (parts.Length == 2 && double.TryParse(parts[1], System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double eta) && double.IsFinite(eta) && eta > 0)
        {
            switch (parts[0])
            {
                case "fixed": return new FixedStep(eta);
                case "normalized": return new NormalizedStep(eta);
                case "degree": return new DegreeNormalizedStep(eta);
            }
        }
        throw new ArgumentException($"step rule '{text}' is not of the form fixed:ETA, normalized:ETA or degree:ETA with ETA > 0.");
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
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared) =>
        Eta * Math.Exp(logLoss);
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"fixed:{Eta}");
}

/// <summary>
/// The default rule: s = eta / ||grad_w log L||^2, so that to first order every step lowers log L
/// by eta (log L is about minus the smallest margin, so margins grow by about eta a step), at every
/// depth, width and data scale. For models of degree nu &gt;= 2 the step is also capped at a tenth of
/// ||w|| (||s grad|| &lt;= 0.1 ||w||), which only binds near w = 0 or at saddles, where the gradient
/// is tiny relative to the curvature. Why: the degree-based rule (<see cref="DegreeNormalizedStep"/>)
/// assumes ||grad_w m|| ~ ||w||^(nu-1) with a constant that in fact depends on the data and on how
/// concentrated beta is (for a conv net with beta on one frequency pair it is smaller by about
/// 2^(nu-1) D), so at depth 4-5 it took steps hundreds of times too small. Measuring the gradient
/// removes the guess. Stability: ||grad_w log L|| ~ nu m / ||w|| grows with the margins, so the step
/// length eta / ||grad|| shrinks relative to ||w||, and the change of log L per step stays
/// eta + O(eta^2). The direction reached matches runs with much smaller eta (docs/performance.md).
/// </summary>
public sealed record NormalizedStep(double Eta) : StepRule
{
    /// <summary>Largest step relative to ||w|| for degree nu &gt;= 2.</summary>
    public const double MaxRelativeStep = 0.1;

    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared)
    {
        if (!(gradientNormSquared > 0)) return 0; // at an exact stationary point there is nowhere to go
        double s = Eta / gradientNormSquared;
        if (degree >= 2) s = Math.Min(s, MaxRelativeStep * Math.Sqrt(parameterNormSquared / gradientNormSquared));
        return s;
    }
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"normalized:{Eta}");
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
    public override double Multiplier(double logLoss, double parameterNormSquared, double gradientNormSquared, int degree, double dataScaleSquared)
    {
        double rho = parameterNormSquared / degree;
        double divisor = Math.Pow(rho, degree - 1);
        if (degree >= 2) divisor = Math.Max(divisor, Math.Pow(rho, (degree - 2) / 2.0));
        return Eta / (dataScaleSquared * divisor);
    }
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"degree:{Eta}");
}
