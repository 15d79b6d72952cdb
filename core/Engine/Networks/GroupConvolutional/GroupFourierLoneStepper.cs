using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>A lone run of the group-convolutional network with the bits of a lane of
/// <see cref="GroupFourierLaneStepper"/>: the same <see cref="GroupBlockAlgebra{T}"/> on doubles, the lanes' loss
/// (<see cref="LoneExponentialLoss"/>), norms in the same order.
/// (docs/performance.md, "GroupFourierLoneStepper")</summary>
public sealed class GroupFourierLoneStepper : LoneStepper
{
    private readonly GroupSpectrum _spectrum;
    private readonly GroupBlockAlgebra<BlockDouble> _algebra;
    private readonly double[] _c, _p, _pPrevious, _grad, _cache, _scratch; // L x |G| packed coordinates; scratch

    /// <summary>A run of <paramref name="model"/> on <paramref name="data"/> (already scaled) from
    /// <paramref name="initial"/> (L real layers of |G|).</summary>
    public static GroupFourierLoneStepper Create(GroupConvolutionalFourierNetwork model, Dataset data,
        ReadOnlySpan<double> initial) => new(new GroupSpectrum(model.Fourier), model.Depth, data, initial);

    /// <summary>A run on <paramref name="spectrum"/>'s coordinates (see <see cref="Create"/>).</summary>
    public GroupFourierLoneStepper(GroupSpectrum spectrum, int depth, Dataset data, ReadOnlySpan<double> initial)
        : base(depth, data.Count, data.Dimension, GroupFourierStepper.Packed(Checked(spectrum, data), data))
    {
        if (initial.Length != depth * _d) throw new ArgumentException(
            $"gconv-L{depth}: expected {depth * _d} parameters, got {initial.Length}.");
        _spectrum = spectrum;
        _algebra = new GroupBlockAlgebra<BlockDouble>(spectrum, depth);
        _c = spectrum.Weights.ToArray();
        _p = new double[depth * _d]; _pPrevious = new double[_p.Length]; _grad = new double[_p.Length];
        for (int l = 0; l < depth; l++) spectrum.Pack(initial.Slice(l * _d, _d), _p.AsSpan(l * _d, _d));
        _cache = new double[_algebra.CacheLength]; _scratch = new double[_algebra.ScratchLength];
    }

    private static GroupSpectrum Checked(GroupSpectrum spectrum, Dataset data) =>
        data.Dimension == spectrum.Order ? spectrum : throw new ArgumentException(
            $"gconv: the group has order {spectrum.Order} but the data has D = {data.Dimension}.");

    /// <inheritdoc/>
    public override string Name => $"lone-group-fourier-L{_depth}";

    /// <inheritdoc/>
    protected override void FormPredictor(double marginScale) =>
        _algebra.Predictor(BlockDouble.Cast(_p), BlockDouble.Cast(_cache),
            BlockDouble.Cast(_predictor.AsSpan(0, _d)), BlockDouble.Of(marginScale));

    /// <inheritdoc/>
    protected override void LayerGradients() => _algebra.Gradient(BlockDouble.Cast(_cache),
        BlockDouble.Cast(_g.AsSpan(0, _d)), BlockDouble.Cast(_scratch), BlockDouble.Cast(_grad));

    /// <inheritdoc/>
    protected override double GradientNormSquared() => GroupFourierStepper.WeightedNormSquared(_c, _grad, _depth);

    /// <inheritdoc/>
    public override double ParameterNormSquared() => GroupFourierStepper.WeightedNormSquared(_c, _p, _depth);

    /// <inheritdoc/>
    public override void Step(double s)
    {
        for (int i = 0; i < _p.Length; i++)
        {
            _pPrevious[i] = _p[i];
            _p[i] = Math.FusedMultiplyAdd(_grad[i], -s, _p[i]);
        }
    }

    /// <inheritdoc/>
    protected override void StepFromPrevious(double s)
    {
        for (int i = 0; i < _p.Length; i++) _p[i] = Math.FusedMultiplyAdd(_grad[i], -s, _pPrevious[i]);
    }

    /// <inheritdoc/>
    public override void Scale(double factor)
    {
        for (int i = 0; i < _p.Length; i++) _p[i] *= factor;
    }

    /// <inheritdoc/>
    public override void StepBack() => _pPrevious.CopyTo(_p, 0);

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta) => _algebra.Beta(_spectrum, BlockDouble.Cast(_p), beta);

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => _spectrum.UnpackLayers(_p, w);
}
