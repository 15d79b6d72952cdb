using ImplicitBias.Engine.Fourier;
using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The max-margin predictor of the induced regularizer of depth-2 networks with kernel K and any number of
/// channels (Jagadeesan, Razenshteyn, Gunasekar, COLT 2022): min R_K(beta) s.t. y_n &lt;x_n, beta&gt; &gt;= 1,
/// R_K(beta) = 2 min { ||Z||_* : A_K(Z) = beta }. (docs/reference-solvers.md, "KernelNormMaxMargin")</summary>
public static class KernelNormMaxMargin
{
    /// <summary>Solver name in certificates.</summary>
    public const string SolverName = "dual barrier method (log det), primal from the central path";

    /// <summary>Solves and certifies; NotSeparable (with the l2 evidence) when the data is not separable. Throws for
    /// usage errors only (grid size not D, kernel larger than the grid).</summary>
    public static KernelMaxMarginSolution Solve(Dataset data, Grid grid, KernelSize kernel, double gapTolerance = 1e-8,
        int maxNewtonSteps = 2000)
    {
        var clock = Stopwatch.StartNew();
        if (grid.Count != data.Dimension)
            throw new ArgumentException($"the grid {grid} has {grid.Count} entries but {data.Name} has D = " +
                                        $"{data.Dimension}.");
        var lift = new KernelLift(grid, kernel);
        var l2 = L2MaxMargin.Solve(data, gapTolerance);
        if (l2.Status == SolverStatus.NotSeparable)
            return new KernelMaxMarginSolution(grid, kernel, SolverStatus.NotSeparable, new double[data.Dimension],
                Matrix<double>.Build.Dense(kernel.Count, grid.Count), l2.Dual, 0, 0, 1, 0, 0, 0, l2.Iterations,
                clock.Elapsed.TotalSeconds, l2.Solver, l2.Message);

        // Solved on the data divided by a power of two near max ||x_n|| (exact), so the barrier's and the
        // polish's numbers are of order 1 and consistent; the answer is certified again on the original data
        // (Z times the factor has the same margins there; alpha is rescaled by the certificate).
        double scale = Math.ScaleB(1.0, -Math.ILogB(data.MaxPointNorm()));
        var unit = new Dataset(data.Features.Select(v => v * scale).ToArray(), data.Labels, data.Dimension, data.Name);
        var z = unit.SignedFeatures();
        int dim = data.Dimension, count = data.Count;
        var mats = new Matrix<double>[count];
        for (int n = 0; n < count; n++) mats[n] = lift.Adjoint(z.AsSpan(n * dim, dim));
        var barrier = new KernelDualBarrier(mats);

        // Start: the l2 dual (support vectors) plus a little of every point, scaled to ||M|| = 1 < 2.
        double top = l2.Dual.Max();
        var alpha = l2.Dual.Select(a => Math.Max(a, 0) / top + 1e-2).ToArray();
        if (!alpha.All(double.IsFinite)) alpha = Enumerable.Repeat(1.0, count).ToArray();
        double op = KernelCertificate.Operator(barrier.Combine(alpha));
        for (int n = 0; n < count; n++) alpha[n] /= op;
        double t = (count + kernel.Count) / alpha.Sum();

        var best = barrier.Follow(alpha, t, maxNewtonSteps, gapTolerance / 10, (primal, steps) =>
        {
            var candidate = KernelCertificate.Certify(unit, lift, primal, alpha, steps, clock.Elapsed.TotalSeconds,
                SolverName, gapTolerance);
            // The rank and the active set are read at several thresholds (the gap between the face's singular
            // values and the rest is only as wide as t allows); the certificate keeps the best.
            foreach (double threshold in new[] { 1e-3, 1e-4, 1e-5, 1e-6, 1e-7 })
            {
                var polished = KernelSlacknessPolish.Primal(unit, lift, primal, threshold, threshold);
                if (polished is null) continue;
                var p2 = KernelCertificate.Certify(unit, lift, polished, alpha, steps, clock.Elapsed.TotalSeconds,
                    SolverName + ", primal polished by complementary slackness", gapTolerance);
                if (p2.RelativeGap < candidate.RelativeGap) candidate = p2;
            }
            return candidate;
        }, c => c.RelativeGap, out int steps);
        var factor = best?.Factor ?? Matrix<double>.Build.Dense(kernel.Count, dim);
        var final = KernelCertificate.Certify(data, lift, factor * scale, best?.Dual ?? alpha, steps,
            clock.Elapsed.TotalSeconds, best?.Solver ?? SolverName, gapTolerance);
        return final with { Seconds = clock.Elapsed.TotalSeconds };
    }
}
