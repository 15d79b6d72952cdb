using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The limits of K-kernel networks for <see cref="CertifiedLimit"/>: at depth 2 the R_K max margin
/// (<see cref="KernelNormMaxMargin"/>), a convex problem independent of the run, certified by its duality gap
/// recomputed from the returned factor and dual. (docs/theory-checks.md, "KernelLimit")</summary>
internal static class KernelLimit
{
    public static LimitCertificate Find(Dataset data, Grid grid, KernelSize kernel, LimitOptions options)
    {
        var sol = KernelNormMaxMargin.Solve(data, grid, kernel, options.GapTolerance);
        if (sol.Status == SolverStatus.NotSeparable) return CertifiedLimit.NotSeparable(data, LimitKind.KernelNorm, 1,
            sol.Message);
        var margins = Certificate.Margins(data, sol.Beta);
        var active = Enumerable.Range(0, data.Count).Where(n => margins[n] <= 1 + options.ConvexThreshold).ToArray();
        double largest = sol.Beta.Max(Math.Abs);
        var support = Enumerable.Range(0,
            data.Dimension).Where(d => Math.Abs(sol.Beta[d]) > options.ConvexThreshold * largest).ToArray();
        double minAlpha = active.Length == 0 ? 0 : active.Min(n => sol.Dual[n]);
        double slack = 0;
        for (int n = 0; n < data.Count; n++) slack = Math.Max(slack, Math.Abs(sol.Dual[n] * (margins[n] - 1)));
        bool certified = sol.Status == SolverStatus.Optimal;
        string message = Invariant(
            $"KernelNorm limit (kernel {kernel} on {grid}) from the reference solver ({sol.Solver}): relative ") +
                Invariant($"duality gap {sol.RelativeGap:E2} (tolerance {options.GapTolerance:E0}), R_K = ") +
                Invariant($"{sol.PrimalObjective:G10}, factor rank {sol.Rank}, {sol.Iterations} Newton steps in ") +
                Invariant($"{sol.Seconds:F2} ") +
                Invariant($"s.{(certified ? "" : " Not certified: the solver did not reach its gap tolerance.")}");
        var direction = Geometry.Normalize(sol.Beta);
        if (!direction.All(double.IsFinite)) direction = new double[data.Dimension];
        return new LimitCertificate(LimitKind.KernelNorm, 1,
            certified ? LimitStatus.Certified : LimitStatus.NotCertified,
            direction, double.IsFinite(sol.RelativeGap) ? sol.RelativeGap : 1, minAlpha, slack, support, active,
            active.Length, 0, false, message);
    }

    public static LimitCertificate NoReference(Dataset data, double p, ReadOnlySpan<double> gdDirection)
    {
        var direction = Geometry.Normalize(gdDirection);
        if (!direction.All(double.IsFinite)) direction = new double[data.Dimension];
        return new LimitCertificate(LimitKind.TheoremFourOnly, p, LimitStatus.NoReference, direction, 1, 0, 0, [], [],
            0, 0, false,
            Invariant($"No closed-form limit (p = 2/L = {p:G6}): for K-kernel networks of depth L >= 3 the theory ") +
            Invariant($"(Theorem 4) promises only a KKT point of the parameter problem; the direction returned is ") +
            Invariant($"the run's own. Check the parameter-space KKT residual instead."));
    }
}
