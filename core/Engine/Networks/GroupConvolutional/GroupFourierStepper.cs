using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>Gradient descent on the group-convolutional network in the group Fourier domain, any loss: 2 N |G| for the
/// data and about 3 L sum_rho d^3 for the blocks a step. Twin: <see cref="GenericStepper"/>.
/// (docs/performance.md, "GroupFourierStepper")</summary>
public sealed class GroupFourierStepper : Stepper
{
    private readonly int _depth, _d;
    private readonly GroupSpectrum _spectrum;
    private readonly GroupBlockAlgebra<BlockDouble> _algebra;
    private readonly RowMatrix _z;            // rows: packed y_n x_n
    private readonly double[] _c;             // the coordinates' weights
    private readonly double[] _p, _pPrevious, _grad; // L x |G| packed coordinates
    private readonly double[] _cache, _scratch, _packedBeta, _packedG, _margins, _weights;

    /// <summary>The stepper of <paramref name="model"/> on <paramref name="data"/> from <paramref name="initial"/>
    /// (L real layers of |G|, as the model lays them out), <paramref name="threads"/> threads per product.</summary>
    public static GroupFourierStepper Create(GroupConvolutionalFourierNetwork model, Dataset data,
        ReadOnlySpan<double> initial, int threads) =>
        new(new GroupSpectrum(model.Fourier), model.Depth, data, initial, threads);

    /// <summary>A stepper on <paramref name="spectrum"/>'s coordinates (see <see cref="Create"/>).</summary>
    public GroupFourierStepper(GroupSpectrum spectrum, int depth, Dataset data, ReadOnlySpan<double> initial,
        int threads)
    {
        _spectrum = spectrum; _depth = depth; _d = spectrum.Order;
        if (data.Dimension != _d) throw new ArgumentException(
            $"gconv-L{depth}: the group has order {_d} but the data has D = {data.Dimension}.");
        if (initial.Length != depth * _d) throw new ArgumentException(
            $"gconv-L{depth}: expected {depth * _d} parameters, got {initial.Length}.");
        _algebra = new GroupBlockAlgebra<BlockDouble>(spectrum, depth);
        _z = new RowMatrix(Packed(spectrum, data), data.Count, _d, threads);
        _c = spectrum.Weights.ToArray();
        _p = new double[depth * _d]; _pPrevious = new double[_p.Length]; _grad = new double[_p.Length];
        for (int l = 0; l < depth; l++) spectrum.Pack(initial.Slice(l * _d, _d), _p.AsSpan(l * _d, _d));
        _cache = new double[_algebra.CacheLength]; _scratch = new double[_algebra.ScratchLength];
        _packedBeta = new double[_d]; _packedG = new double[_d];
        _margins = new double[data.Count]; _weights = new double[data.Count];
    }

    /// <summary>The data's y_n x_n in packed coordinates (N rows of |G|).</summary>
    internal static double[] Packed(GroupSpectrum spectrum, Dataset data)
    {
        var z = data.SignedFeatures();
        int d = data.Dimension;
        var packed = new double[data.Count * d];
        for (int n = 0; n < data.Count; n++) spectrum.Pack(z.AsSpan(n * d, d), packed.AsSpan(n * d, d));
        return packed;
    }

    /// <inheritdoc/>
    public override string Name => $"group-fourier-L{_depth}";
    /// <inheritdoc/>
    public override int Degree => _depth;
    /// <inheritdoc/>
    public override int ParameterCount => _depth * _d;
    /// <inheritdoc/>
    public override int Dimension => _d;

    /// <inheritdoc/>
    public override double Evaluate(ILoss loss, double marginScale = 1.0)
    {
        _algebra.Predictor(BlockDouble.Cast(_p), BlockDouble.Cast(_cache), BlockDouble.Cast(_packedBeta),
            BlockDouble.Of(marginScale));
        return LossTerms.Evaluate(_z, loss, _packedBeta, _margins, _weights, _packedG);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(_packedBeta);

    /// <summary>sum_l sum_i c_i v_(l,i)^2 (Parseval: the squared norm of the real layers).</summary>
    internal static double WeightedNormSquared(ReadOnlySpan<double> c, ReadOnlySpan<double> v, int depth)
    {
        int d = c.Length;
        double sum = 0;
        for (int l = 0; l < depth; l++)
            for (int i = 0; i < d; i++) { double x = v[l * d + i]; sum += c[i] * (x * x); }
        return sum;
    }

    /// <inheritdoc/>
    public override double ParameterNormSquared() => WeightedNormSquared(_c, _p, _depth);

    /// <inheritdoc/>
    public override double Gradient()
    {
        _algebra.Gradient(BlockDouble.Cast(_cache), BlockDouble.Cast(_packedG), BlockDouble.Cast(_scratch),
            BlockDouble.Cast(_grad));
        return WeightedNormSquared(_c, _grad, _depth);
    }

    /// <inheritdoc/>
    public override void Step(double s)
    {
        _p.CopyTo(_pPrevious, 0);
        Simd.AddScaled(_p, -s, _grad);
    }

    /// <inheritdoc/>
    public override void Scale(double factor) => Simd.Scale(_p, factor);
    /// <inheritdoc/>
    public override void StepBack() => _pPrevious.CopyTo(_p, 0);

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta) => _algebra.Beta(_spectrum, BlockDouble.Cast(_p), beta);

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => _spectrum.UnpackLayers(_p, w);

    /// <inheritdoc/>
    public override void Dispose() => _z.Dispose();
}
