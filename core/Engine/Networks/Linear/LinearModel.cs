using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The direct parameterization beta = w (degree 1): Soudry et al.'s setting, eq. (5)-(6).</summary>
public sealed class LinearModel : IParameterization
{
    /// <summary>A linear model on R^D.</summary>
    public LinearModel(int dimension)
    {
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
        Dimension = dimension;
    }

    /// <inheritdoc/>
    public string Name => "linear";
    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int ParameterCount => Dimension;
    /// <inheritdoc/>
    public int Degree => 1;
    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta) => w.CopyTo(beta);
    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta,
        Span<double> gradW) => gradBeta.CopyTo(gradW);
    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) => rng.FillGaussian(w,
        scale / Math.Sqrt(Dimension));
}
