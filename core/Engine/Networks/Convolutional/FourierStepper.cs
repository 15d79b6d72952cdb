using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>Gradient descent on the depth-L convolutional network carried out entirely in the Fourier domain (Lemma 3).
/// (docs/performance.md, "FourierStepper")</summary>
public sealed class FourierStepper : Stepper
{
    private readonly int _d, _h, _depth;
    private readonly Grid _grid;
    private readonly GridHalfSpectrum _spectrum;
    private readonly int[] _imaginarySlot;     // per representative: its imaginary part's packed position, or -1
    private readonly int[] _slotRepresentative; // per imaginary slot (H .. D-1): its representative
    private readonly RowMatrix _z;            // rows: packed spectra of y_n x_n
    private readonly double[] _c;             // packed inner-product weights
    private readonly double[] _re, _im, _rePrevious, _imPrevious; // layer half spectra, L x H
    private readonly double[] _gradRe, _gradIm;                    // L x H
    private readonly double[] _betaRe, _betaIm, _packedBeta, _packedG, _preRe, _preIm, _gRe, _gIm;
    private readonly double[] _margins, _weights;

    /// <summary>A kernel at <paramref name="initial"/> (L real layers of length D, as ConvolutionalNetwork lays them
    /// out).</summary>
    public FourierStepper(int depth, Dataset data, ReadOnlySpan<double> initial, int threads)
        : this(Grid.Line(data.Dimension), depth, data, initial, threads) { }

    /// <summary>A kernel at <paramref name="initial"/> for the full-width network on <paramref name="grid"/> (L real
    /// layers of D = grid.Count entries, row-major images).</summary>
    public FourierStepper(Grid grid, int depth, Dataset data, ReadOnlySpan<double> initial, int threads)
    {
        grid.Check();
        if (grid.Count != data.Dimension) throw new
            ArgumentException($"conv-L{depth}: the grid {grid} has {grid.Count} entries but the data has D = " +
                              $"{data.Dimension}.");
        _grid = grid; _spectrum = new GridHalfSpectrum(grid);
        _d = data.Dimension; _h = _spectrum.Count; _depth = depth;
        if (initial.Length != depth
            * _d) throw new
            ArgumentException($"conv-L{depth}: expected {depth * _d} parameters, got {initial.Length}.");
        _imaginarySlot = Enumerable.Range(0, _h).Select(_spectrum.ImaginarySlot).ToArray();
        _slotRepresentative = Enumerable.Range(_h, _d - _h).Select(_spectrum.RepresentativeOfSlot).ToArray();
        var z = data.SignedFeatures();
        var packed = new double[z.Length];
        for (int n = 0; n < data.Count; n++) _spectrum.Pack(z.AsSpan(n * _d, _d), packed.AsSpan(n * _d, _d));
        _z = new RowMatrix(packed, data.Count, _d, threads);
        _c = _spectrum.InnerProductWeights();
        int lh = depth * _h;
        _re = new double[lh]; _im = new double[lh]; _rePrevious = new double[lh]; _imPrevious = new double[lh];
        _gradRe = new double[lh]; _gradIm = new double[lh];
        for (int l = 0; l < depth; l++)
            _spectrum.Forward(initial.Slice(l * _d, _d), _re.AsSpan(l * _h, _h), _im.AsSpan(l * _h, _h));
        _betaRe = new double[_h]; _betaIm = new double[_h]; _preRe = new double[_h]; _preIm = new double[_h]; _gRe =
            new double[_h]; _gIm = new double[_h];
        _packedBeta = new double[_d]; _packedG = new double[_d];
        _margins = new double[data.Count]; _weights = new double[data.Count];
    }

    /// <inheritdoc/>
    public override string Name => _grid.IsLine ? $"fourier-conv-L{_depth}" : $"fourier-conv-{_grid}-L{_depth}";
    /// <inheritdoc/>
    public override int Degree => _depth;
    /// <inheritdoc/>
    public override int ParameterCount => _depth * _d;
    /// <inheritdoc/>
    public override int Dimension => _d;
    /// <summary>Threads per product.</summary>
    public int Threads => _z.Threads;

    private void PredictorSpectrum()
    {
        int h = _h;
        _re.AsSpan(0, h).CopyTo(_betaRe); _im.AsSpan(0, h).CopyTo(_betaIm);
        for (int l = 1; l < _depth; l++)
            SplitComplex.Multiply(_betaRe, _betaIm, _re.AsSpan(l * h, h), _im.AsSpan(l * h, h), _betaRe, _betaIm);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Evaluate(ILoss loss, double marginScale = 1.0)
    {
        PredictorSpectrum();
        int h = _h;
        for (int k = 0; k < h; k++) _packedBeta[k] = _c[k] * _betaRe[k] * marginScale;
        for (int i = h; i < _d; i++) _packedBeta[i] = _c[i] * _betaIm[_slotRepresentative[i - h]] * marginScale;
        return LossTerms.Evaluate(_z, loss, _packedBeta, _margins, _weights, _packedG);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(_packedBeta);

    /// <inheritdoc/>
    public override double ParameterNormSquared()
    {
        // Parseval: ||w_l||^2 = sum_k |w_hat_l[k]|^2 over the full spectrum = sum over k = 0..D/2 with weights c.
        double sum = 0;
        for (int l = 0; l < _depth; l++) sum += SplitComplex.WeightedSquaredNorm(_c, _re.AsSpan(l * _h, _h),
            _im.AsSpan(l * _h, _h));
        return sum;
    }

    /// <inheritdoc/>
    public override double Gradient()
    {
        int h = _h; // _packedG = packed g_hat came with Evaluate.
        for (int k = 0; k < h; k++)
        {
            _gRe[k] = _packedG[k];
            _gIm[k] = _imaginarySlot[k] >= 0 ? _packedG[_imaginarySlot[k]] : 0.0;
        }
        // Suffix products prod_{j>l} w_hat_j into grad_l.
        _preRe.AsSpan().Fill(1.0); _preIm.AsSpan().Clear();
        for (int l = _depth - 1; l >= 0; l--)
        {
            _preRe.CopyTo(_gradRe, l * h); _preIm.CopyTo(_gradIm, l * h);
            SplitComplex.Multiply(_preRe, _preIm, _re.AsSpan(l * h, h), _im.AsSpan(l * h, h), _preRe, _preIm);
        }
        // grad_l = g_hat .* conj(prefix .* suffix), prefix = prod_{j<l} w_hat_j.
        _preRe.AsSpan().Fill(1.0); _preIm.AsSpan().Clear();
        for (int l = 0; l < _depth; l++)
        {
            var gr = _gradRe.AsSpan(l * h, h); var gi = _gradIm.AsSpan(l * h, h);
            SplitComplex.Multiply(_preRe, _preIm, gr, gi, gr, gi);
            SplitComplex.MultiplyConjugate(_gRe, _gIm, gr, gi, gr, gi);
            SplitComplex.Multiply(_preRe, _preIm, _re.AsSpan(l * h, h), _im.AsSpan(l * h, h), _preRe, _preIm);
        }
        // ||grad_w||^2 over the full spectrum (Parseval), with the same weights as ParameterNormSquared.
        double sum = 0;
        for (int l = 0; l < _depth; l++) sum += SplitComplex.WeightedSquaredNorm(_c, _gradRe.AsSpan(l * h, h),
            _gradIm.AsSpan(l * h, h));
        return sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(double s)
    {
        _re.CopyTo(_rePrevious, 0); _im.CopyTo(_imPrevious, 0);
        Simd.AddScaled(_re, -s, _gradRe);
        Simd.AddScaled(_im, -s, _gradIm);
    }

    /// <inheritdoc/>
    public override void Scale(double factor)
    {
        Simd.Scale(_re, factor);
        Simd.Scale(_im, factor);
    }

    /// <inheritdoc/>
    public override void StepBack() { _rePrevious.CopyTo(_re, 0); _imPrevious.CopyTo(_im, 0); }

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta)
    {
        PredictorSpectrum();
        _spectrum.InverseReal(_betaRe, _betaIm, beta);
    }

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w)
    {
        for (int l = 0; l < _depth; l++)
            _spectrum.InverseReal(_re.AsSpan(l * _h, _h), _im.AsSpan(l * _h, _h), w.Slice(l * _d, _d));
    }

    /// <inheritdoc/>
    public override void Dispose() => _z.Dispose();
}
