using System.Collections.Concurrent;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>The depth-L convolutional network in the time domain, the twin of
/// <see cref="Networks.ConvolutionalNetwork"/> (and of its Fourier-domain twin, which computes the same P): L - 1
/// circular cross-correlations. (docs/late-phase.md, "HighPrecisionConvolutional")</summary>
public sealed class HighPrecisionConvolutional(int dimension, int depth) : IHighPrecisionModel
{
    private readonly ConcurrentDictionary<int, BigFloat> _scale = new();

    /// <summary>Number of layers L.</summary>
    public int Depth { get; } = depth;
    /// <inheritdoc/>
    public string Name => $"conv-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; } = dimension;
    /// <inheritdoc/>
    public int ParameterCount => Dimension * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    private BigFloat Scale(int precision) => _scale.GetOrAdd(precision,
        p => BigFloat.One(p) / BigFloatMath.Sqrt(BigFloat.FromInteger(Dimension, p)));

    private BigFloat[] Layer(BigFloat[] w, int l) => w[((l - 1) * Dimension)..(l * Dimension)];

    /// <summary>h * w (eq. 2).</summary>
    private BigFloat[] Apply(BigFloat[] h, BigFloat[] w)
    {
        int n = Dimension;
        var scale = Scale(h[0].Precision);
        var r = new BigFloat[n];
        for (int d = 0; d < n; d++)
        {
            var sum = w[0] * h[d % n];
            for (int k = 1; k < n; k++) sum += w[k] * h[(d + k) % n];
            r[d] = scale * sum;
        }
        return r;
    }

    /// <summary>The adjoint of h -&gt; h * w: (1/sqrt(D)) sum_d u[d] w[(j - d) mod D].</summary>
    private BigFloat[] Adjoint(BigFloat[] u, BigFloat[] w)
    {
        int n = Dimension;
        var scale = Scale(u[0].Precision);
        var r = new BigFloat[n];
        for (int j = 0; j < n; j++)
        {
            var sum = u[0] * w[j % n];
            for (int d = 1; d < n; d++) sum += u[d] * w[((j - d) % n + n) % n];
            r[j] = scale * sum;
        }
        return r;
    }

    /// <summary>u_l = C_{l+1}^T ... C_{L-1}^T w_L for l = L - 1 down to 0; u_0 = beta.</summary>
    private BigFloat[][] Backward(BigFloat[] w)
    {
        var u = new BigFloat[Depth][];
        u[Depth - 1] = Layer(w, Depth);
        for (int l = Depth - 1; l >= 1; l--) u[l - 1] = Adjoint(u[l], Layer(w, l));
        return u;
    }

    /// <inheritdoc/>
    public BigFloat[] Predictor(BigFloat[] w) => Backward(w)[0];

    /// <inheritdoc/>
    public BigFloat[] PullBack(BigFloat[] w, BigFloat[] gradBeta)
    {
        // <g, beta> = <h_{l-1}(g) * w_l, u_l>: gradient h_{l-1}(g) * u_l in w_l, and h_{L-1}(g) in w_L.
        var u = Backward(w);
        var g = new BigFloat[ParameterCount];
        var h = gradBeta;
        for (int l = 1; l < Depth; l++)
        {
            Apply(h, u[l]).CopyTo(g, (l - 1) * Dimension);
            h = Apply(h, Layer(w, l));
        }
        h.CopyTo(g, (Depth - 1) * Dimension);
        return g;
    }
}
