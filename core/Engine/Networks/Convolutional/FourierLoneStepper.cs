using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>A lone run of the convolutional network (Fourier domain) with the bits of a lane of
/// <see cref="FourierLaneStepper"/>: beta_hat, the packed predictor, the layer gradients, eight frequencies at a time.
/// (docs/performance.md, "FourierLoneStepper")</summary>
public sealed class FourierLoneStepper : LoneStepper
{
    private readonly int _h, _dp, _hp;
    private readonly GridHalfSpectrum _spectrum;
    private readonly double[] _c;                 // Parseval weights of the packing, [i] (D)
    private readonly double[] _re, _im, _rePrevious, _imPrevious, _gradRe, _gradIm; // [l][k], k padded
    private readonly double[] _betaRe, _betaIm, _gRe, _gIm, _prefixRe, _prefixIm;   // [k] padded

    /// <summary>A run of conv-L<paramref name="depth"/> on <paramref name="data"/> (already scaled), from
    /// <paramref name="initial"/> (L real layers of length D).</summary>
    public FourierLoneStepper(int depth, Dataset data, ReadOnlySpan<double> initial)
        : this(depth, data, initial, new GridHalfSpectrum(Grid.Line(data.Dimension))) { }

    private FourierLoneStepper(int depth, Dataset data, ReadOnlySpan<double> initial, GridHalfSpectrum spectrum)
        : base(depth, data.Count, data.Dimension, Packed(spectrum, data))
    {
        if (initial.Length != depth
            * _d) throw new
            ArgumentException($"conv-L{depth}: expected {depth * _d} parameters, got {initial.Length}.");
        _spectrum = spectrum;
        _h = _spectrum.Count; _c = _spectrum.InnerProductWeights();
        _dp = LoneExponentialLoss.Padded(_d); _hp = LoneExponentialLoss.Padded(_h);
        int size = depth * _hp;
        _re = new double[size]; _im = new double[size]; _rePrevious = new double[size]; _imPrevious = new double[size];
        _gradRe = new double[size]; _gradIm = new double[size];
        var re = new double[_h]; var im = new double[_h];
        for (int l = 0; l < depth; l++)
        {
            _spectrum.Forward(initial.Slice(l * _d, _d), re, im);
            re.CopyTo(_re, l * _hp); im.CopyTo(_im, l * _hp);
        }
        _betaRe = new double[_hp]; _betaIm = new double[_hp]; _gRe = new double[_hp]; _gIm = new double[_hp];
        _prefixRe = new double[_hp]; _prefixIm = new double[_hp];
    }

    /// <summary>The data's y_n x_n as packed half spectra (N rows of D).</summary>
    private static double[] Packed(GridHalfSpectrum spectrum, Dataset data)
    {
        var z = data.SignedFeatures();
        var packed = new double[data.Count * data.Dimension];
        for (int n = 0; n < data.Count; n++) spectrum.Pack(z.AsSpan(n * data.Dimension, data.Dimension),
            packed.AsSpan(n * data.Dimension, data.Dimension));
        return packed;
    }

    /// <inheritdoc/>
    public override string Name => $"lone-fourier-conv-L{_depth}";

    /// <summary>(a + i b)(c + i e) = (a c - b e) + i (a e + b c), in that order of operations (as the lane
    /// kernel).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vec Re, Vec Im) Multiply(Vec a, Vec b, Vec c, Vec e) => (a * c - b * e, a * e + b * c);

    /// <summary>beta_hat = prod_l w_hat_l, then the packed predictor c .* beta_hat times the margin scale, into
    /// _predictor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FormPredictor(double marginScale)
    {
        int d = _d, h = _h, hp = _hp;
        for (int k = 0; k < hp; k += 8)
        {
            Vec br = At(_re, k), bi = At(_im, k);
            for (int l = 1; l < _depth; l++) (br, bi) = Multiply(br, bi, At(_re, l * hp + k), At(_im, l * hp + k));
            At(_betaRe, k) = br; At(_betaIm, k) = bi;
        }
        for (int k = 0; k < h; k++) _predictor[k] = _c[k] * _betaRe[k] * marginScale;
        for (int i = h; i < d; i++) _predictor[i] = _c[i] * _betaIm[i - h + 1] * marginScale;
    }

    /// <summary>grad_w log L per layer, g_hat .* conj(prod_{j != l} w_hat_j), into _gradRe, _gradIm (the lane's
    /// operations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void LayerGradients()
    {
        int h = _h, d = _d, hp = _hp, depth = _depth;
        // g_hat's half spectrum from the packed form (imaginary part 0 at k = 0 and, for even D, at k = D/2).
        for (int k = 0; k < h; k++) { _gRe[k] = _g[k]; _gIm[k] = k >= 1 && k <= d - h ? _g[h + k - 1] : 0.0; }
        if (depth >= 2)
        {
            Array.Copy(_re, (depth - 1) * hp, _gradRe, (depth - 2) * hp, hp);
            Array.Copy(_im, (depth - 1) * hp, _gradIm, (depth - 2) * hp, hp);
        }
        for (int l = depth - 3; l >= 0; l--)
            for (int k = 0; k < hp; k += 8)
            {
                int i = l * hp + k;
                (At(_gradRe, i), At(_gradIm, i)) = Multiply(At(_gradRe, i + hp), At(_gradIm, i + hp), At(_re, i + hp),
                    At(_im, i + hp));
            }
        for (int l = 0; l < depth; l++)
            for (int k = 0; k < hp; k += 8)
            {
                int i = l * hp + k;
                Vec fr, fi;
                if (depth == 1) { fr = Vec.One; fi = Vec.Zero; }
                else if (l == 0) { fr = At(_gradRe, i); fi = At(_gradIm, i); }
                else if (l == depth - 1) { fr = At(_prefixRe, k); fi = At(_prefixIm, k); }
                else (fr, fi) = Multiply(At(_prefixRe, k), At(_prefixIm, k), At(_gradRe, i), At(_gradIm, i));
                var (gr, gi, ni) = (At(_gRe, k), At(_gIm, k), -fi);
                At(_gradRe, i) = gr * fr - gi * ni; At(_gradIm, i) = gr * ni + gi * fr;
                if (l == 0) { At(_prefixRe, k) = At(_re, i); At(_prefixIm, k) = At(_im, i); }
                else if (l < depth - 1) (At(_prefixRe, k), At(_prefixIm, k)) = Multiply(At(_prefixRe, k),
                    At(_prefixIm, k), At(_re, i), At(_im, i));
            }
    }

    /// <summary>sum over layers and k = 0..H-1 of c_k (re^2 + im^2), in that order (the lane kernel's norms).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double NormSquared(double[] re, double[] im)
    {
        double sum = 0;
        for (int l = 0; l < _depth; l++)
            for (int k = 0; k < _h; k++)
            {
                double x = re[l * _hp + k], y = im[l * _hp + k];
                sum += _c[k] * (x * x + y * y);
            }
        return sum;
    }

    /// <inheritdoc/>
    protected override double GradientNormSquared() => NormSquared(_gradRe, _gradIm);

    /// <inheritdoc/>
    public override double ParameterNormSquared() => NormSquared(_re, _im);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(double s)
    {
        var minus = V.Create(-s);
        for (int i = 0; i < _re.Length; i += 8)
        {
            ref Vec r = ref At(_re, i); ref Vec m = ref At(_im, i);
            At(_rePrevious, i) = r; At(_imPrevious, i) = m;
            r = V.FusedMultiplyAdd(At(_gradRe, i), minus, r);
            m = V.FusedMultiplyAdd(At(_gradIm, i), minus, m);
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void StepFromPrevious(double s)
    {
        var minus = V.Create(-s);
        for (int i = 0; i < _re.Length; i += 8)
        {
            At(_re, i) = V.FusedMultiplyAdd(At(_gradRe, i), minus, At(_rePrevious, i));
            At(_im, i) = V.FusedMultiplyAdd(At(_gradIm, i), minus, At(_imPrevious, i));
        }
    }

    /// <inheritdoc/>
    public override void Scale(double factor)
    {
        var f = V.Create(factor);
        for (int i = 0; i < _re.Length; i += 8) { At(_re, i) *= f; At(_im, i) *= f; }
    }

    /// <inheritdoc/>
    public override void StepBack()
    {
        _rePrevious.CopyTo(_re, 0);
        _imPrevious.CopyTo(_im, 0);
    }

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta)
    {
        var re = _re.AsSpan(0, _h).ToArray(); var im = _im.AsSpan(0, _h).ToArray();
        for (int l = 1; l < _depth; l++)
            for (int k = 0; k < _h; k++)
            {
                double a = re[k], b = im[k], c = _re[l * _hp + k], e = _im[l * _hp + k];
                re[k] = a * c - b * e; im[k] = a * e + b * c;
            }
        _spectrum.InverseReal(re, im, beta);
    }

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w)
    {
        for (int l = 0; l < _depth; l++)
            _spectrum.InverseReal(_re.AsSpan(l * _hp, _h), _im.AsSpan(l * _hp, _h), w.Slice(l * _d, _d));
    }
}
