namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>beta[i] = prod_l w_l[i], L layers of D laid out layer after layer: the twin of
/// <see cref="Networks.DiagonalNetwork"/>.</summary>
public sealed class HighPrecisionDiagonal(int dimension, int depth) : IHighPrecisionModel
{
    /// <summary>Number of layers L.</summary>
    public int Depth { get; } = depth;
    /// <inheritdoc/>
    public string Name => $"diag-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; } = dimension;
    /// <inheritdoc/>
    public int ParameterCount => Dimension * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    /// <inheritdoc/>
    public BigFloat[] Predictor(BigFloat[] w)
    {
        var beta = w[..Dimension];
        for (int l = 1; l < Depth; l++)
            for (int i = 0; i < Dimension; i++) beta[i] *= w[l * Dimension + i];
        return beta;
    }

    /// <inheritdoc/>
    public BigFloat[] PullBack(BigFloat[] w, BigFloat[] gradBeta)
    {
        // d beta[i] / d w_l[i] = prod_{k != l} w_k[i], formed as a product over k != l (no division).
        var g = new BigFloat[ParameterCount];
        for (int l = 0; l < Depth; l++)
            for (int i = 0; i < Dimension; i++)
            {
                var product = gradBeta[i];
                for (int k = 0; k < Depth; k++) if (k != l) product *= w[k * Dimension + i];
                g[l * Dimension + i] = product;
            }
        return g;
    }
}
