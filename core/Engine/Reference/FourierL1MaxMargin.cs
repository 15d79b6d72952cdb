using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The Fourier-l1 max-margin predictor of eq. (9) (Theorem 2, convolutional networks of depth 2): min
/// ||beta_hat||_1 s.t. y_n &lt;x_n, beta&gt; &gt;= 1, beta real, |beta_hat[k]| the complex modulus.
/// (docs/reference-solvers.md, "FourierL1MaxMargin")</summary>
public static class FourierL1MaxMargin
{
    /// <summary>Solves and certifies; NotSeparable (from the l2 separability test) when the data is not
    /// separable.</summary>
    public static MaxMarginSolution Solve(Dataset data, double gapTolerance = 1e-8) =>
        GroupNormSolve.Run(data, MarginBias.FourierL1, gapTolerance);

    /// <summary>The 2-D version (full-width 2-D convolutional networks of depth 2): min sum_k |beta_hat[k]| over the
    /// grid's whole unitary DFT spectrum (<see cref="Fourier.GridDft"/>), certified the same way with the dual norm
    /// max_k |(Z'alpha)_hat[k]|. A 1 x D grid is the 1-D problem.</summary>
    public static MaxMarginSolution Solve(Dataset data, Grid grid, double gapTolerance = 1e-8) =>
        GroupNormSolve.Run(data, MarginBias.FourierL1, grid, gapTolerance);
}
