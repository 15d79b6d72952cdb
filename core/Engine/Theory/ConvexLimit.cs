using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>
/// The convex limits (l2, Fourier-l1, time-l1 max margin) for <see cref="CertifiedLimit"/>: the reference
/// solver's optimum, which does not depend on the run. The certificate is the solver's recomputed
/// relative duality gap (reported as Residual); alongside it the KKT conditions are checked at the
/// solver's accuracy: support and active set read at <see cref="LimitOptions.ConvexThreshold"/>, alpha
/// the solver's dual (for l2 rescaled to the ||.||_2^2 convention of <see cref="SupportKkt"/>) or, if it
/// fits better, the NNLS fit; for p = 1 also the off-support bound |sum_n alpha_n z_hat_n[j]| &lt;= 1.
/// For p = 2 the gradient exists everywhere, so the fit covers every coordinate, not only the support.
/// </summary>
internal static class ConvexLimit
{
    public static LimitCertificate Find(Dataset data, LimitKind kind, LimitOptions options, Grid grid)
    {
        var bias = kind switch { LimitKind.L2 => MarginBias.L2, LimitKind.FourierL1 => MarginBias.FourierL1, _ => MarginBias.TimeL1 };
        double p = kind == LimitKind.L2 ? 2 : 1;
        var space = new EntrySpace(CertifiedLimit.DomainOf(kind), grid);
        var sol = bias == MarginBias.FourierL1 && !grid.IsLine
            ? FourierL1MaxMargin.Solve(data, grid, options.GapTolerance)
            : MaxMargin.Solve(data, bias, options.GapTolerance);
        if (sol.Status == SolverStatus.NotSeparable) return CertifiedLimit.NotSeparable(data, kind, p, sol.Message);
        var beta = sol.Beta;
        string note = "";
        if (!beta.Any(v => v != 0) || !(Certificate.Margins(data, beta).Min() > 0)) // an unfinished solve without a separating beta: fall back on l2 so the direction is honest
        {
            beta = L2MaxMargin.Solve(data, options.GapTolerance).Beta;
            note = " The l2 max-margin direction is returned in its place.";
        }
        var margins = Certificate.Margins(data, beta);
        double min = margins.Min();
        for (int n = 0; n < margins.Length; n++) margins[n] /= min;
        beta = beta.Select(v => v / min).ToArray();

        var entries = space.Of(beta);
        double largest = entries.Max(e => e.Magnitude);
        var support = Enumerable.Range(0, entries.Length)
            .Where(j => p == 2 || entries[j].Magnitude > options.ConvexThreshold * largest).ToArray();
        var active = Enumerable.Range(0, data.Count).Where(n => margins[n] <= 1 + options.ConvexThreshold).ToArray();
        var kkt = new SupportKkt(CertifiedLimit.PointEntries(data, space), support, active, space, p);

        // The solver's dual on the active set (p = 1: already at the right scale, ||Z^T alpha||_inf = 1).
        var (dualAlpha, dualResidual) = kkt.ResidualOf(entries, active.Select(n => sol.Dual[n]).ToArray(), rescale: p == 2);
        var (nnlsAlpha, nnlsResidual) = kkt.Fit(entries);
        bool useDual = dualResidual <= nnlsResidual;
        var alphaActive = useDual ? dualAlpha : nnlsAlpha;
        double kktResidual = Math.Min(dualResidual, nnlsResidual);
        var alpha = new double[data.Count];
        if (useDual && p == 1) for (int n = 0; n < alpha.Length; n++) alpha[n] = sol.Dual[n]; // complementary slackness over all points
        else for (int a = 0; a < active.Length; a++) alpha[active[a]] = alphaActive[a];
        double offSupport = p == 1 ? kkt.OffSupportMax(alphaActive) : 0;

        bool kktHolds = kktResidual <= options.ConvexKktTolerance && offSupport <= 1 + options.ConvexKktTolerance;
        bool certified = sol.Status == SolverStatus.Optimal && kktHolds;
        string offText = p == 1 ? Invariant($", off-support max {offSupport:G6} (<= 1 needed)") : "";
        string why = certified ? "" :
            sol.Status != SolverStatus.Optimal ? " Not certified: the solver did not reach its gap tolerance."
            : Invariant($" Not certified: the KKT check fails its tolerance {options.ConvexKktTolerance:E0}.");
        string message = Invariant(
            $"{kind} limit from the reference solver ({sol.Solver}): relative duality gap {sol.RelativeGap:E2} (tolerance {options.GapTolerance:E0}); KKT residual {kktResidual:E2} with alpha from the {(useDual ? "solver's dual" : "NNLS fit")}{offText}; support and active set read at {options.ConvexThreshold:E0}.{why}{note}");
        return CertifiedLimit.Assemble(kind, p, certified ? LimitStatus.Certified : LimitStatus.NotCertified,
            beta, margins, kkt, alpha, sol.RelativeGap, message);
    }
}
