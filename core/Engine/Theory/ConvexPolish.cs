using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The answer of <see cref="ConvexPolish.Run"/>.</summary>
/// <param name="Accepted">Whether the polished point passed every check; if not, Beta and Alpha are the
/// solver's.</param>
/// <param name="Beta">The polished beta at unit minimum margin (or the solver's, when not accepted).</param>
/// <param name="Alpha">Multipliers over all N points, zero off the active set (SupportKkt's convention).</param>
/// <param name="Residual">The relative KKT residual of (Beta, Alpha) on the support and active set
/// (<see cref="SupportKkt.ResidualOf"/>); NaN when not accepted (the solver's point is then certified by its
/// caller).</param>
/// <param name="Iterations">Newton steps taken.</param>
/// <param name="Reason">Why the polished point was rejected ("" when accepted).</param>
public sealed record ConvexPolishResult(bool Accepted, double[] Beta, double[] Alpha, double Residual, int Iterations,
    string Reason);

/// <summary>Exact optimality for the convex limits (l2, time-l1, Fourier-l1), from a solver's point accurate to its
/// gap: the support S and active set A read off that point fix the optimality system.
/// (docs/theory-checks.md, "ConvexPolish")</summary>
public static class ConvexPolish
{
    /// <summary>The round-off allowance of the checks: margins, the off-support bound and the objective,
    /// relative.</summary>
    public const double Rounding = 1e-12;

    /// <summary>Newton stops after a step that lowered the KKT defect less than ten-fold (see
    /// <see cref="BridgeKktPolish.Run"/>).</summary>
    public const double StallRatio = 0.1;

    /// <summary>The largest relative KKT residual of an accepted polish (Newton's answer is at round-off).</summary>
    public const double ResidualTolerance = 1e-10;

    /// <summary>Polishes <paramref name="beta"/> (the solver's, unit minimum margin) on the system
    /// <paramref name="kkt"/> from multipliers <paramref name="alpha0"/> on its active set; <paramref name="bias"/>
    /// gives the objective.</summary>
    public static ConvexPolishResult Run(Dataset data, MarginBias bias, SupportKkt kkt, double[] beta, double[] alpha0,
        Grid? grid = null, int newtonIterations = 50)
    {
        var space = kkt.Space;
        var polish = BridgeKktPolish.Run(kkt, kkt.CoordinatesOf(space.Of(beta)), alpha0, newtonIterations, StallRatio);
        var candidate = kkt.ToVector(polish.U);
        var raw = Certificate.Margins(data, candidate);
        var inactive = Enumerable.Range(0, data.Count).Except(kkt.Active).ToArray();
        double worstActive = kkt.Active.Length == 0 ? 0 : kkt.Active.Max(n => Math.Abs(raw[n] - 1));
        double worstInactive = inactive.Length == 0 ? 1 : inactive.Min(n => raw[n]);
        double min = raw.Min();
        string Reject(string why) =>
            Invariant($"the polish ({polish.Iterations} Newton step{(polish.Iterations == 1 ? "" : "s")}) was ") +
            Invariant($"rejected: {why}");
        if (!candidate.All(double.IsFinite) || !(min > 0))
            return Keep(data, kkt, beta, alpha0, polish.Iterations, Reject("no finite separating point"));
        if (!(worstActive <= Rounding) || !(worstInactive >= 1 - Rounding))
            return Keep(data, kkt, beta, alpha0, polish.Iterations, Reject(Invariant(
                $"active margins off 1 by {worstActive:E1}, smallest inactive margin {worstInactive:G12} (>= 1 - ") +
                    Invariant($"{Rounding:E0} needed)")));
        candidate = candidate.Select(v => v / min).ToArray();
        var entries = space.Of(candidate);

        var (alpha, residual) = kkt.ResidualOf(entries, polish.Alpha, rescale: false);
        if (!(alpha.Min() >= 0) || !(residual <= ResidualTolerance)) (alpha, residual) = kkt.Fit(entries);
        if (!(residual <= ResidualTolerance))
            return Keep(data, kkt, beta, alpha0, polish.Iterations, Reject(Invariant(
                $"no alpha >= 0 fits its KKT system (relative residual {residual:E2} > {ResidualTolerance:E0})")));
        double offSupport = kkt.P == 1 ? kkt.OffSupportMax(alpha) : 0;
        if (!(offSupport <= 1 + Rounding))
            return Keep(data, kkt, beta, alpha0, polish.Iterations, Reject(Invariant(
                $"off-support max {offSupport:G12} > 1 (the support misses an entry)")));
        double before = bias.Norm(beta, grid), after = bias.Norm(candidate, grid);
        if (!(after <= before * (1 + Rounding)))
            return Keep(data, kkt, beta, alpha0, polish.Iterations, Reject(Invariant(
                $"its objective {after:G15} exceeds the solver's {before:G15}")));
        return new ConvexPolishResult(true, candidate, Full(data.Count, kkt.Active, alpha), residual,
            polish.Iterations, "");
    }

    /// <summary>The solver's point, kept, with the reason.</summary>
    private static ConvexPolishResult Keep(Dataset data, SupportKkt kkt, double[] beta, double[] alpha0,
        int iterations, string reason) =>
        new(false, beta, Full(data.Count, kkt.Active, alpha0), double.NaN, iterations, reason);

    /// <summary>Multipliers on the active set spread over all N points.</summary>
    private static double[] Full(int count, int[] active, double[] alpha)
    {
        var full = new double[count];
        for (int a = 0; a < active.Length; a++) full[active[a]] = alpha[a];
        return full;
    }
}
