using MathNet.Numerics.LinearAlgebra;
using ImplicitBias.Engine.Data;
using static System.FormattableString;

namespace ImplicitBias.Engine.Reference;

/// <summary>Turns any candidate (Z, alpha) for the R_K max-margin problem into a certified
/// <see cref="KernelMaxMarginSolution"/>, trusting nothing from the solver: beta = A_K(Z) is recomputed and Z divided
/// by the minimum margin. (docs/reference-solvers.md, "KernelCertificate")</summary>
public static class KernelCertificate
{
    /// <summary>Nuclear norm (sum of singular values).</summary>
    public static double Nuclear(Matrix<double> z) => SingularValues(z).Sum();

    /// <summary>Operator norm (largest singular value).</summary>
    public static double Operator(Matrix<double> m) => SingularValues(m).DefaultIfEmpty(0).Max();

    /// <summary>The singular values, computed on the matrix divided by a power of two near its largest entry and
    /// multiplied back (exact), so that entries of any size (1e-160 or 1e160, where squares underflow or overflow
    /// inside the SVD) give the right values.</summary>
    public static double[] SingularValues(Matrix<double> m)
    {
        double top = m.Enumerate().Select(Math.Abs).DefaultIfEmpty(0).Max();
        if (!(top > 0) || !double.IsFinite(top)) return m.Enumerate().All(double.IsFinite)
            ? new double[Math.Min(m.RowCount, m.ColumnCount)] : [double.NaN];
        int e = Math.ILogB(top);
        return (m * Math.ScaleB(1.0, -e)).Svd(computeVectors: false).S.Select(v => Math.ScaleB(v, e)).ToArray();
    }

    /// <summary>A_K^*(sum_n alpha_n y_n x_n).</summary>
    public static Matrix<double> DualMatrix(Dataset data, KernelLift lift, ReadOnlySpan<double> alpha) =>
        lift.Adjoint(Certificate.Combine(data, alpha));

    /// <summary>Certifies a candidate. Status Optimal when the recomputed relative gap is at most
    /// <paramref name="gapTolerance"/>; a Z that does not separate the data gives IterationLimit with zeros and gap 1
    /// (never NaN).</summary>
    public static KernelMaxMarginSolution Certify(
        Dataset data, KernelLift lift, Matrix<double> z, ReadOnlySpan<double> alpha,
        int iterations, double seconds, string solver, double gapTolerance)
    {
        if (data.Dimension != lift.Grid.Count)
            throw new ArgumentException($"{data.Name} has D = {data.Dimension} but the grid {lift.Grid} has " +
                                        $"{lift.Grid.Count} entries.");
        if (alpha.Length != data.Count)
            throw new ArgumentException($"alpha has {alpha.Length} entries but {data.Name} has N = {data.Count}.");
        var beta = lift.Apply(z);
        double minMargin = Certificate.Margins(data, beta).Min();
        var a = alpha.ToArray();
        for (int n = 0; n < a.Length; n++) a[n] = Math.Max(a[n], 0);
        double op = Operator(DualMatrix(data, lift, a));
        if (op > 0) for (int n = 0; n < a.Length; n++) a[n] *= 2 / op;
        double dual = a.Sum();
        if (!(minMargin > 0) || !double.IsFinite(minMargin))
            return new KernelMaxMarginSolution(lift.Grid, lift.Kernel, SolverStatus.IterationLimit,
                new double[data.Dimension],
                Matrix<double>.Build.Dense(z.RowCount, z.ColumnCount), a, 0, dual, 1, 0, op > 0 ? 2 : 0, 0, iterations,
                    seconds, solver,
                Invariant($"{solver} stopped after {iterations} iterations without a separating beta (min margin ") +
                Invariant($"{minMargin:G3}); no primal certificate."));
        var zs = z / minMargin;
        for (int i = 0; i < beta.Length; i++) beta[i] /= minMargin;
        var s = SingularValues(zs);
        double primal = 2 * s.Sum();
        int rank = s.Count(v => v > 1e-8 * s.Max());
        double gap = (primal - dual) / primal;
        double margin = Certificate.Margins(data, beta).Min();
        bool ok = gap <= gapTolerance;
        string name = $"kernel:{lift.Kernel} on {lift.Grid}";
        string msg = ok
            ? Invariant($"{name} max-margin solution by {solver}: R_K(beta) = {primal:G12} (rank {rank}), certified ") +
                Invariant($"relative duality gap {gap:E2} after {iterations} iterations.")
            : Invariant($"{name} max-margin by {solver} stopped after {iterations} iterations with certified ") +
                Invariant($"relative gap {gap:E2} (tolerance {gapTolerance:E1}); beta is feasible but may not be ") +
                Invariant($"optimal.");
        return new KernelMaxMarginSolution(lift.Grid, lift.Kernel,
            ok ? SolverStatus.Optimal : SolverStatus.IterationLimit,
            beta, zs, a, primal, dual, gap, margin, op > 0 ? 2 : 0, rank, iterations, seconds, solver, msg);
    }
}
