using ImplicitBias.Engine.Fourier;
using System.Numerics.Tensors;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>Turns any candidate pair (beta, alpha) from any solver into a certified <see cref="MaxMarginSolution"/>:
/// beta is scaled to minimum margin exactly 1 (primal feasible), alpha is clipped to alpha &gt;= 0 and scaled so ||Z^T
/// alpha||_* &lt;= 1 (dual feasible). (docs/reference-solvers.md, "Certificate")</summary>
public static class Certificate
{
    /// <summary>The margins y_n &lt;x_n, beta&gt;.</summary>
    public static double[] Margins(Dataset data, ReadOnlySpan<double> beta)
    {
        var z = data.SignedFeatures();
        int d = data.Dimension;
        var m = new double[data.Count];
        for (int n = 0; n < m.Length; n++) m[n] = TensorPrimitives.Dot(z.AsSpan(n * d, d), beta);
        return m;
    }

    /// <summary>Z^T alpha = sum_n alpha_n y_n x_n.</summary>
    public static double[] Combine(Dataset data, ReadOnlySpan<double> alpha)
    {
        var z = data.SignedFeatures();
        int d = data.Dimension;
        var g = new double[d];
        for (int n = 0; n < data.Count; n++)
            if (alpha[n] != 0) TensorPrimitives.MultiplyAdd(z.AsSpan(n * d, d), alpha[n], g, g);
        return g;
    }

    /// <summary>Certifies a candidate (on a grid, when given, the Fourier-l1 norms are those of the grid's DFT): Status
    /// Optimal if the certified relative gap is at most <paramref name="gapTolerance"/> and the candidate was not
    /// flagged as cut short, else IterationLimit. (docs/reference-solvers.md, "Certificate.Certify")</summary>
    public static MaxMarginSolution Certify(
        Dataset data, MarginBias bias, ReadOnlySpan<double> beta, ReadOnlySpan<double> alpha,
        int iterations, double seconds, string solver, double gapTolerance, bool hitIterationLimit = false,
            Grid? grid = null)
    {
        var margins = Margins(data, beta);
        double minMargin = margins.Min();
        if (!(minMargin > 0)) // only an unfinished solve can get here: separability was established first
            return new MaxMarginSolution(bias, SolverStatus.IterationLimit, new double[data.Dimension],
                new double[data.Count],
                double.NaN, double.NaN, double.NaN, double.NaN, iterations, seconds, solver,
                FormattableString.Invariant($"{solver} stopped after {iterations} iterations without a separating ") +
                FormattableString.Invariant($"beta (min margin {minMargin:G3}); no certificate."));
        var b = beta.ToArray();
        for (int i = 0; i < b.Length; i++) b[i] /= minMargin;
        var a = alpha.ToArray();
        for (int n = 0; n < a.Length; n++) a[n] = Math.Max(a[n], 0);
        double dualNorm = bias.DualNorm(Combine(data, a), grid);
        if (dualNorm > 0) for (int n = 0; n < a.Length; n++) a[n] /= dualNorm;
        double primal = bias.Norm(b, grid), dual = a.Sum();
        double gap = (primal - dual) / primal;
        double margin = Margins(data, b).Min();
        bool ok = gap <= gapTolerance && !hitIterationLimit;
        string msg = ok
            ? FormattableString.Invariant($"{bias.Name()} max-margin solution by {solver}: ||beta|| = {primal:G12}, ") +
                FormattableString.Invariant($"certified relative duality gap {gap:E2} after {iterations} iterations.")
            : FormattableString.Invariant($"{bias.Name()} max-margin by {solver} stopped after {iterations} ") +
                FormattableString.Invariant($"iterations with certified relative gap {gap:E2} (tolerance ") +
                FormattableString.Invariant($"{gapTolerance:E1}); beta is feasible but may not be optimal.");
        return new MaxMarginSolution(bias, ok ? SolverStatus.Optimal : SolverStatus.IterationLimit, b, a,
            primal, dual, gap, margin, iterations, seconds, solver, msg) { Grid = grid };
    }

    /// <summary>The NotSeparable result, with alpha &gt;= 0, sum alpha = 1 and ||Z^T alpha||_2 = residual * sum_n
    /// alpha_n ||z_n|| as the evidence (<see cref="Separation"/>).</summary>
    public static MaxMarginSolution NotSeparable(
        Dataset data, MarginBias bias, double[] alpha, double residual, int iterations, double seconds, string solver,
            string evidence) =>
        new(bias, SolverStatus.NotSeparable, new double[data.Dimension], alpha, double.NaN, double.NaN, double.NaN,
            double.NaN,
            iterations, seconds, solver,
            $"{data.Name} is not linearly separable through the origin: {evidence}");
}
