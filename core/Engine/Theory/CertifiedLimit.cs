using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Fourier;
using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;
using ImplicitBias.Engine.Groups;

namespace ImplicitBias.Engine.Theory;

/// <summary>Every run reports the limit it is heading to, certified.
/// (docs/theory-checks.md, "CertifiedLimit")</summary>
public static class CertifiedLimit
{
    /// <summary>The limit the theory predicts for a network kind at a depth: depth 1, or a family without a depth
    /// penalty. (docs/theory-checks.md, "CertifiedLimit.For")</summary>
    public static (LimitKind Kind, double P) For(NetworkKind kind, int depth)
    {
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        var domain = NetworkFamilies.Of(kind).DepthPenaltyDomain;
        if (depth == 1 || domain is null) return (LimitKind.L2, 2.0);
        if (domain == PenaltyDomain.GroupFourier)
            return depth == 2 ? (LimitKind.GroupNuclear, 1.0) : (LimitKind.GroupBridge, 2.0 / depth);
        bool fourier = domain == PenaltyDomain.Fourier;
        if (depth == 2) return (fourier ? LimitKind.FourierL1 : LimitKind.TimeL1, 1.0);
        return (fourier ? LimitKind.FourierBridge : LimitKind.TimeBridge, 2.0 / depth);
    }

    /// <summary>The limit for a model on a grid with a kernel and C channels (issue 10).
    /// (docs/theory-checks.md, "CertifiedLimit.For (2)")</summary>
    public static (LimitKind Kind, double P) For(NetworkKind model, int depth, Grid grid, KernelSize kernel,
        int channels)
    {
        grid.Check();
        kernel.Check(grid);
        if (channels < 1) throw new ArgumentException($"channels must be at least 1 (got {channels}).");
        var plain = For(model, depth);
        bool conv = NetworkFamilies.Of(model).DepthPenaltyDomain == PenaltyDomain.Fourier;
        if (!conv || depth == 1 || kernel == KernelSize.Full(grid)) return plain;
        return depth == 2 ? (LimitKind.KernelNorm, 1.0) : (LimitKind.TheoremFourOnly, 2.0 / depth);
    }

    /// <summary><see cref="Find(Dataset, LimitKind, double, ReadOnlySpan{double}, LimitOptions?)"/> on a grid with a
    /// kernel: FourierL1 and FourierBridge use the grid's 2-D unitary DFT (<see cref="EntrySpace"/>), KernelNorm solves
    /// the R_K max margin of the kernel. (docs/theory-checks.md, "CertifiedLimit.Find")</summary>
    public static LimitCertificate Find(
        Dataset data, LimitKind kind, double p, ReadOnlySpan<double> gdDirection, Grid grid, KernelSize kernel,
            LimitOptions? options = null)
    {
        if (grid.Count != data.Dimension)
            throw new ArgumentException($"the grid {grid} has {grid.Count} entries but {data.Name} has D = " +
                                        $"{data.Dimension}.");
        kernel.Check(grid);
        return FindOn(data, kind, p, gdDirection, grid, kernel, options);
    }

    /// <summary>Finds and certifies the limit of <paramref name="kind"/> nearest to <paramref name="gdDirection"/> (any
    /// scale; only the bridge kinds use it, as the local solver's start). <paramref name="p"/> must be 2 for L2, 1 for
    /// the l1 kinds and in (0, 1) for the bridge kinds. Throws only for such usage errors.</summary>
    public static LimitCertificate Find(
        Dataset data, LimitKind kind, double p, ReadOnlySpan<double> gdDirection, LimitOptions? options = null) =>
        FindOn(data, kind, p, gdDirection, Grid.Line(data.Dimension), KernelSize.Line(data.Dimension), options);

    /// <summary>The limit of a group-convolutional network on <paramref name="group"/> (signals over its elements):
    /// L2 at depth 1, GroupNuclear at depth 2, GroupBridge (nearest to <paramref name="gdDirection"/>) deeper.
    /// (docs/theory-checks.md, "The L &gt;= 3 limit")</summary>
    public static LimitCertificate Find(
        Dataset data, LimitKind kind, double p, ReadOnlySpan<double> gdDirection, FiniteGroup group,
            LimitOptions? options = null) =>
        Find(data, kind, p, gdDirection, new GroupFourier(group), options);

    /// <summary>As <see cref="Find(Dataset, LimitKind, double, ReadOnlySpan{double}, FiniteGroup, LimitOptions?)"/>
    /// with the group's transform already built.</summary>
    public static LimitCertificate Find(
        Dataset data, LimitKind kind, double p, ReadOnlySpan<double> gdDirection, GroupFourier fourier,
            LimitOptions? options = null)
    {
        options ??= LimitOptions.Default;
        if (fourier.Group.Order != data.Dimension || gdDirection.Length != data.Dimension)
            throw new ArgumentException($"the group {fourier.Group.Name} has order {fourier.Group.Order}, the " +
                                        $"direction {gdDirection.Length} entries and {data.Name} D = " +
                                        $"{data.Dimension}.");
        if (kind is not (LimitKind.L2 or LimitKind.GroupNuclear or LimitKind.GroupBridge)
            || (kind == LimitKind.GroupBridge ? !(p > 0 && p < 1) : p != (kind == LimitKind.L2 ? 2 : 1)))
            throw new ArgumentException($"{kind} with p = {p} is no limit of a group-convolutional network (l2: 2, " +
                                        $"GroupNuclear: 1, GroupBridge: 2/L in (0, 1)).");
        data = AtSolvableScale(data);
        return kind switch
        {
            LimitKind.L2 => ConvexLimit.Find(data, kind, options, Grid.Line(data.Dimension)),
            LimitKind.GroupNuclear => GroupNuclearLimit.Find(fourier, data, options),
            _ => GroupBridgeLimit.Find(fourier, data, p, gdDirection.ToArray(), options),
        };
    }

    private static LimitCertificate FindOn(
        Dataset data, LimitKind kind, double p, ReadOnlySpan<double> gdDirection, Grid grid, KernelSize kernel,
            LimitOptions? options)
    {
        options ??= LimitOptions.Default;
        if (gdDirection.Length != data.Dimension)
            throw new ArgumentException($"the direction has {gdDirection.Length} entries but {data.Name} has D = " +
                                        $"{data.Dimension}.");
        if (kind is LimitKind.GroupNuclear or LimitKind.GroupBridge)
            throw new ArgumentException($"the limit {kind} needs the group: use the overload that takes it.");
        double expected = kind switch { LimitKind.L2 => 2,
            LimitKind.FourierL1 or LimitKind.TimeL1 or LimitKind.KernelNorm => 1, _ => double.NaN };
        if (double.IsNaN(expected) ? !(p > 0 && p < 1) : p != expected)
            throw new ArgumentException($"p = {p} does not fit the limit {kind} (l2: 2, l1 and kernel: 1, bridge " +
                                        $"and Theorem-4-only: 2/L in (0, 1)).");
        data = AtSolvableScale(data);
        return kind switch
        {
            LimitKind.L2 or LimitKind.FourierL1 or LimitKind.TimeL1 => ConvexLimit.Find(data, kind, options, grid),
            LimitKind.KernelNorm => KernelLimit.Find(data, grid, kernel, options),
            LimitKind.TheoremFourOnly => KernelLimit.NoReference(data, p, gdDirection),
            _ => BridgeLimit.Find(data, kind, p, gdDirection.ToArray(), options, grid),
        };
    }

    /// <summary>The data the solvers see. The limit is a direction, the same for the data times any factor, but the
    /// solvers' tolerances are tuned for data of moderate size: data of extreme scale (max_n ||x_n|| outside 2^-30 ..
    /// 2^30) is solved divided by its scale, as training does; moderate data is solved as given, and so is data whose
    /// points' norms differ too much for one factor (UnitScale.SpreadProblem: small points would underflow).</summary>
    private static Dataset AtSolvableScale(Dataset data)
    {
        double r = UnitScale.Scale(data);
        bool extreme = r < Math.ScaleB(1.0, -30) || r > Math.ScaleB(1.0, 30);
        return extreme && UnitScale.SpreadProblem(data) is null ? UnitScale.Of(data, out _) : data;
    }

    /// <summary>The domain of a kind's penalty (l2 is taken in time; Parseval makes it the same in Fourier).</summary>
    internal static PenaltyDomain DomainOf(LimitKind kind) =>
        kind is LimitKind.FourierL1 or LimitKind.FourierBridge ? PenaltyDomain.Fourier : PenaltyDomain.Time;

    /// <summary>The domain entries of y_n x_n for every point.</summary>
    internal static Complex[][] PointEntries(Dataset data, EntrySpace space)
    {
        var z = data.SignedFeatures();
        int dim = data.Dimension;
        return Enumerable.Range(0, data.Count).Select(n => space.Of(z.AsSpan(n * dim, dim))).ToArray();
    }

    /// <summary>The NotSeparable certificate: zeros and the solver's evidence.</summary>
    internal static LimitCertificate NotSeparable(Dataset data, LimitKind kind, double p, string evidence) =>
        new(kind, p, LimitStatus.NotSeparable, new double[data.Dimension], 1, 0, 0, [], [], 0, 0, false,
            $"No {kind} limit: {evidence}");

    /// <summary>Assembles a certificate from beta (unit minimum margin), the system it was certified on, and alpha
    /// (length N, zero off the active set). Non-finite numbers are replaced by their worst honest value (residual 1,
    /// the residual of alpha = 0) so that no field is NaN.</summary>
    internal static LimitCertificate Assemble(
        LimitKind kind, double p, LimitStatus status, double[] beta, double[] margins, SupportKkt kkt,
        double[] alpha, double residual, string message)
    {
        double minAlpha = kkt.Active.Length == 0 ? 0 : kkt.Active.Min(n => alpha[n]);
        double slack = 0;
        for (int n = 0; n < alpha.Length; n++) slack = Math.Max(slack, Math.Abs(alpha[n] * (margins[n] - 1)));
        var support = kkt.Support.SelectMany(j => kkt.Space.FullIndices(j)).OrderBy(d => d).ToArray();
        int unknowns = kkt.Active.Length, equations = kkt.Coordinates;
        static double Finite(double v, double worst) => double.IsFinite(v) ? v : worst;
        var direction = Geometry.Normalize(beta);
        if (!direction.All(double.IsFinite)) direction = new double[beta.Length];
        return new LimitCertificate(kind, p, status, direction, Finite(residual, 1), Finite(minAlpha, 0),
            Finite(slack, double.MaxValue),
            support, kkt.Active.ToArray(), unknowns, equations, equations <= unknowns, message);
    }
}
