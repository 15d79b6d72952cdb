using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Reference;

/// <summary>A barrier (central-path) method for the dual of the R_K max-margin problem, max sum_n alpha_n s.t. alpha
/// &gt;= 0, ||M(alpha)||_op &lt;= 2, M(alpha) = sum_n alpha_n M_n (M_n = A_K^*(y_n x_n), |K| x D).
/// (docs/reference-solvers.md, "KernelDualBarrier")</summary>
internal sealed class KernelDualBarrier
{
    private readonly Matrix<double>[] m;
    private readonly double[][] flat;
    private readonly int count, rows, columns;
    private readonly double[] objective;
    private readonly bool nonnegative;

    /// <summary>The dual for the matrices M_n: objective c (null: all ones) and alpha &gt;= 0 (or free).</summary>
    public KernelDualBarrier(Matrix<double>[] pointMatrices, double[]? objective = null, bool nonnegative = true)
    {
        m = pointMatrices;
        this.objective = objective ?? Enumerable.Repeat(1.0, pointMatrices.Length).ToArray();
        this.nonnegative = nonnegative;
        count = m.Length; rows = m[0].RowCount; columns = m[0].ColumnCount;
        flat = m.Select(x => x.ToColumnMajorArray()).ToArray();
    }

    /// <summary>Follows the central path from the strictly feasible x (updated in place) and t: centre, certify the
    /// centre's primal point Z_t with <paramref name="certify"/>, raise t fourfold.
    /// (docs/reference-solvers.md, "KernelDualBarrier.Follow")</summary>
    public T? Follow<T>(double[] x, double t, int maxSteps, double targetGap, Func<Matrix<double>, int, T> certify,
        Func<T, double> gap, out int steps)
        where T : class
    {
        T? best = null;
        steps = 0;
        int worse = 0;
        while (steps < maxSteps)
        {
            var (taken, _) = Centre(x, t, Math.Min(60, maxSteps - steps));
            steps += taken;
            var primal = Primal(x, t);
            if (primal is null) break;
            var candidate = certify(primal, steps);
            bool better = best is null || gap(candidate) < gap(best);
            if (better) best = candidate;
            if (gap(candidate) <= targetGap) break;
            worse = better ? 0 : worse + 1;
            if (worse == 3) break;
            t *= 4;
        }
        return best;
    }

    /// <summary>M(alpha).</summary>
    public Matrix<double> Combine(ReadOnlySpan<double> alpha)
    {
        var sum = new double[rows * columns];
        for (int n = 0; n < count; n++) if (alpha[n] != 0) TensorPrimitives.MultiplyAdd(flat[n], alpha[n], sum, sum);
        return Matrix<double>.Build.Dense(rows, columns, sum);
    }

    /// <summary>The centre's primal point Z_t = (2/t) S^-1 M at alpha (null if alpha is infeasible).</summary>
    public Matrix<double>? Primal(ReadOnlySpan<double> alpha, double t)
    {
        var mat = Combine(alpha);
        var chol = Factor(mat);
        return chol?.Solve(mat) * (2 / t);
    }

    /// <summary>Cholesky of S = 4I - M M^T, or null when S is not positive definite (alpha outside the dual
    /// set).</summary>
    private MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double>? Factor(Matrix<double> mat)
    {
        var s = Matrix<double>.Build.DenseIdentity(rows) * 4 - mat * mat.Transpose();
        try
        {
            var c = s.Cholesky();
            var f = c.Factor;
            for (int i = 0; i < rows; i++) if (!(f[i, i] > 0) || !double.IsFinite(f[i, i])) return null;
            return c;
        }
        catch (ArgumentException) { return null; }
    }

    /// <summary>phi_t(alpha), +infinity outside the domain.</summary>
    private double Phi(ReadOnlySpan<double> alpha, double t)
    {
        double logAlpha = 0, sum = 0;
        for (int n = 0; n < count; n++)
        {
            if (nonnegative)
            {
                if (!(alpha[n] > 0)) return double.PositiveInfinity;
                logAlpha += Math.Log(alpha[n]);
            }
            sum += objective[n] * alpha[n];
        }
        var chol = Factor(Combine(alpha));
        if (chol is null) return double.PositiveInfinity;
        return -t * sum - chol.DeterminantLn - logAlpha;
    }

    /// <summary>Newton's method on phi_t from a strictly feasible alpha (updated in place). Returns the Newton steps
    /// taken and whether the Newton decrement fell below its target.</summary>
    public (int Steps, bool Centred) Centre(double[] alpha, double t, int maxSteps = 60)
    {
        int kk = rows * rows, kd = rows * columns;
        var u = new double[count][]; var p = new double[count][]; var q = new double[count][]; var qt =
            new double[count][];
        for (int step = 1; step <= maxSteps; step++)
        {
            var mat = Combine(alpha);
            var chol = Factor(mat);
            // only round-off can get here (every accepted step was checked): stop centring
            if (chol is null) return (step, false);
            var w = chol.Solve(mat);
            var wFlat = w.ToColumnMajorArray();
            var mt = mat.Transpose();
            var grad = new double[count];
            for (int n = 0; n < count; n++)
            {
                grad[n] = -t * objective[n] + 2 * TensorPrimitives.Dot(wFlat,
                    flat[n]) - (nonnegative ? 1 / alpha[n] : 0);
                u[n] = chol.Solve(m[n]).ToColumnMajorArray();
                p[n] = (Matrix<double>.Build.Dense(rows, columns, u[n]) * mt).ToColumnMajorArray();
                var qn = w * m[n].Transpose();
                q[n] = qn.ToColumnMajorArray(); qt[n] = qn.Transpose().ToColumnMajorArray();
            }
            var h = Matrix<double>.Build.Dense(count, count);
            for (int a = 0; a < count; a++)
                for (int b = a; b < count; b++)
                {
                    double v = 2 * (TensorPrimitives.Dot(u[b].AsSpan(0, kd),
                        flat[a]) + TensorPrimitives.Dot(p[b].AsSpan(0, kk), qt[a])
                        + TensorPrimitives.Dot(q[b].AsSpan(0, kk), qt[a]));
                    if (a == b && nonnegative) v += 1 / (alpha[a] * alpha[a]);
                    h[a, b] = v; h[b, a] = v;
                }
            Vector<double> dx;
            try { dx = h.Cholesky().Solve(Vector<double>.Build.Dense(grad)).Negate(); }
            catch (ArgumentException) { dx = h.Svd().Solve(Vector<double>.Build.Dense(grad)).Negate(); }
            double decrement = -dx.DotProduct(Vector<double>.Build.Dense(grad));
            if (!(decrement >= 0) || !double.IsFinite(decrement)) return (step, false);
            if (decrement < 1e-12) return (step, true);
            // Longest step keeping alpha > 0, then backtracking: plain feasibility near the centre (where phi's
            // huge terms cancel), Armijo's rule farther away.
            double s = 1;
            if (nonnegative) for (int n = 0; n < count; n++) if (dx[n] < 0) s = Math.Min(s, -0.99 * alpha[n] / dx[n]);
            double phi0 = decrement < 0.1 ? 0 : Phi(alpha, t);
            var trial = new double[count];
            while (true)
            {
                for (int n = 0; n < count; n++) trial[n] = alpha[n] + s * dx[n];
                double phi = Phi(trial, t);
                if (double.IsFinite(phi) && (decrement < 0.1 || phi <= phi0 - 0.25 * s * decrement)) break;
                s /= 2;
                if (s < 1e-14) return (step, false);
            }
            Array.Copy(trial, alpha, count);
            if (decrement < 1e-9) return (step, true);
        }
        return (maxSteps, false);
    }
}
