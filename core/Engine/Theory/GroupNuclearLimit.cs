using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The group-nuclear limit (depth 2) for <see cref="CertifiedLimit"/>: the optimum of
/// <see cref="GroupNuclearMaxMargin"/>, certified by its duality gap (Residual) recomputed from the data.</summary>
internal static class GroupNuclearLimit
{
    public static LimitCertificate Find(GroupFourier fourier, Dataset data, LimitOptions options)
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
        string message = Invariant($"{(sol.Certified ? "Certified" : "NOT certified")} group-nuclear max margin on ") +
            Invariant($"{fourier.Group.Name}: relative duality gap {sol.RelativeGap:E2} (tolerance ") +
            Invariant($"{options.GapTolerance:E0}), block ranks [{string.Join(",", ranks)}]; {sol.Message}");
        return new LimitCertificate(LimitKind.GroupNuclear, 1,
            sol.Certified ? LimitStatus.Certified : LimitStatus.NotCertified, Geometry.Normalize(sol.Beta), gap,
            active.Length == 0 ? 0 : active.Min(n => sol.Dual[n]), slack,
            Enumerable.Range(0, ranks.Length).Where(t => ranks[t] > 0).ToArray(), active, active.Length,
            ranks.Select((r, t) => r * (2 * fourier.Irreps[t].Dimension - r)).Sum(), false, message)
        { BlockRanks = ranks };
    }
}
