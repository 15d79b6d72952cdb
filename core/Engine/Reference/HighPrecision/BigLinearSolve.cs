namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>Dense linear systems in <see cref="BigFloat"/> by Gaussian elimination with partial pivoting: the Newton
/// steps of the high-precision flow, whose matrices have entries up to e^tau (the stiffness) beside entries of order
/// one. A factorization can be kept and reused for several right-hand sides (simplified Newton).</summary>
public static class BigLinearSolve
{
    /// <summary>The solution x of a x = b; a (n x n, [row, column]) and b are not modified.</summary>
    public static BigFloat[] Solve(BigFloat[,] a, BigFloat[] b) => Factor(a).Solve(b);

    /// <summary>P a = L U (a is not modified); throws when a column has no nonzero pivot.</summary>
    public static Factors Factor(BigFloat[,] a)
    {
        int n = a.GetLength(0);
        if (a.GetLength(1) != n) throw new ArgumentException($"a {n} x {a.GetLength(1)} matrix is not square.");
        var m = (BigFloat[,])a.Clone();
        var order = Enumerable.Range(0, n).ToArray();
        for (int k = 0; k < n; k++)
        {
            int pivot = k;
            for (int i = k + 1; i < n; i++) if (m[i, k].Abs() > m[pivot, k].Abs()) pivot = i;
            if (m[pivot, k].IsZero) throw new InvalidOperationException($"singular matrix (column {k} has no pivot).");
            if (pivot != k)
            {
                for (int j = 0; j < n; j++) (m[k, j], m[pivot, j]) = (m[pivot, j], m[k, j]);
                (order[k], order[pivot]) = (order[pivot], order[k]);
            }
            for (int i = k + 1; i < n; i++)
            {
                if (m[i, k].IsZero) continue;
                var factor = m[i, k] / m[k, k];
                m[i, k] = factor;
                for (int j = k + 1; j < n; j++) m[i, j] -= factor * m[k, j];
            }
        }
        return new Factors(m, order);
    }

    /// <summary>The factors L (unit lower, below the diagonal) and U of P a, with the row order P.</summary>
    public sealed class Factors
    {
        private readonly BigFloat[,] _lu;
        private readonly int[] _order;

        internal Factors(BigFloat[,] lu, int[] order) { _lu = lu; _order = order; }

        /// <summary>The solution x of a x = b.</summary>
        public BigFloat[] Solve(BigFloat[] b)
        {
            int n = _order.Length;
            if (b.Length != n) throw new ArgumentException($"a right side of {b.Length} for a {n} x {n} matrix.");
            var x = _order.Select(i => b[i]).ToArray();
            for (int i = 1; i < n; i++)
                for (int j = 0; j < i; j++)
                    if (!_lu[i, j].IsZero) x[i] -= _lu[i, j] * x[j];
            for (int i = n - 1; i >= 0; i--)
            {
                var sum = x[i];
                for (int j = i + 1; j < n; j++) sum -= _lu[i, j] * x[j];
                x[i] = sum / _lu[i, i];
            }
            return x;
        }
    }
}
