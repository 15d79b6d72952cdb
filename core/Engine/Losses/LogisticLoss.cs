using ImplicitBias.Engine.Numerics;
namespace ImplicitBias.Engine.Losses;

/// <summary>The logistic loss l(m) = log(1 + exp(-m)): log L = logsumexp_n log softplus(-m_n), and the weights are
/// sigmoid(-m_n) / L = exp(log sigmoid(-m_n) - log L).</summary>
public sealed class LogisticLoss : ILoss
{
    /// <inheritdoc/>
    public string Name => "logistic";

    /// <inheritdoc/>
    public double LogLossAndWeights(ReadOnlySpan<double> margins, Span<double> weights)
    {
        for (int n = 0; n < margins.Length; n++) weights[n] = StableMath.LogSoftplus(-margins[n]);
        double logLoss = StableMath.LogSumExp(weights);
        for (int n = 0; n < margins.Length; n++)
        {
            double logSigmoid = -StableMath.Softplus(margins[n]); // log sigmoid(-m)
            weights[n] = StableMath.Exp(logSigmoid - logLoss);
        }
        return logLoss;
    }
}
