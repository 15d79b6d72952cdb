namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>beta = w, the twin of <see cref="Networks.LinearModel"/>.</summary>
public sealed class HighPrecisionLinear(int dimension) : IHighPrecisionModel
{
    /// <inheritdoc/>
    public string Name => "linear";
    /// <inheritdoc/>
    public int Dimension { get; } = dimension;
    /// <inheritdoc/>
    public int ParameterCount => Dimension;
    /// <inheritdoc/>
    public int Degree => 1;
    /// <inheritdoc/>
    public BigFloat[] Predictor(BigFloat[] w) => (BigFloat[])w.Clone();
    /// <inheritdoc/>
    public BigFloat[] PullBack(BigFloat[] w, BigFloat[] gradBeta) => (BigFloat[])gradBeta.Clone();
}
