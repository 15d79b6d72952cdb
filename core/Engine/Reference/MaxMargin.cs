using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>One entry point for the reference max-margin predictors: each bias goes to its primary solver (l2: Wolfe's
/// min-norm point; Fourier-l1: the interior-point SOCP; time-l1: OR-Tools' GLOP LP). The twins (interior point for l2
/// and time-l1) are in <see cref="GroupNormSolve"/>.</summary>
public static class MaxMargin
{
    /// <summary>The certified max-margin solution of the data for the bias.</summary>
    public static MaxMarginSolution Solve(Dataset data, MarginBias bias, double gapTolerance = 1e-8) => bias switch
    {
        MarginBias.L2 => L2MaxMargin.Solve(data, gapTolerance),
        MarginBias.FourierL1 => FourierL1MaxMargin.Solve(data, gapTolerance),
        MarginBias.TimeL1 => TimeL1LinearProgram.Solve(data, gapTolerance),
        _ => throw new ArgumentOutOfRangeException(nameof(bias)),
    };
}
