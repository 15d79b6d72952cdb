using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The time-domain l1 max-margin predictor (Lemma 6, diagonal networks of depth 2) by the interior-point
/// method; the OR-Tools LP is <see cref="TimeL1LinearProgram"/>.</summary>
public static class TimeL1MaxMargin
{
    /// <summary>Solves min ||beta||_1 s.t. margins &gt;= 1 with <see cref="GroupNormInteriorPoint"/> (groups of one)
    /// and certifies.</summary>
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8) =>
        GroupNormSolve.Run(data, MarginBias.TimeL1, gapTolerance);
}
