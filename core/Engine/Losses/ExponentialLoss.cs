using ImplicitBias.Engine.Numerics;
namespace ImplicitBias.Engine.Losses;

/// <summary>
/// The paper's loss l(m) = exp(-m): log L = logsumexp(-m), and the weights are softmax(-m).
/// </summary>
public sealed class ExponentialLoss : ILoss
{
    /// <inheritdoc/>
    public string Name => "exp";

    /// <inheritdoc/>
    public double LogLossAndWeights(ReadOnlySpan<double> margins, Span<double> weights)
    {
        double max = double.NegativeInfinity;
        foreach (var m in margins) max = Math.Max(max, -m);
        double sum = 0;
        for (int n = 0; n < margins.Length; n++) { weights[n] = StableMath.Exp(-margins[n] - max); sum += weights[n]; }
        for (int n = 0; n < margins.Length; n++) weights[n] /= sum;
        return max + Math.Log(sum);
    }
}
