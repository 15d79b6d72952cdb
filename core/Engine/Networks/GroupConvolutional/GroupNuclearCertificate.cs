using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// A certified solution of the depth-2 G-CNN's max-margin problem min sum_rho sqrt(d) ||beta_hat(rho)||_* s.t.
/// y_n &lt;x_n, beta&gt; &gt;= 1 and of its dual max sum a_n s.t. a &gt;= 0, ||sum_n a_n y_n x_n||_dual &lt;= 1.
/// Beta is scaled to minimum margin 1 and Dual to dual norm 1, so Primal &gt;= optimum &gt;= DualObjective.
/// </summary>
public sealed record GroupNuclearSolution(double[] Beta, double[] Dual, double Primal, double DualObjective,
    double RelativeGap, double MinMargin, int Iterations, bool Certified, string Message);

/// <summary>
/// Turns any candidate (beta, a) into a <see cref="GroupNuclearSolution"/> from the data and the norms alone (the
/// solver is not trusted): beta scaled to minimum margin exactly 1, a clipped to a &gt;= 0 and scaled to dual norm 1,
/// the relative gap (Primal - DualObjective) / Primal of these feasible points.
/// </summary>
public static class GroupNuclearCertificate
{
    /// <summary>
    /// The certificate of a candidate; Certified if the data is separated and the gap is at most the tolerance.
    /// </summary>
    public static GroupNuclearSolution Certify(GroupFourier fourier, Dataset data, ReadOnlySpan<double> beta,
        ReadOnlySpan<double> alpha, int iterations, double gapTolerance)
    {
        int dim = data.Dimension;
        if (dim != fourier.Group.Order)
            throw new ArgumentException($"data of dimension {dim} on a group of order {fourier.Group.Order}.");
        var candidate = beta.ToArray();
        double Margin(int n, double[] b)
        {
            double s = 0;
            for (int i = 0; i < dim; i++) s += data.Labels[n] * data.Features[n * dim + i] * b[i];
            return s;
        }
        double min = Enumerable.Range(0, data.Count).Min(n => Margin(n, candidate));
        var b = candidate;
        if (min > 0) for (int i = 0; i < dim; i++) b[i] /= min;
        var a = alpha.ToArray().Select(v => Math.Max(v, 0)).ToArray();
        var z = new double[dim];
        for (int n = 0; n < data.Count; n++)
            for (int i = 0; i < dim; i++) z[i] += a[n] * data.Labels[n] * data.Features[n * dim + i];
        double dualNorm = GroupNuclearNorm.Dual(fourier, z);
        if (dualNorm > 0) for (int n = 0; n < a.Length; n++) a[n] /= dualNorm;
        double primal = GroupNuclearNorm.Value(fourier, b), dual = a.Sum();
        double gap = min > 0 ? (primal - dual) / primal : double.NaN;
        double margin = Enumerable.Range(0, data.Count).Min(n => Margin(n, b));
        bool ok = min > 0 && gap <= gapTolerance;
        string name = fourier.Group.Name;
        string message = ok
            ? FormattableString.Invariant($"group-nuclear max-margin on {name}: norm {primal:G12}, ") +
              FormattableString.Invariant($"certified relative gap {gap:E2} after {iterations} iterations.")
            : FormattableString.Invariant($"group-nuclear max-margin on {name} not certified: min margin {min:G3}, ") +
              FormattableString.Invariant($"relative gap {gap:E2} (tolerance {gapTolerance:E1}).");
        return new GroupNuclearSolution(b, a, primal, dual, gap, margin, iterations, ok, message);
    }
}
