using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The depth-L fully connected linear network of eq. (1): layer l has weights w_l in R^(D_{l-1} x D_l)
/// (row-major), D_0 = D, D_L = 1, and beta = w_1 w_2 ... w_L. Degree L. beta and its gradients are formed by
/// matrix-vector products from the right (r = w_L, then r = w_l r), never by multiplying D x D matrices.</summary>
public sealed class FullyConnectedNetwork : IParameterization
{
    private readonly int[] _widths;   // D_0 .. D_L
    private readonly int[] _offsets;  // start of layer l (1-based l at index l-1)
    // Scratch, one set per thread: a model may be shared by runs on several threads.
    private readonly ThreadLocal<(double[][] Right, double[][] Left)> _scratch;
    private double[][] _right => _scratch.Value.Right; // r_l = w_{l+1} ... w_L, length D_l
    private double[][] _left => _scratch.Value.Left;   // a_l = (w_1 ... w_{l-1})^T g, length D_{l-1}

    /// <summary>A depth-L network on R^D; <paramref name="hiddenWidths"/> gives D_1..D_{L-1} (default: all equal to D,
    /// the paper's square layers).</summary>
    public FullyConnectedNetwork(int dimension, int depth, IReadOnlyList<int>? hiddenWidths = null)
    {
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        if (hiddenWidths is not null && hiddenWidths.Count != depth - 1)
            throw new ArgumentException($"a depth-{depth} network needs {depth - 1} hidden widths (got " +
                                        $"{hiddenWidths.Count}).");
        _widths = new int[depth + 1];
        _widths[0] = dimension; _widths[depth] = 1;
        for (int l = 1; l < depth; l++)
        {
            _widths[l] = hiddenWidths?[l - 1] ?? dimension;
            if (_widths[l] < 1) throw new ArgumentException($"hidden width {l} must be at least 1 (got {_widths[l]}).");
        }
        _offsets = new int[depth + 1];
        for (int l = 1; l <= depth; l++) _offsets[l] = _offsets[l - 1] + _widths[l - 1] * _widths[l];
        Dimension = dimension; Depth = depth;
        var widths = _widths;
        _scratch = new(() => (Enumerable.Range(0, depth + 1).Select(l => new double[widths[l]]).ToArray(),
                              Enumerable.Range(0,
                                  depth + 1).Select(l => new double[widths[Math.Max(l - 1, 0)]]).ToArray()));
    }

    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <summary>Layer widths D_0 = D, D_1, ..., D_L = 1.</summary>
    public IReadOnlyList<int> Widths => _widths;
    /// <inheritdoc/>
    public string Name => $"fc-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int ParameterCount => _offsets[Depth];
    /// <inheritdoc/>
    public int Degree => Depth;

    /// <summary>Where layer l (1-based, 1..L+1) starts in the parameter vector (l = L + 1: the parameter
    /// count).</summary>
    public int LayerOffset(int l) => _offsets[l - 1];

    /// <summary>The weights of layer l (1-based), row-major D_{l-1} x D_l.</summary>
    public ReadOnlySpan<double> Layer(ReadOnlySpan<double> w, int l) => w.Slice(_offsets[l - 1],
        _widths[l - 1] * _widths[l]);

    /// <summary>Fills _right[l] = w_{l+1} ... w_L for l = L .. 0 (so _right[0] = beta).</summary>
    private void RightProducts(ReadOnlySpan<double> w)
    {
        _right[Depth][0] = 1.0;
        for (int l = Depth; l >= 1; l--)
        {
            var m = Layer(w, l);
            int rows = _widths[l - 1], cols = _widths[l];
            var src = _right[l]; var dst = _right[l - 1];
            for (int i = 0; i < rows; i++)
                dst[i] = Simd.Dot(m.Slice(i * cols, cols), src);
        }
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        RightProducts(w);
        _right[0].CopyTo(beta);
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // <g, w_1 ... w_L> is linear in w_l with gradient a_l r_l^T, where
        // a_l = (w_1 ... w_{l-1})^T g and r_l = w_{l+1} ... w_L.
        RightProducts(w);
        gradBeta.CopyTo(_left[1]);
        for (int l = 1; l <= Depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l];
            var a = _left[l]; var r = _right[l];
            var g = gradW.Slice(_offsets[l - 1], rows * cols);
            for (int i = 0; i < rows; i++)
                { var row = g.Slice(i * cols, cols); for (int j = 0; j < cols; j++) row[j] = r[j] * a[i]; }
            if (l < Depth)
            {
                var next = _left[l + 1];
                Array.Clear(next);
                var m = Layer(w, l);
                for (int i = 0; i < rows; i++)
                    Simd.AddScaled(next, a[i], m.Slice(i * cols, cols));
            }
        }
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng)
    {
        for (int l = 1; l <= Depth; l++)
        {
            int size = _widths[l - 1] * _widths[l];
            rng.FillGaussian(w.Slice(_offsets[l - 1], size), scale / Math.Sqrt(size));
        }
    }
}
