using System.Numerics;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The same network as <see cref="ConvolutionalNetwork"/> (same real parameters, same beta), computed in the
/// Fourier domain by Lemma 3: beta_hat = w_hat_1 .* w_hat_2 .* ... .* w_hat_L.
/// (docs/performance.md, "ConvolutionalFourierNetwork")</summary>
public sealed class ConvolutionalFourierNetwork : IParameterization
{
    // Scratch, one set per thread: a model may be shared by runs on several threads.
    private readonly ThreadLocal<(Complex[][] Hat, Complex[] Product, Complex[] Work, Complex[] Prefix)> _scratch;
    private Complex[][] _hat => _scratch.Value.Hat;
    private Complex[] _product => _scratch.Value.Product;
    private Complex[] _work => _scratch.Value.Work;
    private Complex[] _prefix => _scratch.Value.Prefix;

    /// <summary>A depth-L convolutional network on R^D, Fourier-domain evaluation.</summary>
    public ConvolutionalFourierNetwork(int dimension, int depth)
    {
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        Dimension = dimension; Depth = depth;
        _scratch = new(() => (Enumerable.Range(0, depth).Select(_ => new Complex[dimension]).ToArray(),
                              new Complex[dimension], new Complex[dimension], new Complex[dimension]));
    }

    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <inheritdoc/>
    public string Name => $"conv-L{Depth}";
    /// <inheritdoc/>
    public int Dimension { get; }
    /// <inheritdoc/>
    public int ParameterCount => Dimension * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    private void TransformLayers(ReadOnlySpan<double> w)
    {
        for (int l = 0; l < Depth; l++)
        {
            var layer = w.Slice(l * Dimension, Dimension);
            var hat = _hat[l];
            for (int i = 0; i < Dimension; i++) hat[i] = new Complex(layer[i], 0);
            UnitaryDft.ForwardInPlace(hat);
        }
    }

    /// <summary>beta_hat = prod_l w_hat_l (Lemma 3).</summary>
    public Complex[] PredictorSpectrum(ReadOnlySpan<double> w)
    {
        TransformLayers(w);
        var result = new Complex[Dimension];
        Array.Fill(result, Complex.One);
        for (int l = 0; l < Depth; l++)
            for (int i = 0; i < Dimension; i++) result[i] *= _hat[l][i];
        return result;
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        var spectrum = PredictorSpectrum(w);
        UnitaryDft.InverseInPlace(spectrum);
        for (int i = 0; i < Dimension; i++) beta[i] = spectrum[i].Real;
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // <g, beta> = Re sum_k g_hat[k] conj(beta_hat[k]); with beta_hat = w_hat_l q_l this is
        // Re <g_hat .* conj(q_l), F w_l>, whose gradient in the real w_l is Re F^-1 (g_hat .* conj(q_l)).
        TransformLayers(w);
        for (int i = 0; i < Dimension; i++) _product[i] = new Complex(gradBeta[i], 0);
        UnitaryDft.ForwardInPlace(_product); // g_hat
        Array.Fill(_prefix, Complex.One);    // prod_{k<l} w_hat_k
        for (int l = 0; l < Depth; l++)
        {
            for (int i = 0; i < Dimension; i++)
            {
                Complex others = _prefix[i];
                for (int k = l + 1; k < Depth; k++) others *= _hat[k][i];
                _work[i] = _product[i] * Complex.Conjugate(others);
            }
            UnitaryDft.InverseInPlace(_work);
            var g = gradW.Slice(l * Dimension, Dimension);
            for (int i = 0; i < Dimension; i++) g[i] = _work[i].Real;
            for (int i = 0; i < Dimension; i++) _prefix[i] *= _hat[l][i];
        }
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) => rng.FillGaussian(w,
        scale / Math.Sqrt(Dimension));
}
