namespace ImplicitBias.Engine.Networks;

/// <summary>The paper's "convolution" (eq. 2), which signal processing calls circular cross-correlation: (h * w)[d] =
/// (1/sqrt(D)) sum_k w[k] h[(d + k) mod D]. Written as direct O(D^2) sums: this is the time-domain definition that the
/// Fourier-domain network is tested against.</summary>
public static class CircularCorrelation
{
    /// <summary>result = h * w (eq. 2). <paramref name="result"/> must not alias the inputs.</summary>
    public static void Apply(ReadOnlySpan<double> h, ReadOnlySpan<double> w, Span<double> result)
    {
        int n = h.Length;
        double scale = 1 / Math.Sqrt(n);
        for (int d = 0; d < n; d++)
        {
            double sum = 0;
            for (int k = 0; k < n; k++) sum += w[k] * h[(d + k) % n];
            result[d] = scale * sum;
        }
    }

    /// <summary>The adjoint of h -> h * w: result[j] = (1/sqrt(D)) sum_d u[d] w[(j - d) mod D], so that &lt;h * w,
    /// u&gt; = &lt;h, Adjoint(u, w)&gt;.</summary>
    public static void Adjoint(ReadOnlySpan<double> u, ReadOnlySpan<double> w, Span<double> result)
    {
        int n = u.Length;
        double scale = 1 / Math.Sqrt(n);
        for (int j = 0; j < n; j++)
        {
            double sum = 0;
            for (int d = 0; d < n; d++) sum += u[d] * w[((j - d) % n + n) % n];
            result[j] = scale * sum;
        }
    }

    /// <summary>The flipped vector of the paper, w_flip[k] = w[D - k - 1].</summary>
    public static double[] Flip(ReadOnlySpan<double> w)
    {
        var r = new double[w.Length];
        for (int k = 0; k < w.Length; k++) r[k] = w[w.Length - k - 1];
        return r;
    }
}
