using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Theory;

/// <summary>The Newton step of <see cref="BridgeKktPolish"/> by the Schur complement of the KKT Jacobian [[H, -G^T], [G
/// W, 0]] (see <see cref="SupportKkt.Jacobian"/>). (docs/theory-checks.md, "KktSchurStep")</summary>
internal static class KktSchurStep
{
    /// <summary>The step x with J x = rhs (rhs = -F: stationarity rows, then margin rows), or null.</summary>
    public static double[]? Solve(SupportKkt kkt, double[] u, double[] rhs)
    {
        double p = kkt.P;
        int rr = u.Length, na = kkt.Active.Length;
        if (Math.Abs(p - 1) < 1e-12 || na == 0) return null;
        var m = kkt.ModuliOf(u);
        // hInvGt[r, a] = (H^-1 G^T)[r, a]; hInvF1 = H^-1 f1.
        var hInvGt = new double[rr, na];
        var hInvF1 = new double[rr];
        var column = new double[rr];
        for (int a = 0; a <= na; a++)
        {
            for (int r = 0; r < rr; r++) column[r] = a < na ? kkt.G(a, r) : rhs[r];
            var solved = ApplyHInverse(kkt, u, m, column);
            if (solved is null) return null;
            for (int r = 0; r < rr; r++) if (a < na) hInvGt[r, a] = solved[r]; else hInvF1[r] = solved[r];
        }
        var schur = Matrix<double>.Build.Dense(na, na);
        var right = Vector<double>.Build.Dense(na);
        for (int a = 0; a < na; a++)
        {
            double s = rhs[rr + a];
            for (int r = 0; r < rr; r++) s -= kkt.WeightOf(r) * kkt.G(a, r) * hInvF1[r];
            right[a] = s;
            for (int b = 0; b < na; b++)
            {
                double t = 0;
                for (int r = 0; r < rr; r++) t += kkt.WeightOf(r) * kkt.G(a, r) * hInvGt[r, b];
                schur[a, b] = t;
            }
        }
        var da = schur.LU().Solve(right);
        if (!da.All(double.IsFinite)) return null;
        var x = new double[rr + na];
        for (int r = 0; r < rr; r++)
        {
            double s = hInvF1[r];
            for (int a = 0; a < na; a++) s += hInvGt[r, a] * da[a];
            x[r] = s;
        }
        for (int a = 0; a < na; a++) x[rr + a] = da[a];
        return Residual(kkt, u, m, x, rhs) <= 1e-8 * (1 + Norm(rhs)) ? x : null;
    }

    /// <summary>
    /// H^-1 v, entry block by entry block (coordinates of one entry are adjacent); null if a block is singular.
    /// </summary>
    private static double[]? ApplyHInverse(SupportKkt kkt, double[] u, double[] m, double[] v)
    {
        double p = kkt.P;
        var x = new double[v.Length];
        for (int r = 0; r < v.Length;)
        {
            int width = r + 1 < v.Length && kkt.EntryOf(r + 1) == kkt.EntryOf(r) ? 2 : 1;
            double mod = m[r];
            if (!(mod > 0)) return null;
            var (diag, curv) = kkt.HessianBlock(mod);
            // (diag I + curv u u^T)^-1 v = (v - curv u (u.v) / (diag + curv |u|^2)) / diag.
            double uv = 0, uu = 0;
            for (int k = r; k < r + width; k++) { uv += u[k] * v[k]; uu += u[k] * u[k]; }
            double denominator = diag + curv * uu;
            if (!(Math.Abs(denominator) > 0) || !double.IsFinite(denominator)) return null;
            for (int k = r; k < r + width; k++) x[k] = (v[k] - curv * u[k] * uv / denominator) / diag;
            r += width;
        }
        return x;
    }

    /// <summary>||J x - rhs|| computed block-wise (J is never formed).</summary>
    private static double Residual(SupportKkt kkt, double[] u, double[] m, double[] x, double[] rhs)
    {
        double p = kkt.P;
        int rr = u.Length, na = kkt.Active.Length;
        double sum = 0;
        for (int r = 0; r < rr; r++)
        {
            double mod = m[r];
            var (diag, curv) = kkt.HessianBlock(mod);
            double hx = diag * x[r];
            for (int s = Math.Max(0, r - 1); s <= Math.Min(rr - 1, r + 1); s++)
                if (kkt.EntryOf(s) == kkt.EntryOf(r)) hx += curv * u[r] * u[s] * x[s];
            for (int a = 0; a < na; a++) hx -= kkt.G(a, r) * x[rr + a];
            sum += (hx - rhs[r]) * (hx - rhs[r]);
        }
        for (int a = 0; a < na; a++)
        {
            double gx = 0;
            for (int r = 0; r < rr; r++) gx += kkt.WeightOf(r) * kkt.G(a, r) * x[r];
            sum += (gx - rhs[rr + a]) * (gx - rhs[rr + a]);
        }
        return Math.Sqrt(sum);
    }

    private static double Norm(double[] v) => Math.Sqrt(v.Sum(x => x * x));
}
