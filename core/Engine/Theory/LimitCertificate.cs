namespace ImplicitBias.Engine.Theory;

/// <summary>The kind of limit the theory predicts for gradient descent's direction (see
/// <see cref="CertifiedLimit.For"/>).</summary>
public enum LimitKind
{
    /// <summary>The l2 max-margin predictor (fully connected networks, any depth; any model at depth 1; Theorem
    /// 1).</summary>
    L2,
    /// <summary>The ||beta_hat||_1 max-margin predictor (convolutional networks of depth 2; eq. 9, Theorem
    /// 2).</summary>
    FourierL1,
    /// <summary>The ||beta||_1 max-margin predictor (diagonal networks of depth 2; Lemma 6).</summary>
    TimeL1,
    /// <summary>A first-order stationary point of min ||beta_hat||_p s.t. margins &gt;= 1, p = 2/L (convolutional,
    /// depth L &gt;= 3; eq. 10-13).</summary>
    FourierBridge,
    /// <summary>A first-order stationary point of min ||beta||_p s.t. margins &gt;= 1, p = 2/L (diagonal, depth L &gt;=
    /// 3).</summary>
    TimeBridge,
    /// <summary>The R_K max-margin predictor, R_K(beta) = 2 min { ||Z||_* : A_K(Z) = beta } (depth-2 networks with
    /// kernels K smaller than the grid and any number of channels; COLT 2022). Solved by
    /// <see cref="Reference.KernelNormMaxMargin"/>.</summary>
    KernelNorm,
    /// <summary>No closed-form reference: the theory promises only a KKT point of the parameter problem (Theorem 4),
    /// e.g. K-kernel networks of depth L &gt;= 3. <see cref="CertifiedLimit.Find"/> returns status
    /// NoReference.</summary>
    TheoremFourOnly,
    /// <summary>The max-margin predictor of sum_rho sqrt(d_rho) ||beta_hat(rho)||_* over the group Fourier blocks
    /// (group-convolutional networks of depth 2; <see cref="Networks.GroupNuclearMaxMargin"/>).</summary>
    GroupNuclear,
    /// <summary>A first-order stationary point of min sum_rho d_rho^(1-p/2) ||beta_hat(rho)||_(S p)^p s.t. margins
    /// &gt;= 1, p = 2/L, on the fixed-rank manifold (group-convolutional, depth L &gt;= 3;
    /// docs/theory-checks.md).</summary>
    GroupBridge,
}

/// <summary>How <see cref="CertifiedLimit.Find"/> ended. Failing to certify is a status, never an exception.</summary>
public enum LimitStatus
{
    /// <summary>Every condition of the certificate holds to the tolerances of <see cref="LimitOptions"/>.</summary>
    Certified,
    /// <summary>A candidate was found but some condition failed; the message says which. The numbers are those of the
    /// best candidate.</summary>
    NotCertified,
    /// <summary>The data is not linearly separable through the origin, so no limit direction exists; Direction is all
    /// zeros.</summary>
    NotSeparable,
    /// <summary>The kind is <see cref="LimitKind.TheoremFourOnly"/>: there is no reference point to certify (Direction
    /// is the given direction, normalized; check Theorem 4's parameter-space KKT residual instead).</summary>
    NoReference,
}

/// <summary>The certified limit of a run: the point satisfying the theory's conditions nearest to where gradient
/// descent is heading, with the numbers that certify it.</summary>
/// <param name="Kind">Which limit was sought.</param>
/// <param name="P">The exponent: 2 (l2), 1 (l1 kinds) or 2/L (bridge kinds).</param>
/// <param name="Status">Whether it is certified.</param>
/// <param name="Direction">The limit at unit l2 norm, input coordinates, with positive margins (zeros only if
/// NotSeparable).</param>
/// <param name="Residual">Bridge kinds: the relative stationarity residual of eq. (11); convex kinds: the relative
/// duality gap of the point returned; never NaN (docs/theory-checks.md, "LimitCertificate.Residual").</param>
/// <param name="MinAlpha">The smallest multiplier on the active set (0 if the active set is empty).</param>
/// <param name="ComplementarySlackness">max_n alpha_n (margin_n - 1) at unit minimum margin.</param>
/// <param name="Support">Full-domain indices of the support (time d, or Fourier k with both k and D-k of a
/// pair).</param>
/// <param name="Active">Indices n of the active points.</param>
/// <param name="Unknowns">Unknowns of the stationarity fit: |Active|.</param>
/// <param name="Equations">Real rows of the stationarity fit (Re and Im of the support entries; for p = 2 all D
/// coordinates).</param>
/// <param name="Degenerate">Equations &lt;= Unknowns: a zero residual is then generic, only alpha &gt;= 0 (and for p =
/// 1 the off-support bound) carries information.</param>
/// <param name="Message">How the limit was found, or why it is not certified.</param>
public sealed record LimitCertificate(
    LimitKind Kind, double P, LimitStatus Status,
    double[] Direction,
    double Residual,
    double MinAlpha,
    double ComplementarySlackness,
    int[] Support,
    int[] Active,
    int Unknowns, int Equations,
    bool Degenerate,
    string Message)
{
    /// <summary>l1 kinds: max over entries off the support of |sum_n alpha_n z_hat_n[j]| for the certificate's alpha
    /// (eq. 12 needs &lt;= 1); NaN for the other kinds.
    /// (docs/theory-checks.md, "LimitCertificate.OffSupportMax")</summary>
    public double OffSupportMax { get; init; } = double.NaN;

    /// <summary>Group kinds: the rank of each group Fourier block of the limit, in the irreps' order (empty for the
    /// other kinds).</summary>
    public int[] BlockRanks { get; init; } = [];
}

/// <summary>The tolerances and budgets of <see cref="CertifiedLimit.Find"/>; every one is stated in the message it
/// produces.</summary>
/// <param name="ResidualTolerance">Bridge kinds: the largest relative stationarity residual that is certified.</param>
/// <param name="SupportThreshold">Bridge kinds: entry j is in the support when |entry_j| &gt; this * max |entry| (read
/// at the local solver's accuracy).</param>
/// <param name="ActiveTolerance">Bridge kinds: point n is active when its margin at unit minimum margin is &lt;= 1 +
/// this.</param>
/// <param name="GapTolerance">Convex kinds: the largest certified relative duality gap of the reference solver.</param>
/// <param name="ConvexKktTolerance">Convex kinds: the largest KKT residual accepted for the solver's point when its
/// polish is rejected (docs/theory-checks.md, "LimitOptions.ConvexKktTolerance").</param>
/// <param name="ConvexThreshold">Convex kinds: support threshold and active tolerance, read at the reference solver's
/// accuracy.</param>
/// <param name="LocalTolerance">Bridge kinds: relative change at which the reweighted-l2 local solver stops.</param>
/// <param name="LocalMaxIterations">Bridge kinds: iteration budget of the local solver.</param>
/// <param name="NewtonIterations">Bridge kinds and the convex polish (<see cref="ConvexPolish"/>): Newton steps per
/// polish.</param>
/// <param name="PolishRounds">Bridge kinds: how often the support or active set may be corrected and the polish
/// repeated.</param>
/// <param name="LocalFirstTolerance">Bridge kinds: the local solver stops first at this relative change and the polish
/// is tried from there (reweighted l2 converges only linearly: from 1e-3 rad away at D = 1024 it took 541 iterations to
/// 1e-11 and 8 to 1e-6); only if that does not certify does it go on to <paramref name="LocalTolerance"/>.</param>
public sealed record LimitOptions(
    double ResidualTolerance = 1e-10,
    double SupportThreshold = 1e-8,
    double ActiveTolerance = 1e-8,
    double GapTolerance = 1e-8,
    double ConvexKktTolerance = 1e-4,
    double ConvexThreshold = 1e-6,
    double LocalTolerance = 1e-11,
    int LocalMaxIterations = 2000,
    int NewtonIterations = 50,
    int PolishRounds = 6,
    double LocalFirstTolerance = 1e-6)
{
    /// <summary>The defaults.</summary>
    public static LimitOptions Default { get; } = new();

    /// <summary>Bridge kinds: polish the given direction itself first (its support and active set read off it; the
    /// certified point nearest to it wins), before the local solver.
    /// (docs/theory-checks.md, "LimitOptions.OwnDirection")</summary>
    public bool OwnDirection { get; init; }

    /// <summary>Stops a bridge solve between its iterations (a run's time limit: <c>LimitTracker</c>); the answer is
    /// then NotCertified and says so. The convex solvers run to the end (seconds at D = 1024, N = 512).</summary>
    public CancellationToken Cancellation { get; init; }
}
