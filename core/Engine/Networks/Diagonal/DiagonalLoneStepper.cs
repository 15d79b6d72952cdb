using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Steppers;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>A lone run of the diagonal network (or the linear model) with the bits of a lane of
/// <see cref="DiagonalLaneStepper"/>: beta, the layer gradients (suffix from 1 down, prefix from g up) and the step
/// eight coordinates at a time, the norms sequential. (docs/performance.md, "DiagonalLoneStepper")</summary>
public sealed class DiagonalLoneStepper : LoneStepper
{
    private readonly string _name;
    private readonly int _dPadded;
    private readonly double[] _w, _previous, _grad; // [l][i], i padded

    /// <summary>A run of the network named <paramref name="name"/> (e.g. "diag-L2", "linear") of depth L on
    /// <paramref name="data"/> (already scaled), from <paramref name="initial"/>.</summary>
    public DiagonalLoneStepper(string name, int depth, Dataset data, ReadOnlySpan<double> initial)
        : base(depth, data.Count, data.Dimension, data.SignedFeatures()) // the packed basis is the input's own
    {
        _name = name;
        if (initial.Length != depth
            * _d) throw new ArgumentException($"{name}: expected {depth * _d} parameters, got {initial.Length}.");
        _dPadded = LoneExponentialLoss.Padded(_d);
        _w = new double[depth * _dPadded]; _previous = new double[_w.Length]; _grad = new double[_w.Length];
        for (int l = 0; l < depth; l++) initial.Slice(l * _d, _d).CopyTo(_w.AsSpan(l * _dPadded, _d));
    }

    /// <inheritdoc/>
    public override string Name => $"lone-{_name}";
    /// <summary>beta times the margin scale into _predictor.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FormPredictor(double marginScale)
    {
        int dp = _dPadded;
        var ms = V.Create(marginScale);
        // beta_i = w_1,i ... w_L,i times the margin scale (the lane's PackedPredictor); padding entries stay 0.
        for (int i = 0; i < dp; i += 8)
        {
            var b = At(_w, i);
            for (int l = 1; l < _depth; l++) b *= At(_w, l * dp + i);
            At(_predictor, i) = b * ms;
        }
    }

    /// <summary>grad_l = s_l p_l (the lane's suffix and prefix products) into _grad.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void LayerGradients()
    {
        int dp = _dPadded;
        for (int i = 0; i < dp; i += 8)
        {
            var suffix = Vec.One;
            for (int l = _depth - 1; l >= 0; l--) { At(_grad, l * dp + i) = suffix; suffix *= At(_w, l * dp + i); }
            var prefix = At(_g, i);
            for (int l = 0; l < _depth; l++) { At(_grad, l * dp + i) *= prefix; prefix *= At(_w, l * dp + i); }
        }
    }

    /// <summary>sum of x^2 over the L layers' D entries, layer by layer, in order (the lane's norms).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double SumOfSquares(double[] x)
    {
        double sum = 0;
        for (int l = 0; l < _depth; l++)
            for (int i = l * _dPadded; i < l * _dPadded + _d; i++) sum += x[i] * x[i];
        return sum;
    }

    /// <inheritdoc/>
    protected override double GradientNormSquared() => SumOfSquares(_grad);

    /// <inheritdoc/>
    public override double ParameterNormSquared() => SumOfSquares(_w);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(double s)
    {
        var minus = V.Create(-s);
        for (int i = 0; i < _w.Length; i += 8)
        {
            ref Vec w = ref At(_w, i);
            At(_previous, i) = w;
            w = V.FusedMultiplyAdd(At(_grad, i), minus, w);
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void StepFromPrevious(double s)
    {
        var minus = V.Create(-s);
        for (int i = 0; i < _w.Length; i += 8) At(_w, i) = V.FusedMultiplyAdd(At(_grad, i), minus, At(_previous, i));
    }

    /// <inheritdoc/>
    public override void Scale(double factor)
    {
        var f = V.Create(factor);
        for (int i = 0; i < _w.Length; i += 8) At(_w, i) *= f;
    }

    /// <inheritdoc/>
    public override void StepBack() => _previous.CopyTo(_w, 0);

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta)
    {
        for (int i = 0; i < _d; i++)
        {
            double v = _w[i];
            for (int l = 1; l < _depth; l++) v *= _w[l * _dPadded + i];
            beta[i] = v;
        }
    }

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w)
    {
        for (int l = 0; l < _depth; l++) _w.AsSpan(l * _dPadded, _d).CopyTo(w.Slice(l * _d, _d));
    }
}
