namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>beta = w_1 w_2 ... w_L with layer l row-major D_{l-1} x D_l, D_0 = D, D_L = 1, layer after layer: the twin
/// of <see cref="Networks.FullyConnectedNetwork"/> (hidden widths D_1 .. D_{L-1}, by default all D).</summary>
public sealed class HighPrecisionFullyConnected : IHighPrecisionModel
{
    private readonly int[] _widths;  // D_0 .. D_L
    private readonly int[] _offsets; // start of layer l (1-based) at index l - 1; _offsets[L] = P

    /// <summary>A depth-L network on R^D with the given hidden widths (null: all D).</summary>
    public HighPrecisionFullyConnected(int dimension, int depth, IReadOnlyList<int>? hiddenWidths = null)
    {
        if (hiddenWidths is not null && hiddenWidths.Count != depth - 1)
            throw new ArgumentException($"a depth-{depth} network needs {depth - 1} hidden widths (got " +
                                        $"{hiddenWidths.Count}).");
        _widths = new int[depth + 1];
        _widths[0] = dimension; _widths[depth] = 1;
        for (int l = 1; l < depth; l++) _widths[l] = hiddenWidths?[l - 1] ?? dimension;
        _offsets = new int[depth + 1];
        for (int l = 1; l <= depth; l++) _offsets[l] = _offsets[l - 1] + _widths[l - 1] * _widths[l];
        Dimension = dimension; Depth = depth;
    }

    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <inheritdoc/>
    public string Name => $"fc-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int ParameterCount => _offsets[Depth];
    /// <inheritdoc/>
    public int Degree => Depth;

    private BigFloat Weight(BigFloat[] w, int l, int i, int j) => w[_offsets[l - 1] + i * _widths[l] + j];

    /// <summary>r[l] = w_{l+1} ... w_L (length D_l), for l = L down to 0; r[0] = beta.</summary>
    private BigFloat[][] RightProducts(BigFloat[] w)
    {
        var r = new BigFloat[Depth + 1][];
        r[Depth] = [BigFloat.One(w[0].Precision)];
        for (int l = Depth; l >= 1; l--)
        {
            r[l - 1] = new BigFloat[_widths[l - 1]];
            for (int i = 0; i < _widths[l - 1]; i++)
            {
                var sum = Weight(w, l, i, 0) * r[l][0];
                for (int j = 1; j < _widths[l]; j++) sum += Weight(w, l, i, j) * r[l][j];
                r[l - 1][i] = sum;
            }
        }
        return r;
    }

    /// <inheritdoc/>
    public BigFloat[] Predictor(BigFloat[] w) => RightProducts(w)[0];

    /// <inheritdoc/>
    public BigFloat[] PullBack(BigFloat[] w, BigFloat[] gradBeta)
    {
        // <g, w_1 ... w_L> is linear in w_l with gradient a_l r_l^T, a_l = (w_1 ... w_{l-1})^T g, r_l = w_{l+1} ...
        // w_L.
        var r = RightProducts(w);
        var g = new BigFloat[ParameterCount];
        var a = gradBeta;
        for (int l = 1; l <= Depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++) g[_offsets[l - 1] + i * cols + j] = a[i] * r[l][j];
            if (l == Depth) break;
            var next = new BigFloat[cols];
            for (int j = 0; j < cols; j++)
            {
                var sum = a[0] * Weight(w, l, 0, j);
                for (int i = 1; i < rows; i++) sum += a[i] * Weight(w, l, i, j);
                next[j] = sum;
            }
            a = next;
        }
        return g;
    }
}
