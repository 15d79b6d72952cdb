using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Theory;

/// <summary>The answer of <see cref="BridgeKktPolish.Run"/>.</summary>
/// <param name="U">The polished support coordinates (see <see cref="SupportKkt"/>).</param>
/// <param name="Alpha">The polished multipliers on the active set; unconstrained in sign, so a negative entry says the
/// point should leave the active set.</param>
/// <param name="DefectNorm">||(stationarity, margin defects)||_2 at U, Alpha (unweighted).</param>
/// <param name="Iterations">Newton steps taken.</param>
public sealed record PolishResult(double[] U, double[] Alpha, double DefectNorm, int Iterations);

/// <summary>Newton's method on the KKT system of <see cref="SupportKkt"/>: p |b_j|^(p-2) b_j = sum_n alpha_n z_hat_n[j]
/// on the support and margin_n = 1 on the active set, unknowns the support coordinates and alpha.
/// (docs/theory-checks.md, "BridgeKktPolish")</summary>
public static class BridgeKktPolish
{
    /// <summary>Polishes (u0, alpha0) for at most <paramref name="maxIterations"/> Newton steps; with a positive
    /// <paramref name="stallRatio"/> it stops after a step that lowered the defect by less than that factor.
    /// (docs/theory-checks.md, "BridgeKktPolish.Run")</summary>
    public static PolishResult Run(SupportKkt kkt, double[] u0, double[] alpha0, int maxIterations = 50,
        double stallRatio = 0, bool dense = false)
    {
        var u = (double[])u0.Clone();
        var alpha = (double[])alpha0.Clone();
        double defect = Defect(kkt, u, alpha);
        int it = 0;
        for (; it < maxIterations && defect > 0; it++)
        {
            var step = Step(kkt, u, alpha, dense);
            if (step is null) break;
            bool accepted = false, stalled = false;
            for (double t = 1; t >= 1e-12; t /= 2)
            {
                var un = new double[u.Length]; var an = new double[alpha.Length];
                for (int r = 0; r < u.Length; r++) un[r] = u[r] + t * step[r];
                for (int a = 0; a < alpha.Length; a++) an[a] = alpha[a] + t * step[u.Length + a];
                double dn = Defect(kkt, un, an);
                if (dn < (1 - 1e-4 * t) * defect)
                {
                    stalled = stallRatio > 0 && dn > stallRatio * defect;
                    u = un; alpha = an; defect = dn; accepted = true;
                    break;
                }
            }
            if (!accepted) break; // at round-off, or a step the merit cannot follow
            if (stalled) { it++; break; }
        }
        return new PolishResult(u, alpha, defect, it);
    }

    /// <summary>||F||_2; +infinity if any component is not finite (an entry at 0).</summary>
    private static double Defect(SupportKkt kkt, double[] u, double[] alpha)
    {
        double s = 0;
        foreach (var v in kkt.Stationarity(u, alpha)) s += v * v;
        foreach (var v in kkt.MarginDefects(u)) s += v * v;
        return double.IsFinite(s) ? Math.Sqrt(s) : double.PositiveInfinity;
    }

    /// <summary>The Newton step -J^{-1} F, or null when it cannot be computed finitely: by the Schur complement
    /// (<see cref="KktSchurStep"/>) when <paramref name="dense"/> is false and it applies, else by the dense Jacobian
    /// (<see cref="DenseStep"/>, the slow twin).</summary>
    public static double[]? Step(SupportKkt kkt, double[] u, double[] alpha, bool dense = false)
    {
        var f = kkt.Stationarity(u, alpha).Concat(kkt.MarginDefects(u)).Select(v => -v).ToArray();
        if (!dense && f.All(double.IsFinite) && KktSchurStep.Solve(kkt, u, f) is { } fast) return fast;
        return DenseStep(kkt, u, f);
    }

    /// <summary>The Newton step from the whole Jacobian by LU (SVD least squares when it is singular).</summary>
    private static double[]? DenseStep(SupportKkt kkt, double[] u, double[] f)
    {
        var jac = Matrix<double>.Build.DenseOfArray(kkt.Jacobian(u));
        var rhs = Vector<double>.Build.DenseOfArray(f);
        if (!jac.Enumerate().All(double.IsFinite)) return null;
        try
        {
            // LU first; its answer is checked, since a singular Jacobian gives garbage rather than an error.
            var x = jac.LU().Solve(rhs).ToArray();
            if (x.All(double.IsFinite) && (jac * Vector<double>.Build.DenseOfArray(x) - rhs).L2Norm() <= 1e-8
                * (1 + rhs.L2Norm()))
                return x;
            var y = jac.Svd(true).Solve(rhs).ToArray();
            return y.All(double.IsFinite) ? y : null;
        }
        catch (Exception e) when
            (e is MathNet.Numerics.NonConvergenceException or ArithmeticException or ArgumentException or
            InvalidOperationException)
        {
            return null; // Math.NET's SVD can fail to converge; the caller keeps the best iterate
        }
    }
}
