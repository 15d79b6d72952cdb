using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The depth-L linear diagonal network of Section 5 (Figure 1c): beta = diag(w_1) ... diag(w_{L-1}) w_L, i.e.
/// beta[d] = prod_l w_l[d]. Degree L. Parameters are laid out layer after layer, each of length D.</summary>
public sealed class DiagonalNetwork : IParameterization
{
    // Scratch, one set per thread: a model may be shared by runs on several threads.
    private readonly ThreadLocal<(double[] Prefix, double[] Suffix)> _scratch;
    private double[] _prefix => _scratch.Value.Prefix;
    private double[] _suffix => _scratch.Value.Suffix;

    /// <summary>A depth-L diagonal network on R^D.</summary>
    public DiagonalNetwork(int dimension, int depth)
    {
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        Dimension = dimension; Depth = depth;
        _scratch = new(() => (new double[dimension], new double[dimension]));
    }

    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <inheritdoc/>
    public string Name => $"diag-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int ParameterCount => Dimension * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        int d = Dimension;
        w.Slice(0, d).CopyTo(beta);
        for (int l = 1; l < Depth; l++)
        {
            var layer = w.Slice(l * d, d);
            for (int i = 0; i < d; i++) beta[i] *= layer[i];
        }
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // d beta[i] / d w_l[i] = prod_{k != l} w_k[i]: products of the layers before l times after l,
        // formed without division so that zero weights are handled exactly.
        int d = Dimension;
        Array.Fill(_suffix, 1.0);
        for (int l = Depth - 1; l >= 0; l--)
        {
            var g = gradW.Slice(l * d, d);
            for (int i = 0; i < d; i++) g[i] = _suffix[i];
            var layer = w.Slice(l * d, d);
            for (int i = 0; i < d; i++) _suffix[i] *= layer[i];
        }
        Array.Fill(_prefix, 1.0);
        for (int l = 0; l < Depth; l++)
        {
            var g = gradW.Slice(l * d, d);
            var layer = w.Slice(l * d, d);
            for (int i = 0; i < d; i++) { g[i] *= _prefix[i] * gradBeta[i]; _prefix[i] *= layer[i]; }
        }
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) => rng.FillGaussian(w,
        scale / Math.Sqrt(Dimension));
}
