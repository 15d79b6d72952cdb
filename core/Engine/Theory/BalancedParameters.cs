using System.Numerics;
using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Theory;

/// <summary>Parameters w* with P(w*) = beta and ||w*||^2 = R_P(beta) (the minimizers in Lemmas 5-7), in the engine's
/// flat layouts (layer after layer). Every layer carries the same share R_P(beta) / L.</summary>
public static class BalancedParameters
{
    /// <summary>Fully connected, layer widths D_0 = D, D_1..D_{L-1} (default D), D_L = 1: a rank-one chain w_1 = s u
    /// e_1^T, w_l = s e_1 e_1^T, w_L = s e_1, with u = beta/||beta|| and s = ||beta||^(1/L).</summary>
    public static double[] FullyConnected(ReadOnlySpan<double> beta, int depth, IReadOnlyList<int>? hiddenWidths = null)
    {
        ImpliedPenalty.CheckDepth(depth);
        int dim = beta.Length;
        var widths = new int[depth + 1];
        widths[0] = dim; widths[depth] = 1;
        for (int l = 1; l < depth; l++) widths[l] = hiddenWidths?[l - 1] ?? dim;
        int total = 0;
        for (int l = 1; l <= depth; l++) total += widths[l - 1] * widths[l];
        var w = new double[total];
        double norm = 0;
        foreach (var v in beta) norm += v * v;
        norm = Math.Sqrt(norm);
        if (norm == 0) return w;
        double s = Math.Pow(norm, 1.0 / depth);
        // Layer 1 (D x D_1, row-major): column 0 is s * u.
        for (int i = 0; i < dim; i++) w[i * widths[1]] = s * beta[i] / norm;
        int offset = dim * widths[1];
        for (int l = 2; l <= depth; l++)
        {
            w[offset] = s; // entry (0, 0)
            offset += widths[l - 1] * widths[l];
        }
        return w;
    }

    /// <summary>Diagonal: w_l[d] = |beta_d|^(1/L) for l &lt; L and w_L[d] = sign(beta_d) |beta_d|^(1/L).</summary>
    public static double[] Diagonal(ReadOnlySpan<double> beta, int depth)
    {
        ImpliedPenalty.CheckDepth(depth);
        int dim = beta.Length;
        var w = new double[dim * depth];
        for (int d = 0; d < dim; d++)
        {
            double root = Math.Pow(Math.Abs(beta[d]), 1.0 / depth);
            for (int l = 0; l < depth; l++) w[l * dim + d] = root;
            w[(depth - 1) * dim + d] = Math.Sign(beta[d]) * root;
        }
        return w;
    }

    /// <summary>Convolutional (Lemma 3 layout, time-domain filters): every layer but the last has the real, positive,
    /// symmetric spectrum |beta_hat|^(1/L) (so a real, even filter); the last has e^(i phi) |beta_hat|^(1/L), Hermitian
    /// because beta_hat is, so it is real too. (docs/theory-checks.md, "BalancedParameters.Convolutional")</summary>
    public static double[] Convolutional(ReadOnlySpan<double> beta, int depth)
    {
        ImpliedPenalty.CheckDepth(depth);
        int dim = beta.Length;
        var spectrum = UnitaryDft.Forward(beta);
        var w = new double[dim * depth];
        var modulus = new Complex[dim];
        var phased = new Complex[dim];
        for (int k = 0; k < dim; k++)
        {
            double m = spectrum[k].Magnitude;
            double root = Math.Pow(m, 1.0 / depth);
            modulus[k] = root;
            phased[k] = m > 0 ? spectrum[k] / m * root : Complex.Zero;
        }
        var even = UnitaryDft.InverseReal(modulus);
        var last = UnitaryDft.InverseReal(phased);
        for (int l = 0; l < depth - 1; l++) even.CopyTo(w, l * dim);
        last.CopyTo(w, (depth - 1) * dim);
        return w;
    }
}
