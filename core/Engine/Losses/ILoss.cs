namespace ImplicitBias.Engine.Losses;

/// <summary>A classification loss L = sum_n l(m_n) of the margins m_n = y_n &lt;x_n, beta&gt;, handled in the log
/// domain so that margins of 1e6 (L near exp(-1e6)) neither overflow nor underflow.</summary>
public interface ILoss
{
    /// <summary>"exp" or "logistic".</summary>
    string Name { get; }

    /// <summary>Returns log L and writes weights[n] = -(d log L / d m_n) &gt;= 0, so that grad_beta log L = -sum_n
    /// weights[n] y_n x_n. For the exponential loss the weights are a softmax and sum to one.</summary>
    double LogLossAndWeights(ReadOnlySpan<double> margins, Span<double> weights);
}
