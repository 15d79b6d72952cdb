using System.Diagnostics;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>
/// The l2 max-margin predictor (homogeneous hard-margin SVM, eq. 6 and 8):
/// min ||beta||_2 s.t. y_n &lt;x_n, beta&gt; &gt;= 1, by Wolfe's minimum-norm point of the rows y_n x_n
/// (<see cref="MinNormPoint"/>). Also the separability test every other reference solver uses:
/// data is separable through the origin exactly when that point is not 0.
/// </summary>
public static class L2MaxMargin
{
    /// <summary>Relative size of the min-norm point, against max_n ||x_n||, below which data counts as not separable.</summary>
    public const double SeparabilityTolerance = 1e-10;

    /// <summary>Solves and certifies; NotSeparable when the data cannot be separated with normalized margin above SeparabilityTolerance * max ||x_n||.</summary>
    /// <paramref name="supportGuess"/> (optional) warm-starts Wolfe's method with these points as its corral (<see cref="MinNormPoint.Solve"/>).
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8, IReadOnlyList<int>? supportGuess = null)
    {
        var clock = Stopwatch.StartNew();
        var r = MinNormPoint.Solve(data.SignedFeatures(), data.Count, data.Dimension, zeroTolerance: SeparabilityTolerance, corralGuess: supportGuess);
        double norm = Training.Geometry.Norm(r.Point);
        double scale = data.MaxPointNorm();
        if (norm <= SeparabilityTolerance * scale)
            return Certificate.NotSeparable(data, MarginBias.L2, r.Lambda, norm, r.Iterations, clock.Elapsed.TotalSeconds, "Wolfe min-norm point",
                FormattableString.Invariant($"the weights alpha (alpha >= 0, sum alpha = 1) give ||sum_n alpha_n y_n x_n|| = {norm:E2} <= {SeparabilityTolerance:E0} * max ||x_n||, so every beta has min_n y_n<x_n,beta>/||beta|| <= {norm:E2}."));
        var beta = new double[r.Point.Length];
        for (int i = 0; i < beta.Length; i++) beta[i] = r.Point[i] / norm / norm; // not / norm^2: that overflows for data of scale 1e-160
        return Certificate.Certify(data, MarginBias.L2, beta, r.Lambda, r.Iterations, clock.Elapsed.TotalSeconds,
            "Wolfe min-norm point", gapTolerance, hitIterationLimit: !r.Converged);
    }
}
