namespace ImplicitBias.Engine.Training;

/// <summary>
/// How far to move along the gradient of log L at each step. Every rule is written as
/// w &lt;- w - s * grad_w log L, with the scalar s returned by <see cref="Multiplier"/>.
/// </summary>
public abstract record StepRule
{
    /// <summary>The scalar s for the current log-loss, squared parameter norm, degree nu and data scale R^2 = max ||x_n||^2.</summary>
    public abstract double Multiplier(double logLoss, double parameterNormSquared, int degree, double dataScaleSquared);

    /// <summary>Text form, e.g. "fixed:0.01" or "normalized:0.5" (what train.fsx's --step takes).</summary>
    public abstract string Describe();

    /// <summary>Parses "fixed:ETA" or "normalized:ETA".</summary>
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
            }
        }
        throw new ArgumentException($"step rule '{text}' is not of the form fixed:ETA or normalized:ETA with ETA > 0.");
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
    public override double Multiplier(double logLoss, double parameterNormSquared, int degree, double dataScaleSquared) =>
        Eta * Math.Exp(logLoss);
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"fixed:{Eta}");
}

/// <summary>
/// The normalized rule: w &lt;- w - (eta / R^2) grad_w log L / max(rho^(nu-1), rho^((nu-2)/2)),
/// with rho = ||w||^2 / nu (the mean squared layer norm of a balanced network), R = max_n ||x_n||,
/// and the second term used only for nu &gt;= 2.
/// Why: dividing by L (using grad log L) keeps the step from vanishing as the loss goes to zero.
/// For a degree-nu model the margins' gradient grows like rho^((nu-1)/2), so dividing by
/// rho^(nu-1) keeps the change of the margins per step of order eta at every depth and every
/// norm, which makes the margins grow linearly. Near w = 0 the curvature of the margins grows
/// like rho^((nu-2)/2) relative to the step, so there the divisor rho^((nu-2)/2) keeps the step
/// below the local Lipschitz bound instead. Dividing by R^2 makes eta free of the data's scale.
/// </summary>
public sealed record NormalizedStep(double Eta) : StepRule
{
    /// <inheritdoc/>
    public override double Multiplier(double logLoss, double parameterNormSquared, int degree, double dataScaleSquared)
    {
        double rho = parameterNormSquared / degree;
        double divisor = Math.Pow(rho, degree - 1);
        if (degree >= 2) divisor = Math.Max(divisor, Math.Pow(rho, (degree - 2) / 2.0));
        return Eta / (dataScaleSquared * divisor);
    }
    /// <inheritdoc/>
    public override string Describe() => FormattableString.Invariant($"normalized:{Eta}");
}
