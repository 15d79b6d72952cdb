using System.Diagnostics;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>
/// The Fourier-l1 max-margin predictor of eq. (9) (Theorem 2, convolutional networks of depth 2):
/// min ||beta_hat||_1 s.t. y_n &lt;x_n, beta&gt; &gt;= 1, beta real, |beta_hat[k]| the complex modulus.
/// A second-order-cone program; no NuGet package here solves those, so it is solved by
/// <see cref="GroupNormInteriorPoint"/> in <see cref="RealFourierBasis"/> coordinates and the answer is
/// certified by <see cref="Certificate"/> (dual: max sum alpha s.t. max_k |(Z'alpha)_hat[k]| &lt;= 1).
/// </summary>
public static class FourierL1MaxMargin
{
    /// <summary>Solves and certifies; NotSeparable (from the l2 separability test) when the data is not separable.</summary>
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8) =>
        GroupNormSolve.Run(data, MarginBias.FourierL1, gapTolerance);
}

/// <summary>The time-domain l1 max-margin predictor (Lemma 6, diagonal networks of depth 2) by the interior-point method; the OR-Tools LP is <see cref="TimeL1LinearProgram"/>.</summary>
public static class TimeL1MaxMargin
{
    /// <summary>Solves min ||beta||_1 s.t. margins &gt;= 1 with <see cref="GroupNormInteriorPoint"/> (groups of one) and certifies.</summary>
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8) =>
        GroupNormSolve.Run(data, MarginBias.TimeL1, gapTolerance);
}

/// <summary>Shared driver: separability test and feasible start from l2, change of basis, interior point, certificate.</summary>
public static class GroupNormSolve
{
    /// <summary>Solves the bias's max-margin problem with the interior-point method (l2 too: one group of all coordinates).</summary>
    public static MaxMarginSolution Run(Dataset data, MarginBias bias, double gapTolerance = 1e-8)
    {
        var clock = Stopwatch.StartNew();
        var l2 = L2MaxMargin.Solve(data, gapTolerance);
        if (l2.Status == SolverStatus.NotSeparable) return l2 with { Bias = bias };
        int dim = data.Dimension, count = data.Count;
        var z = data.SignedFeatures();
        int[] start, size; double[] weight;
        Func<double[], double[]> toBasis, fromBasis;
        switch (bias)
        {
            case MarginBias.FourierL1:
                (start, size, weight) = RealFourierBasis.Groups(dim);
                toBasis = v => RealFourierBasis.Forward(v); fromBasis = c => RealFourierBasis.Inverse(c);
                break;
            case MarginBias.TimeL1:
                start = Enumerable.Range(0, dim).ToArray(); size = Enumerable.Repeat(1, dim).ToArray(); weight = Enumerable.Repeat(1.0, dim).ToArray();
                toBasis = v => v; fromBasis = c => c;
                break;
            default:
                start = [0]; size = [dim]; weight = [1.0];
                toBasis = v => v; fromBasis = c => c;
                break;
        }
        var m = new double[count * dim];
        for (int n = 0; n < count; n++) toBasis(z.AsSpan(n * dim, dim).ToArray()).CopyTo(m, n * dim);
        var start0 = toBasis(l2.Beta).Select(v => 2 * v).ToArray();
        var r = GroupNormInteriorPoint.Solve(m, count, dim, start, size, weight, start0, tolerance: Math.Min(1e-11, gapTolerance));
        var beta = fromBasis(r.Coordinates);
        return Certificate.Certify(data, bias, beta, r.Alpha, r.Iterations, clock.Elapsed.TotalSeconds,
            "primal-dual interior point (SOCP)", gapTolerance, hitIterationLimit: !r.Converged && r.Gap > gapTolerance);
    }
}
