using ImplicitBias.Engine.Networks;
namespace ImplicitBias.Engine.Theory;

/// <summary>Whether a certificate could be computed at all.</summary>
public enum CertificateOutcome
{
    /// <summary>The residual and multipliers were computed.</summary>
    Computed,
    /// <summary>The minimum margin is not positive, so the point cannot be scaled to unit margin.</summary>
    NotSeparating,
    /// <summary>The predictor (or the parameter vector) is zero.</summary>
    Zero,
}

/// <summary>The tolerances a stationarity certificate is computed with; both are stated in its report.</summary>
/// <param name="ActiveTolerance">Point n is active when its margin, after scaling to unit minimum margin, is at most 1
/// + this.</param>
/// <param name="SupportThreshold">Entry j is in the support when |entry_j| &gt; this * max_j |entry_j|
/// (relative).</param>
public sealed record StationarityOptions(double ActiveTolerance = 1e-3, double SupportThreshold = 1e-3)
{
    /// <summary>The defaults: 1e-3 for both.</summary>
    public static StationarityOptions Default { get; } = new();
}

/// <summary>How close beta is to a first-order stationary point of min ||beta||_p (time) or ||beta_hat||_p (Fourier)
/// subject to y_n &lt;x_n, beta&gt; &gt;= 1 (eq. 10-13 of the paper).</summary>
/// <param name="Outcome">Whether the numbers below were computed.</param>
/// <param name="P">The exponent p (2/L for depth L).</param>
/// <param name="Domain">Time or Fourier.</param>
/// <param name="MinimumMargin">min_n y_n &lt;x_n, beta&gt; of the beta given.</param>
/// <param name="Scale">The factor 1 / MinimumMargin that brings beta to unit minimum margin.</param>
/// <param name="ActiveSet">Indices n of the active points (0-based).</param>
/// <param name="Support">Full-domain indices of the support (time d, or frequency k; both k and D-k of a conjugate
/// pair).</param>
/// <param name="Alpha">The multipliers, length N, zero off the active set; they certify eq. (11) for the penalty
/// ||.||_p^p as eq. (13) writes it.</param>
/// <param name="Residual">||sum_n alpha_n y_n x_n_hat - z||_S / ||z||_S over the support S, z the sub-gradient
/// (12)/(13); 0 at a stationary point, at most 1.</param>
/// <param name="OffSupportMax">For p = 1: max |sum_n alpha_n y_n x_n_hat[j]| off the support (eq. 12 needs &lt;= 1);
/// NaN for p &lt; 1, where (13) leaves it free.</param>
/// <param name="Equations">Real equations of the fit (Re and Im rows of the support entries). When this is not larger
/// than the number of active points, a zero residual is generic and only alpha &gt;= 0 carries information.</param>
/// <param name="Options">The tolerances used.</param>
public sealed record StationarityCertificate(
    CertificateOutcome Outcome,
    double P,
    PenaltyDomain Domain,
    double MinimumMargin,
    double Scale,
    int[] ActiveSet,
    int[] Support,
    double[] Alpha,
    double Residual,
    double OffSupportMax,
    int Equations,
    StationarityOptions Options)
{
    /// <summary>True when the residual is at most <paramref name="tolerance"/> and, for p = 1, the off-support bound
    /// holds to it.</summary>
    public bool Holds(double tolerance) =>
        Outcome == CertificateOutcome.Computed && Residual <= tolerance
        && (double.IsNaN(OffSupportMax) || OffSupportMax <= 1 + tolerance);
}
