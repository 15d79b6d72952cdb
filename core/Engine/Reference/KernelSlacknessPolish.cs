using MathNet.Numerics.LinearAlgebra;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>Recovers an exact primal point of the R_K max-margin problem from an approximate one by complementary
/// slackness. (docs/reference-solvers.md, "KernelSlacknessPolish")</summary>
internal static class KernelSlacknessPolish
{
    /// <summary>Pseudo-inverse solution of e x = rhs, singular values below <paramref name="relativeCut"/> of the
    /// largest counted as zero.</summary>
    private static Vector<double> MinimumNorm(Matrix<double> e, Vector<double> rhs, double relativeCut)
    {
        var es = e.Svd(computeVectors: true);
        double cut = relativeCut * es.S.Maximum();
        var ut = es.U.Transpose() * rhs;
        var x = Vector<double>.Build.Dense(e.ColumnCount);
        for (int i = 0; i < es.S.Count; i++) if (es.S[i] > cut) x += es.VT.Row(i) * (ut[i] / es.S[i]);
        return x;
    }

    public static Matrix<double>? Primal(Dataset data, KernelLift lift, Matrix<double> zt, double rankThreshold = 1e-6,
        double activeTolerance = 1e-6)
    {
        var margins = Certificate.Margins(data, lift.Apply(zt));
        double min = margins.Min();
        if (!(min > 0)) return null;
        var active = Enumerable.Range(0, margins.Length).Where(n => margins[n] / min <= 1 + activeTolerance).ToArray();
        var svd = zt.Svd(computeVectors: true);
        double top = svd.S.Maximum();
        int r = svd.S.Count(s => s > rankThreshold * top);
        if (r == 0 || active.Length == 0) return null;
        var p = svd.U.SubMatrix(0, svd.U.RowCount, 0, r);
        var q = svd.VT.SubMatrix(0, r, 0, svd.VT.ColumnCount).Transpose();
        var s0 = p.Transpose() * zt * q;
        s0 = (s0 + s0.Transpose()) / 2;

        int unknowns = r * (r + 1) / 2;
        var e = Matrix<double>.Build.Dense(active.Length, unknowns);
        var rhs = Vector<double>.Build.Dense(active.Length);
        var z = data.SignedFeatures();
        int dim = data.Dimension;
        for (int row = 0; row < active.Length; row++)
        {
            var g = p.Transpose() * lift.Adjoint(z.AsSpan(active[row] * dim, dim)) * q;
            double current = 0;
            int col = 0;
            for (int a = 0; a < r; a++)
                for (int b = a; b < r; b++, col++)
                {
                    double coefficient = a == b ? g[a, a] : g[a, b] + g[b, a];
                    e[row, col] = coefficient;
                    current += coefficient * s0[a, b];
                }
            rhs[row] = 1 - current;
        }
        // Minimum-norm least-squares correction through the pseudo-inverse. Active margins are dependent on the face
        // (sum alpha_n P^T M_n Q = 2 I), so E has singular values at the barrier's error level (~1e-9): those below
        // 1e-6 of the largest count as zero.
        var coeff = MinimumNorm(e, rhs, 1e-6);
        var s = s0.Clone();
        int c2 = 0;
        for (int a = 0; a < r; a++)
            for (int b = a; b < r; b++, c2++) { s[a, b] += coeff[c2]; if (a != b) s[b, a] += coeff[c2]; }
        var evd = s.Evd(Symmetricity.Symmetric);
        var eig = evd.EigenValues.Select(v => v.Real).ToArray();
        Matrix<double>? primal = null;
        if (eig.Min() >= -1e-9 * eig.Max())
        {
            var clipped = Matrix<double>.Build.DenseOfDiagonalArray(eig.Select(v => Math.Max(v, 0)).ToArray());
            primal = p * (evd.EigenVectors * clipped * evd.EigenVectors.Transpose()) * q.Transpose();
        }

        return primal;
    }
}
