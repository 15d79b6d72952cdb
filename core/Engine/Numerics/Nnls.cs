using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Numerics;

/// <summary>The answer of <see cref="Nnls.Solve"/>.</summary>
/// <param name="X">The minimizer x &gt;= 0.</param>
/// <param name="ResidualNorm">||A x - b||_2.</param>
/// <param name="Iterations">Outer iterations (columns brought into the passive set).</param>
/// <param name="Converged">False when the iteration limit stopped the method before its optimality test held.</param>
public sealed record NnlsResult(double[] X, double ResidualNorm, int Iterations, bool Converged);

/// <summary>Non-negative least squares, min ||A x - b||_2 subject to x &gt;= 0, by the active-set method of Lawson and
/// Hanson (Solving Least Squares Problems, 1974, ch. 23). At the answer the KKT conditions hold: the gradient w = A^T
/// (b - A x) is &lt;= tol where x = 0 and about 0 where x &gt; 0. (docs/performance.md, "Nnls")</summary>
public static class Nnls
{
    /// <summary>Solves the problem for A given row-major (<paramref name="rows"/> x <paramref name="cols"/>). Not
    /// converging within <paramref name="maxIterations"/> (default 3 * cols + 30) is reported in the result.
    /// (docs/performance.md, "Nnls.Solve")</summary>
    public static NnlsResult Solve(double[] a, int rows, int cols, double[] b, int maxIterations = -1,
        bool[]? guess = null)
    {
        if (a.Length != rows * cols) throw new ArgumentException($"A has {a.Length} entries, not {rows} x {cols}.");
        if (b.Length != rows) throw new ArgumentException($"b has {b.Length} entries but A has {rows} rows.");
        if (guess is not null
            && guess.Length != cols) throw new
            ArgumentException($"the guess has {guess.Length} entries but A has {cols} columns.");
        if (maxIterations < 0) maxIterations = 3 * cols + 30;
        var x = new double[cols];
        var passive = new bool[cols];
        var w = new double[cols];
        double normA1 = 0;
        for (int j = 0; j < cols; j++)
        {
            double s = 0;
            for (int i = 0; i < rows; i++) s += Math.Abs(a[i * cols + j]);
            normA1 = Math.Max(normA1, s);
        }
        double normB = Math.Sqrt(b.Sum(v => v * v));
        // The optimality tolerance of MATLAB's lsqnonneg, scaled by ||b|| so that it is unit-free.
        double tol = 10 * 2.220446049250313e-16 * normA1 * Math.Max(rows, cols) * Math.Max(normB, 1e-300);
        int iterations = 0;
        bool converged = false;
        // A warm start needs finite data and at most `rows` guessed columns (a unique least-squares solution;
        // Math.NET's SVD of a wide matrix can throw); otherwise the cold start, which handles any.
        if (guess is not null && guess.Count(g => g) <= rows && a.All(double.IsFinite) && b.All(double.IsFinite))
            WarmStart(a, rows, cols, b, guess, passive, x);
        while (true)
        {
            Gradient(a, rows, cols, b, x, w);
            int best = -1;
            for (int j = 0; j < cols; j++)
                if (!passive[j] && w[j] > tol && (best < 0 || w[j] > w[best])) best = j;
            if (best < 0) { converged = true; break; }
            if (iterations >= maxIterations) break;
            iterations++;
            passive[best] = true;
            var s = PassiveSolve(a, rows, cols, b, passive);
            int inner = 0;
            while (true)
            {
                // Move from x towards s until the first passive coordinate reaches zero; drop it.
                double step = double.PositiveInfinity;
                int blocking = -1;
                for (int j = 0; j < cols; j++)
                    if (passive[j] && s[j] <= 0)
                    {
                        double t = x[j] / (x[j] - s[j]);
                        if (t < step) { step = t; blocking = j; }
                    }
                if (blocking < 0) break;
                for (int j = 0; j < cols; j++) if (passive[j]) x[j] += step * (s[j] - x[j]);
                x[blocking] = 0;
                for (int j = 0; j < cols; j++)
                    if (passive[j] && x[j] <= 0) { passive[j] = false; x[j] = 0; }
                if (++inner > cols + 5 || !passive.Any(p => p)) break;
                s = PassiveSolve(a, rows, cols, b, passive);
            }
            for (int j = 0; j < cols; j++) x[j] = passive[j] ? Math.Max(s[j], 0) : 0;
        }
        var r = Residual(a, rows, cols, b, x);
        return new NnlsResult(x, Math.Sqrt(r.Sum(v => v * v)), iterations, converged);
    }

    /// <summary>The warm start: passive = the guessed columns; the least-squares solution on them, dropping every
    /// column whose value is not positive and solving again, until all are positive (at most cols solves). Leaves x the
    /// least-squares solution on the final passive set, positive there, zero elsewhere.</summary>
    private static void WarmStart(double[] a, int rows, int cols, double[] b, bool[] guess, bool[] passive, double[] x)
    {
        Array.Copy(guess, passive, cols);
        while (passive.Any(p => p))
        {
            var s = PassiveSolve(a, rows, cols, b, passive);
            bool dropped = false;
            for (int j = 0; j < cols; j++)
                if (passive[j] && !(s[j] > 0)) { passive[j] = false; dropped = true; }
            if (!dropped)
            {
                for (int j = 0; j < cols; j++) x[j] = passive[j] ? s[j] : 0;
                return;
            }
        }
        Array.Clear(x);
    }

    /// <summary>r = b - A x.</summary>
    public static double[] Residual(double[] a, int rows, int cols, double[] b, double[] x)
    {
        var r = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double s = b[i];
            for (int j = 0; j < cols; j++) s -= a[i * cols + j] * x[j];
            r[i] = s;
        }
        return r;
    }

    /// <summary>w = A^T (b - A x), the negative gradient of half the squared residual.</summary>
    private static void Gradient(double[] a, int rows, int cols, double[] b, double[] x, double[] w)
    {
        var r = Residual(a, rows, cols, b, x);
        Array.Clear(w);
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < cols; j++) w[j] += a[i * cols + j] * r[i];
    }

    /// <summary>The unconstrained least-squares solution on the passive columns, zero elsewhere.</summary>
    private static double[] PassiveSolve(double[] a, int rows, int cols, double[] b, bool[] passive)
    {
        var index = Enumerable.Range(0, cols).Where(j => passive[j]).ToArray();
        var s = new double[cols];
        if (index.Length == 0) return s;
        var m = Matrix<double>.Build.Dense(rows, index.Length, (i, k) => a[i * cols + index[k]]);
        var rhs = Vector<double>.Build.DenseOfArray(b);
        var sol = index.Length <= rows ? m.QR().Solve(rhs) : m.Svd().Solve(rhs);
        for (int k = 0; k < index.Length; k++) s[index[k]] = double.IsFinite(sol[k]) ? sol[k] : 0;
        return s;
    }
}
