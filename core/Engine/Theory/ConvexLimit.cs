using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The convex limits (l2, Fourier-l1, time-l1 max margin) for <see cref="CertifiedLimit"/>: the reference
/// solver's optimum, which does not depend on the run, polished to exact optimality.
/// (docs/theory-checks.md, "ConvexLimit")</summary>
internal static class ConvexLimit
{
    public static LimitCertificate Find(Dataset data, LimitKind kind, LimitOptions options, Grid grid)
    {
        var bias = kind switch { LimitKind.L2 => MarginBias.L2, LimitKind.FourierL1 => MarginBias.FourierL1,
            _ => MarginBias.TimeL1 };
        double p = kind == LimitKind.L2 ? 2 : 1;
        var space = new EntrySpace(CertifiedLimit.DomainOf(kind), grid);
        Grid? onGrid = bias == MarginBias.FourierL1 && !grid.IsLine ? grid : null;
        var sol = onGrid is { } g ? FourierL1MaxMargin.Solve(data, g, options.GapTolerance) : MaxMargin.Solve(data,
            bias, options.GapTolerance);
        if (sol.Status == SolverStatus.NotSeparable) return CertifiedLimit.NotSeparable(data, kind, p, sol.Message);
        var beta = sol.Beta;
        string note = "";
        // an unfinished solve without a separating beta: fall back on l2 so the direction is honest
        if (!beta.Any(v => v != 0) || !(Certificate.Margins(data, beta).Min() > 0))
        {
            beta = L2MaxMargin.Solve(data, options.GapTolerance).Beta;
            note = " The l2 max-margin direction is returned in its place.";
        }
        beta = UnitMargin(data, beta);
        var points = CertifiedLimit.PointEntries(data, space);
        var solver = Check(data, points, space, p, beta, sol.Dual, rescale: p == 2, options);

        // Polish: exact optimality on the solver's support and active set; the certificate is recomputed from its
        // answer.
        var polish = ConvexPolish.Run(data, bias, solver.Kkt, beta, solver.AlphaActive, onGrid,
            options.NewtonIterations);
        var final = solver;
        double gap = sol.RelativeGap;
        string how = polish.Reason;
        if (polish.Accepted)
        {
            beta = polish.Beta;
            final = Check(data, points, space, p, beta, polish.Alpha, rescale: false, options);
            var full = new double[data.Count];
            for (int a = 0; a < final.Kkt.Active.Length; a++) full[final.Kkt.Active[a]] = final.AlphaActive[a];
            gap = Certificate.Certify(data, bias, beta, full, 0, 0, sol.Solver, options.GapTolerance,
                grid: onGrid).RelativeGap;
            how = Invariant($"polished to exact optimality ({polish.Iterations} Newton ") +
                Invariant($"step{(polish.Iterations == 1 ? "" : "s")}) on the solver's support and active set");
        }
        double tolerance = polish.Accepted ? Math.Min(ConvexPolish.ResidualTolerance,
            options.ConvexKktTolerance) : options.ConvexKktTolerance;
        bool kktHolds = final.Residual <= tolerance && final.OffSupport <= 1 + tolerance;
        bool certified = sol.Status == SolverStatus.Optimal && gap <= options.GapTolerance && kktHolds;
        string offText = p == 1 ? Invariant($", off-support max {final.OffSupport:G6} (<= 1 needed)") : "";
        string why = certified ? "" :
            sol.Status != SolverStatus.Optimal ? " Not certified: the solver did not reach its gap tolerance."
            : Invariant($" Not certified: the KKT check fails its tolerance {tolerance:E0}.");
        string message = Invariant(
            $"{kind} limit from the reference solver ({sol.Solver}, relative duality gap {sol.RelativeGap:E2}, ") +
                Invariant($"tolerance {options.GapTolerance:E0}), {how}; support and active set read at ") +
                Invariant($"{options.ConvexThreshold:E0}. Certificate of the point returned: relative duality gap ") +
                Invariant($"{gap:E2}, KKT residual {final.Residual:E2} with alpha from the ") +
                Invariant(
                $"{(final.UseGiven ? (polish.Accepted ? "polish" : "solver's dual")
                    : "NNLS fit")}{offText}.{why}{note}");
        return CertifiedLimit.Assemble(kind, p, certified ? LimitStatus.Certified : LimitStatus.NotCertified,
            beta, Certificate.Margins(data, beta), final.Kkt, final.Alpha, gap,
                message) with { OffSupportMax = p == 1 ? final.OffSupport : double.NaN };
    }

    /// <summary>The KKT check of a point (unit minimum margin) with given multipliers over all N points.</summary>
    private sealed record Checked(SupportKkt Kkt, double[] AlphaActive, double[] Alpha, double Residual,
        double OffSupport, bool UseGiven);

    /// <summary>Reads support and active set off <paramref name="beta"/> and checks the KKT conditions with the given
    /// multipliers (scaled by the best c &gt;= 0 with <paramref name="rescale"/>) or the NNLS fit, whichever fits
    /// better.</summary>
    private static Checked Check(Dataset data, System.Numerics.Complex[][] points, EntrySpace space, double p,
        double[] beta, double[] given, bool rescale, LimitOptions options)
    {
        var margins = Certificate.Margins(data, beta);
        var entries = space.Of(beta);
        double largest = entries.Max(e => e.Magnitude);
        var support = Enumerable.Range(0, entries.Length)
            .Where(j => p == 2 || entries[j].Magnitude > options.ConvexThreshold * largest).ToArray();
        var active = Enumerable.Range(0, data.Count).Where(n => margins[n] <= 1 + options.ConvexThreshold).ToArray();
        var kkt = new SupportKkt(points, support, active, space, p);
        var (givenAlpha, givenResidual) = kkt.ResidualOf(entries, active.Select(n => given[n]).ToArray(), rescale);
        var (nnlsAlpha, nnlsResidual) = kkt.Fit(entries);
        bool useGiven = givenResidual <= nnlsResidual;
        var alphaActive = useGiven ? givenAlpha : nnlsAlpha;
        var alpha = new double[data.Count];
        // complementary slackness over all points
        if (useGiven && !rescale) for (int n = 0; n < alpha.Length; n++) alpha[n] = given[n];
        else for (int a = 0; a < active.Length; a++) alpha[active[a]] = alphaActive[a];
        double offSupport = p == 1 ? kkt.OffSupportMax(alphaActive) : 0;
        return new Checked(kkt, alphaActive, alpha, Math.Min(givenResidual, nnlsResidual), offSupport, useGiven);
    }

    /// <summary>beta scaled to minimum margin 1.</summary>
    private static double[] UnitMargin(Dataset data, double[] beta)
    {
        double min = Certificate.Margins(data, beta).Min();
        return beta.Select(v => v / min).ToArray();
    }
}
