namespace ImplicitBias.Engine.Numerics;

/// <summary>Least distance programming: min ||x||_2 subject to G x &gt;= h, reduced to one non-negative least-squares
/// problem (Lawson and Hanson, Solving Least Squares Problems, 1974, ch.
/// (docs/performance.md, "LeastDistance")</summary>
public static class LeastDistance
{
    /// <summary>The answer: X (null when infeasible) and the multipliers of the constraints.</summary>
    public sealed record Result(double[]? X, double[] Multipliers, bool Converged);

    /// <summary>Solves min ||x|| s.t. G x &gt;= h for G row-major (m constraints x n unknowns).</summary>
    public static Result Solve(double[] g, int constraints, int unknowns, double[] h)
    {
        if (g.Length != constraints
            * unknowns) throw new ArgumentException($"G has {g.Length} entries, not {constraints} x {unknowns}.");
        int rows = unknowns + 1;
        var e = new double[rows * constraints];
        for (int i = 0; i < constraints; i++)
        {
            for (int j = 0; j < unknowns; j++) e[j * constraints + i] = g[i * unknowns + j];
            e[unknowns * constraints + i] = h[i];
        }
        var f = new double[rows];
        f[unknowns] = 1;
        var fit = Nnls.Solve(e, rows, constraints, f);
        var r = Nnls.Residual(e, rows, constraints, f, fit.X); // f - E u
        double last = -r[unknowns]; // (E u - f)[n] = h^T u - 1, negative when feasible
        if (!(fit.ResidualNorm > 1e-12) || !(last < 0)) return new Result(null, fit.X, fit.Converged);
        // x = -(E u - f)[0..n) / (E u - f)[n] = G^T u / (1 - h^T u).
        var x = new double[unknowns];
        for (int j = 0; j < unknowns; j++) x[j] = r[j] / last;
        var multipliers = fit.X.Select(u => u / -last).ToArray();
        return new Result(x, multipliers, fit.Converged);
    }
}
