using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Reference;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Theory;

/// <summary>The first-order conditions of min sum_rho w_rho ||B_rho||_(S p)^p s.t. margins &gt;= 1 at a point, read
/// from beta and alpha alone (docs/theory-checks.md, "The L &gt;= 3 limit"). Beta is at unit minimum margin.</summary>
/// <param name="Separating">The point separates the data (otherwise every other number is meaningless).</param>
/// <param name="Beta">The point scaled to minimum margin 1.</param>
/// <param name="Alpha">The multipliers (length N, zero off the active set).</param>
/// <param name="Active">The active points: margin at most 1 + the active tolerance.</param>
/// <param name="Ranks">The rank of each block: singular values above the threshold times the largest of all.</param>
/// <param name="Stationarity">||P_T(G) - w p U S^(p-1) V^*|| / ||w p U S^(p-1) V^*|| over all blocks, G the blocks of
/// sum_n alpha_n y_n x_n: the conditions U^* G V = w p S^(p-1), U_perp^* G V = 0, U^* G V_perp = 0 together.</param>
/// <param name="Core">The part of that residual in U^* G V alone (relative, same denominator).</param>
/// <param name="MinAlpha">The smallest multiplier on the active set.</param>
/// <param name="Slackness">max_n alpha_n (margin_n - 1) / max_n alpha_n.</param>
/// <param name="SmallestInactive">The smallest margin of an inactive point (infinity if none).</param>
/// <param name="SmallestKept">The smallest kept singular value over the largest of all.</param>
/// <param name="LargestDropped">The largest dropped singular value over the largest of all (0 if none).</param>
/// <param name="Equations">The real dimension of the rank-r manifold, sum_rho r (2 d - r).</param>
/// <param name="Degenerate">Why the conditions are weak here (empty if they are not): few equations, a rank or an
/// active set that a threshold decides.</param>
public sealed record GroupBridgeCheck(
    bool Separating, double[] Beta, double[] Alpha, int[] Active, int[] Ranks, double Stationarity, double Core,
    double MinAlpha, double Slackness, double SmallestInactive, double SmallestKept, double LargestDropped,
    int Equations, string Degenerate)
{
    /// <summary>The KKT residual: the largest of stationarity, complementary slackness and -min alpha (relative).
    /// </summary>
    public double KktResidual => Math.Max(Stationarity, Math.Max(Slackness, Math.Max(0, -MinAlpha)));

    /// <summary>A first-order stationary point to <paramref name="tolerance"/>: separating, KKT residual within it,
    /// alpha &gt;= 0, every inactive margin above 1 and a non-empty support.</summary>
    public bool Holds(double tolerance) =>
        Separating && KktResidual <= tolerance && MinAlpha >= 0 && SmallestInactive > 1 && Ranks.Sum() > 0;
}

/// <summary>Checks the conditions of <see cref="GroupBridgeCheck"/> at a point; nothing of the solver is used.
/// </summary>
public static class GroupBridgeKkt
{
    /// <summary>The check at <paramref name="beta"/> (any scale) with ranks read at
    /// <paramref name="rankThreshold"/> and active points at <paramref name="activeTolerance"/>; alpha is the
    /// non-negative least-squares fit of the stationarity rows, or <paramref name="alpha"/> if given.</summary>
    public static GroupBridgeCheck Certify(GroupFourier fourier, Dataset data, ReadOnlySpan<double> beta, double p,
        double rankThreshold = 1e-8, double activeTolerance = 1e-8, double[]? alpha = null)
    {
        if (!(p > 0 && p < 1)) throw new ArgumentException($"p = {p} must be in (0, 1) (p = 2/L, L >= 3).");
        if (beta.Length != fourier.Group.Order || data.Dimension != fourier.Group.Order)
            throw new ArgumentException($"beta, data and the group {fourier.Group.Name} differ in dimension.");
        var raw = Certificate.Margins(data, beta);
        double min = raw.Min();
        int count = data.Count;
        if (!(min > 0))
            return new GroupBridgeCheck(false, beta.ToArray(), new double[count], [], [], 1, 1, 0, 0, 0, 0, 0, 0,
                "not separating");
        var unit = beta.ToArray().Select(v => v / min).ToArray();
        var margins = raw.Select(m => m / min).ToArray();
        var active = Enumerable.Range(0, count).Where(n => margins[n] <= 1 + activeTolerance).ToArray();
        var blocks = GroupBlockManifold.Blocks(fourier, unit);
        double top = blocks.Max(b => b.L2Norm());
        var charts = new GroupBlockManifold[blocks.Length];
        var ranks = new int[blocks.Length];
        for (int t = 0; t < blocks.Length; t++)
        {
            var all = new GroupBlockManifold(blocks[t], 0).AllSingular;
            ranks[t] = all.Count(s => s > rankThreshold * top);
            charts[t] = new GroupBlockManifold(blocks[t], ranks[t]);
        }
        var kept = charts.SelectMany(c => c.Singular).DefaultIfEmpty(0).Min() / top;
        var dropped = charts.SelectMany(c => c.AllSingular.Skip(c.Singular.Length)).DefaultIfEmpty(0).Max() / top;
        var points = GroupBlockManifold.PointBlocks(fourier, data);
        var target = new List<double>();
        var columns = active.Select(_ => new List<double>()).ToArray();
        for (int t = 0; t < blocks.Length; t++)
        {
            double w = GroupBlockManifold.Weight(fourier.Irreps[t].Dimension, p);
            target.AddRange(GroupBlockManifold.Rows(charts[t].Gradient(w, p)));
            for (int a = 0; a < active.Length; a++)
                columns[a].AddRange(GroupBlockManifold.Rows(charts[t].Tangent(points[active[a]][t])));
        }
        int rows = target.Count;
        double[] alphaActive;
        if (alpha is null)
        {
            var matrix = new double[rows * active.Length];
            for (int r = 0; r < rows; r++)
                for (int a = 0; a < active.Length; a++) matrix[r * active.Length + a] = columns[a][r];
            alphaActive = active.Length == 0 ? [] : Nnls.Solve(matrix, rows, active.Length, target.ToArray()).X;
        }
        else alphaActive = active.Select(n => alpha[n]).ToArray();
        var fullAlpha = new double[count];
        for (int a = 0; a < active.Length; a++) fullAlpha[active[a]] = alphaActive[a];
        if (alpha is not null) alpha.CopyTo(fullAlpha, 0);
        // The residual, recomputed per block from G = sum_n alpha_n Z_n, with its core part U^* (G - grad) V.
        double total = 0, core = 0, scale = 0;
        for (int t = 0; t < blocks.Length; t++)
        {
            double w = GroupBlockManifold.Weight(fourier.Irreps[t].Dimension, p);
            var g = Matrix<Complex>.Build.Dense(blocks[t].RowCount, blocks[t].ColumnCount);
            for (int n = 0; n < count; n++) if (fullAlpha[n] != 0) g += points[n][t] * fullAlpha[n];
            var gradient = charts[t].Gradient(w, p);
            var difference = charts[t].Tangent(g) - gradient;
            total += Math.Pow(difference.FrobeniusNorm(), 2);
            core += Math.Pow(charts[t].Core(difference).FrobeniusNorm(), 2);
            scale += Math.Pow(gradient.FrobeniusNorm(), 2);
        }
        double largest = fullAlpha.DefaultIfEmpty(0).Max();
        double slack = 0;
        for (int n = 0; n < count; n++) slack = Math.Max(slack, Math.Abs(fullAlpha[n] * (margins[n] - 1)));
        double minAlpha = active.Length == 0 ? 0 : active.Min(n => fullAlpha[n]);
        var inactive = Enumerable.Range(0, count).Where(n => !active.Contains(n)).ToArray();
        double smallestInactive = inactive.Length == 0 ? double.PositiveInfinity : inactive.Min(n => margins[n]);
        int equations = 0;
        for (int t = 0; t < blocks.Length; t++)
            equations += ranks[t] * (2 * fourier.Irreps[t].Dimension - ranks[t]);
        var reasons = new List<string>();
        if (equations <= active.Length) reasons.Add($"{equations} equations for {active.Length} active points");
        if (kept < 1e-6) reasons.Add(FormattableString.Invariant($"a kept singular value at {kept:E1} of the largest"));
        if (dropped > 1e-10) reasons.Add(FormattableString.Invariant($"a dropped singular value at {dropped:E1}"));
        if (smallestInactive < 1 + 1e-6) reasons.Add("an inactive margin within 1e-6 of 1");
        if (active.Length > 0 && minAlpha < 1e-8 * largest) reasons.Add("an active point with alpha about 0");
        double denominator = scale > 0 ? Math.Sqrt(scale) : 1;
        return new GroupBridgeCheck(true, unit, fullAlpha, active, ranks, Math.Sqrt(total) / denominator,
            Math.Sqrt(core) / denominator, minAlpha, largest > 0 ? slack / largest : 0, smallestInactive, kept,
            dropped, equations, string.Join("; ", reasons));
    }
}
