using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Steppers;

/// <summary>A loss written per point, for the one-pass evaluation of <see cref="RowMatrix.FusedLogLossGradient"/>: log
/// L = logsumexp_n LogTerm(m_n) and the weights q_n = exp(LogWeight(m_n) - log L), exactly the quantities of
/// <see cref="ILoss.LogLossAndWeights"/>. (docs/performance.md, "LossTerms")</summary>
public sealed record LossTerms(Func<double, double> LogTerm, Func<double, double> LogWeight)
{
    private static readonly LossTerms Exponential = new(m => -m, m => -m);
    private static readonly LossTerms Logistic = new(m => StableMath.LogSoftplus(-m), m => -StableMath.Softplus(m));

    /// <summary>The per-point terms of a known loss, or null.</summary>
    public static LossTerms? For(ILoss loss) => loss switch
    {
        ExponentialLoss => Exponential,
        LogisticLoss => Logistic,
        _ => null,
    };

    /// <summary>m = A v, log L and g = grad_v log L = -sum_n q_n a_n: in one pass for known losses, else by
    /// <see cref="RowMatrix.Multiply"/>, the loss and <see cref="RowMatrix.NegativeTransposeMultiply"/> (the two-pass
    /// twin; <paramref name="weights"/> is scratch for it).</summary>
    public static double Evaluate(RowMatrix a, ILoss loss, double[] v, double[] margins, double[] weights, double[] g)
    {
        if (For(loss) is { } terms) return a.FusedLogLossGradient(v, terms.LogTerm, terms.LogWeight, margins, g);
        a.Multiply(v, margins);
        double logLoss = loss.LogLossAndWeights(margins, weights);
        a.NegativeTransposeMultiply(weights, g);
        return logLoss;
    }
}
