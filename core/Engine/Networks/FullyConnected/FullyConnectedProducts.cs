using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The naive twin of <see cref="FullyConnectedNetwork"/> (same parameters, same layout): it forms the explicit
/// product matrices w_a w_{a+1} ... w_b by triple loops, beta = w_1 ... w_L, and the gradient of &lt;g, beta&gt; in w_l
/// as the outer product (w_1 ... w_{l-1})^T g times (w_{l+1} ... w_L)^T. O(L^2 D^3) per call: for tests only.</summary>
public sealed class FullyConnectedProducts : IParameterization
{
    private readonly FullyConnectedNetwork _layout;

    /// <summary>The same network as FullyConnectedNetwork(dimension, depth, hiddenWidths).</summary>
    public FullyConnectedProducts(int dimension, int depth, IReadOnlyList<int>? hiddenWidths = null) =>
        _layout = new FullyConnectedNetwork(dimension, depth, hiddenWidths);

    /// <inheritdoc/>
    public string Name => _layout.Name + "-products";
    /// <inheritdoc/>
    public int Dimension => _layout.Dimension;
    /// <inheritdoc/>
    public int ParameterCount => _layout.ParameterCount;
    /// <inheritdoc/>
    public int Degree => _layout.Degree;

    /// <summary>The matrix w_a ... w_b (D_{a-1} x D_b, row-major); the identity of size D_a... when a &gt; b.</summary>
    public double[,] Product(ReadOnlySpan<double> w, int a, int b)
    {
        var widths = _layout.Widths;
        int size = widths[a - 1];
        var result = new double[size, size];
        for (int i = 0; i < size; i++) result[i, i] = 1;
        for (int l = a; l <= b; l++)
        {
            var layer = _layout.Layer(w, l);
            int inner = widths[l - 1], cols = widths[l];
            var next = new double[size, cols];
            for (int i = 0; i < size; i++)
                for (int j = 0; j < cols; j++)
                {
                    double sum = 0;
                    for (int k = 0; k < inner; k++) sum += result[i, k] * layer[k * cols + j];
                    next[i, j] = sum;
                }
            result = next;
        }
        return result;
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        var m = Product(w, 1, _layout.Depth);
        for (int i = 0; i < Dimension; i++) beta[i] = m[i, 0];
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        var widths = _layout.Widths;
        int offset = 0;
        for (int l = 1; l <= _layout.Depth; l++)
        {
            var left = Product(w, 1, l - 1);            // D x D_{l-1}
            var right = Product(w, l + 1, _layout.Depth); // D_l x 1
            int rows = widths[l - 1], cols = widths[l];
            for (int i = 0; i < rows; i++)
            {
                double a = 0;
                for (int d = 0; d < Dimension; d++) a += left[d, i] * gradBeta[d];
                for (int j = 0; j < cols; j++) gradW[offset + i * cols + j] = a * right[j, 0];
            }
            offset += rows * cols;
        }
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) => _layout.Initialize(w, scale, rng);
}
