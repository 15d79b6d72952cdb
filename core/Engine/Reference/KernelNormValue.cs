using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Fourier;
using System.Diagnostics;
using MathNet.Numerics.LinearAlgebra;
using ImplicitBias.Engine.Data;
using static System.FormattableString;

namespace ImplicitBias.Engine.Reference;

/// <summary>R_K(beta) = 2 min { ||Z||_* : A_K(Z) = beta } for any beta, bracketed: Upper = 2 ||Z||_* for a Z with
/// A_K(Z) = beta (feasible to round-off), Lower = &lt;g, beta&gt; for a g with ||A_K^*(g)||_op = 2.
/// (docs/reference-solvers.md, "KernelNormValue")</summary>
/// <param name="Upper">2 ||Factor||_*.</param>
/// <param name="Lower">&lt;DualVector, beta&gt;.</param>
/// <param name="RelativeGap">(Upper - Lower) / Upper (0 for beta = 0).</param>
/// <param name="Factor">Z with A_K(Z) = beta.</param>
/// <param name="DualVector">g with ||A_K^*(g)||_op = 2.</param>
/// <param name="FeasibilityError">||A_K(Factor) - beta||_2 / ||beta||_2 (round-off).</param>
/// <param name="Iterations">Newton steps.</param>
/// <param name="Seconds">Wall-clock time.</param>
/// <param name="Message">What the bracket is.</param>
public sealed record KernelNormValue(
    double Upper, double Lower, double RelativeGap, Matrix<double> Factor, double[] DualVector,
    double FeasibilityError, int Iterations, double Seconds, string Message)
{
    /// <summary>The midpoint of the bracket.</summary>
    public double Value => (Upper + Lower) / 2;

    /// <summary>Evaluates R_K(beta) on a grid with a kernel by the dual barrier (g free, objective beta), the central
    /// path's Z_t = (2/t) S^-1 M corrected onto A_K(Z) = beta with A_K A_K^* = (|K|/D) I.</summary>
    public static KernelNormValue Evaluate(Grid grid, KernelSize kernel, ReadOnlySpan<double> beta,
        double gapTolerance = 1e-8, int maxNewtonSteps = 2000)
    {
        var clock = Stopwatch.StartNew();
        var lift = new KernelLift(grid, kernel);
        int dim = grid.Count;
        if (beta.Length != dim) throw new
            ArgumentException($"beta has {beta.Length} entries but the grid {grid} has {dim}.");
        var b = beta.ToArray();
        double norm = Geometry.Norm(b);
        if (!(norm > 0) || !double.IsFinite(norm))
            return new KernelNormValue(0, 0, 0, Matrix<double>.Build.Dense(kernel.Count, dim), new double[dim], 0, 0, 0,
                "beta = 0 (or not finite): R_K = 0.");
        // Work with beta / ||beta|| (the norm is homogeneous), scale back at the end.
        var unit = b.Select(v => v / norm).ToArray();
        var mats = Enumerable.Range(0,
            dim).Select(i => { var e = new double[dim]; e[i] = 1; return lift.Adjoint(e); }).ToArray();
        var barrier = new KernelDualBarrier(mats, unit, nonnegative: false);
        var g = new double[dim];
        double t = kernel.Count;
        var best = barrier.Follow(g, t, maxNewtonSteps, gapTolerance / 10,
            (zt, steps) => Bracket(lift, unit, zt, g, norm, steps, clock.Elapsed.TotalSeconds), c => c.RelativeGap,
                out int steps);
        best ??= Bracket(lift, unit, Matrix<double>.Build.Dense(kernel.Count, dim), g, norm, steps,
            clock.Elapsed.TotalSeconds);
        return best with { Seconds = clock.Elapsed.TotalSeconds };
    }

    private static KernelNormValue Bracket(KernelLift lift, double[] unit, Matrix<double> zt, double[] g, double norm,
        int steps, double seconds)
    {
        int dim = unit.Length;
        double ratio = (double)dim / lift.Kernel.Count; // (A A^*)^-1
        var residual = lift.Apply(zt).Select((v, i) => unit[i] - v).ToArray();
        var z = zt + lift.Adjoint(residual) * ratio;
        var back = lift.Apply(z);
        double feasibility = Math.Sqrt(back.Select((v, i) => (v - unit[i]) * (v - unit[i])).Sum());
        double op = KernelCertificate.Operator(lift.Adjoint(g));
        var scaledG = g.Select(v => op > 0 ? v * 2 / op : 0).ToArray();
        double upper = 2 * KernelCertificate.Nuclear(z) * norm;
        double lower = scaledG.Select((v, i) => v * unit[i]).Sum() * norm;
        double gap = upper > 0 ? (upper - lower) / upper : 1;
        var dual = scaledG; // for beta itself: <g, beta> = norm <g, unit>
        return new KernelNormValue(upper, lower, gap, z * norm, dual, feasibility, steps, seconds,
            Invariant($"R_K(beta) in [{lower:G12}, {upper:G12}] (kernel {lift.Kernel} on {lift.Grid}), relative gap ") +
            Invariant($"{gap:E2}, ||A_K(Z) - beta|| / ||beta|| = {feasibility:E1}, {steps} Newton steps."));
    }
}
