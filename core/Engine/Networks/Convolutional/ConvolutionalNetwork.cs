using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The depth-L linear convolutional network of eq. (2)-(3), computed in the time domain: L-1 full-width
/// circular layers h_l = h_{l-1} * w_l (the paper's cross-correlation with 1/sqrt(D) scaling) and a fully connected
/// output f(x) = &lt;h_{L-1}, w_L&gt;. Degree L. (docs/performance.md, "ConvolutionalNetwork")</summary>
public sealed class ConvolutionalNetwork : IParameterization
{
    // Scratch, one set per thread: a model may be shared by runs on several threads.
    private readonly ThreadLocal<(double[][] Forward, double[][] Backward)> _scratch;
    private double[][] _forward => _scratch.Value.Forward;   // h_l(g) = g * w_1 * ... * w_l
    private double[][] _backward => _scratch.Value.Backward; // u_l = C_{l+1}^T ... C_{L-1}^T w_L

    /// <summary>A depth-L convolutional network on R^D.</summary>
    public ConvolutionalNetwork(int dimension, int depth)
    {
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        Dimension = dimension; Depth = depth;
        _scratch = new(() => (Enumerable.Range(0, depth).Select(_ => new double[dimension]).ToArray(),
                              Enumerable.Range(0, depth).Select(_ => new double[dimension]).ToArray()));
    }

    /// <summary>Number of layers L (L-1 convolutional, one fully connected).</summary>
    public int Depth { get; }
    /// <inheritdoc/>
    public string Name => $"conv-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int ParameterCount => Dimension * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    private ReadOnlySpan<double> Layer(ReadOnlySpan<double> w, int l) => w.Slice((l - 1) * Dimension, Dimension);

    /// <summary>The network output f_w(x) of eq. (3), by pushing x through every layer.</summary>
    public double Output(ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        var h = x.ToArray();
        var next = new double[Dimension];
        for (int l = 1; l < Depth; l++)
        {
            CircularCorrelation.Apply(h, Layer(w, l), next);
            (h, next) = (next, h);
        }
        return Numerics.Simd.Dot(h, Layer(w, Depth)) /* the same order on AVX2 and AVX-512 machines */;
    }

    private void Backward(ReadOnlySpan<double> w)
    {
        // f(x) = <C_{L-1} ... C_1 x, w_L> = <x, C_1^T ... C_{L-1}^T w_L>, so beta = u_0.
        Layer(w, Depth).CopyTo(_backward[Depth - 1]);
        for (int l = Depth - 1; l >= 1; l--) CircularCorrelation.Adjoint(_backward[l], Layer(w, l), _backward[l - 1]);
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        Backward(w);
        _backward[0].CopyTo(beta);
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // <g, beta> = <h_{l-1}(g) * w_l, u_l>; its gradient in w_l is h_{l-1}(g) * u_l
        // (derivative of (1/sqrt D) sum_d u[d] sum_k w[k] h[d+k] in w[k]), and in w_L it is h_{L-1}(g).
        Backward(w);
        gradBeta.CopyTo(_forward[0]);
        for (int l = 1; l < Depth; l++)
        {
            CircularCorrelation.Apply(_forward[l - 1], _backward[l], gradW.Slice((l - 1) * Dimension, Dimension));
            CircularCorrelation.Apply(_forward[l - 1], Layer(w, l), _forward[l]);
        }
        _forward[Depth - 1].CopyTo(gradW.Slice((Depth - 1) * Dimension, Dimension));
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) => rng.FillGaussian(w,
        scale / Math.Sqrt(Dimension));
}
