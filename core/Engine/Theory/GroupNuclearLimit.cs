using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The group-nuclear limit (depth 2) for <see cref="CertifiedLimit"/>: the optimum of
/// <see cref="GroupNuclearMaxMargin"/>, certified by its duality gap (Residual); Degenerate where it may be a face.
/// </summary>
public static class GroupNuclearLimit
{
    internal static LimitCertificate Find(GroupFourier fourier, Dataset data, LimitOptions options)
    {
        var separation = Separation.Decide(data);
        if (!separation.Separable)
            return CertifiedLimit.NotSeparable(data, LimitKind.GroupNuclear, 1, separation.Message);
        var sol = GroupNuclearMaxMargin.Solve(fourier, data, options.GapTolerance);
        var margins = Certificate.Margins(data, sol.Beta);
        var active = Enumerable.Range(0, data.Count)
            .Where(n => margins[n] <= 1 + options.ConvexThreshold && sol.Dual[n] > 0).ToArray();
        var blocks = GroupBlockManifold.Blocks(fourier, sol.Beta);
        double top = blocks.Max(b => b.L2Norm());
        var ranks = blocks.Select(b => new GroupBlockManifold(b, 0).AllSingular
            .Count(s => s > options.ConvexThreshold * top)).ToArray();
        double slack = Enumerable.Range(0, data.Count).Max(n => Math.Abs(sol.Dual[n] * (margins[n] - 1)));
        double gap = double.IsFinite(sol.RelativeGap) ? Math.Abs(sol.RelativeGap) : 1;
        string face = FaceOf(fourier, data, sol.Dual, margins);
        string message = Invariant($"{(sol.Certified ? "Certified" : "NOT certified")} group-nuclear max margin on ") +
            Invariant($"{fourier.Group.Name}: relative duality gap {sol.RelativeGap:E2} (tolerance ") +
            Invariant($"{options.GapTolerance:E0}), block ranks [{string.Join(",", ranks)}]") +
            (face == "" ? "" : $"; degenerate (the optimum may not be unique): {face}") + $"; {sol.Message}";
        return new LimitCertificate(LimitKind.GroupNuclear, 1,
            sol.Certified ? LimitStatus.Certified : LimitStatus.NotCertified, Geometry.Normalize(sol.Beta), gap,
            active.Length == 0 ? 0 : active.Min(n => sol.Dual[n]), slack,
            Enumerable.Range(0, ranks.Length).Where(t => ranks[t] > 0).ToArray(), active, active.Length,
            ranks.Select((r, t) => r * (2 * fourier.Irreps[t].Dimension - r)).Sum(), face != "", message)
        { BlockRanks = ranks };
    }

    /// <summary>Why the optimal set may be a face rather than a point (empty if it is a point by counting): with
    /// Z = sum a_n y_n x_n, optimal blocks are U_k Q V_k^* (Q &gt;= 0) on Z's singular values at sqrt d; more free
    /// entries of Q than points with a &gt; 0, or a singular value of Z within 1e-3 of sqrt d but not at it.</summary>
    internal static string FaceOf(GroupFourier fourier, Dataset data, double[] dual, double[] margins)
    {
        int dim = data.Dimension;
        var z = new double[dim];
        for (int n = 0; n < data.Count; n++)
            for (int i = 0; i < dim; i++) z[i] += dual[n] * data.Labels[n] * data.Features[n * dim + i];
        var blocks = GroupBlockManifold.Blocks(fourier, z);
        int free = 0;
        var near = new List<string>();
        for (int t = 0; t < blocks.Length; t++)
        {
            int partner = fourier.Partner[t];
            if (partner >= 0 && partner < t) continue;
            var s = new GroupBlockManifold(blocks[t], 0).AllSingular
                .Select(v => v / Math.Sqrt(fourier.Irreps[t].Dimension)).ToArray();
            int k = s.Count(v => v >= 1 - 1e-7);
            free += partner > t ? k * k : k * (k + 1) / 2;
            if (s.Any(v => v < 1 - 1e-7 && v > 1 - 1e-3)) near.Add($"block {t}");
        }
        double top = dual.DefaultIfEmpty(0).Max();
        int weighted = Enumerable.Range(0, data.Count).Count(n => dual[n] > 1e-9 * top);
        var reasons = new List<string>();
        if (free > weighted) reasons.Add($"{free} free entries of the optimal blocks for {weighted} weighted points");
        if (near.Count > 0)
            reasons.Add($"a singular value of the dual within 1e-3 of the bound ({string.Join(", ", near)})");
        return string.Join("; ", reasons);
    }

    /// <summary>How far a direction is from optimal: its norm at unit minimum margin over the certified limit's,
    /// minus 1 (0 at every point of the optimal set, so it certifies GD's direction optimal even where the optimum is
    /// a face; infinity if the direction does not separate).</summary>
    public static double ValueGap(GroupFourier fourier, Dataset data, ReadOnlySpan<double> direction,
        ReadOnlySpan<double> limit) => UnitValue(fourier, data, direction) / UnitValue(fourier, data, limit) - 1;

    private static double UnitValue(GroupFourier fourier, Dataset data, ReadOnlySpan<double> beta)
    {
        double min = Certificate.Margins(data, beta).Min();
        return min > 0 ? GroupNuclearNorm.Value(fourier, beta) / min : double.PositiveInfinity;
    }
}
