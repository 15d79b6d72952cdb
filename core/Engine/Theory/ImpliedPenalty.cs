using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Theory;

/// <summary>The implied penalties R_P(beta) = min { ||w||^2 : P(w) = beta } of Section 5, in closed form. Their
/// minimizers are built by <see cref="BalancedParameters"/>.</summary>
public static class ImpliedPenalty
{
    /// <summary>Lemma 5, fully connected networks of depth L: L ||beta||_2^(2/L).</summary>
    public static double FullyConnected(ReadOnlySpan<double> beta, int depth)
    {
        CheckDepth(depth);
        double s = 0;
        foreach (var v in beta) s += v * v;
        return depth * Math.Pow(s, 1.0 / depth);
    }

    /// <summary>Lemma 6, diagonal networks of depth L: L ||beta||_(2/L)^(2/L) = L sum_d |beta_d|^(2/L).</summary>
    public static double Diagonal(ReadOnlySpan<double> beta, int depth)
    {
        CheckDepth(depth);
        double s = 0;
        foreach (var v in beta) s += Math.Pow(Math.Abs(v), 2.0 / depth);
        return depth * s;
    }

    /// <summary>Lemma 7, convolutional networks of depth L: L ||beta_hat||_(2/L)^(2/L) (unitary DFT).</summary>
    public static double Convolutional(ReadOnlySpan<double> beta, int depth)
    {
        CheckDepth(depth);
        double s = 0;
        foreach (var m in UnitaryDft.Magnitudes(beta)) s += Math.Pow(m, 2.0 / depth);
        return depth * s;
    }

    internal static void CheckDepth(int depth)
    {
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
    }
}
