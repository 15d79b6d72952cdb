using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Training.Kernels;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Training.Batch;

/// <summary>
/// One run of the diagonal network (or the linear model) with the bits of a lane of <see cref="DiagonalLaneKernel"/>,
/// vectorized within the run instead of across runs: a run alone has to give the bits it gets in a batch, and a
/// batch of one computes eight lanes for one (2.8 x slower than <see cref="Kernels.DiagonalStepKernel"/> at D = 16,
/// N = 6). Every number is computed by the lane's scalar operations in the lane's order; only independent chains
/// share a vector: the margins' chains m_n = fma(z_n,i, beta_i, m_n) over i = 0..D-1, eight points n at a time
/// (the features stored transposed); the exponentials (<see cref="LaneExp"/>, the same bits scalar and vector);
/// the gradient's chains acc_i = fma(z_n,i, q_n, acc_i) over n = 0..N-1, eight coordinates i at a time; beta,
/// the layer gradients and the step entry by entry. What is sequential in the lane stays sequential here: the
/// max over n, the sum of the exponentials, and the norms (sums of squares in order). Slow twin: a lane of
/// <see cref="DiagonalLaneKernel"/> (tests compare every bit, batched against alone).
/// </summary>
public sealed class DiagonalLoneKernel : StepKernel
{
    private readonly string _name;
    private readonly int _n, _d, _depth, _nPadded, _dPadded;
    private readonly double[] _zt;        // [i][n], n padded to a multiple of 8 with zeros
    private readonly double[] _z;         // [n][i], i padded to a multiple of 8 with zeros
    private readonly double[] _w, _previous, _grad; // [l][i], i padded
    private readonly double[] _beta, _g, _t; // [i] padded, [i] padded, [n] padded

    /// <summary>A run of the network named <paramref name="name"/> (e.g. "diag-L2", "linear") of depth L on <paramref name="data"/> (already scaled), from <paramref name="initial"/>.</summary>
    public DiagonalLoneKernel(string name, int depth, Dataset data, ReadOnlySpan<double> initial)
    {
        _name = name; _depth = depth; _n = data.Count; _d = data.Dimension;
        if (initial.Length != depth * _d) throw new ArgumentException($"{name}: expected {depth * _d} parameters, got {initial.Length}.");
        _nPadded = (_n + 7) / 8 * 8; _dPadded = (_d + 7) / 8 * 8;
        var z = data.SignedFeatures();
        _zt = new double[_d * _nPadded]; _z = new double[_n * _dPadded];
        for (int n = 0; n < _n; n++)
            for (int i = 0; i < _d; i++) { _zt[i * _nPadded + n] = z[n * _d + i]; _z[n * _dPadded + i] = z[n * _d + i]; }
        _w = new double[depth * _dPadded]; _previous = new double[_w.Length]; _grad = new double[_w.Length];
        for (int l = 0; l < depth; l++) initial.Slice(l * _d, _d).CopyTo(_w.AsSpan(l * _dPadded, _d));
        _beta = new double[_dPadded]; _g = new double[_dPadded]; _t = new double[_nPadded];
    }

    /// <inheritdoc/>
    public override string Name => $"lone-{_name}";
    /// <inheritdoc/>
    public override int Degree => _depth;
    /// <inheritdoc/>
    public override int ParameterCount => _depth * _d;
    /// <inheritdoc/>
    public override int Dimension => _d;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Vec At(double[] a, int index) => ref Unsafe.As<double, Vec>(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(a), index));

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Evaluate(ILoss loss, double marginScale = 1)
    {
        if (loss is not ExponentialLoss) throw new ArgumentException($"{Name} trains the exponential loss only, not {loss.Name}.");
        int n = _n, d = _d, np = _nPadded, dp = _dPadded;
        var ms = V.Create(marginScale);
        // beta_i = w_1,i ... w_L,i times the margin scale (the lane's PackedPredictor); padding entries stay 0.
        for (int i = 0; i < dp; i += 8)
        {
            var b = At(_w, i);
            for (int l = 1; l < _depth; l++) b *= At(_w, l * dp + i);
            At(_beta, i) = b * ms;
        }
        // Margins, eight points at a time: t_n = -(chain over i of fma(z_n,i, beta_i, .)) from 0.
        for (int p = 0; p < np; p += 8)
        {
            var acc = Vec.Zero;
            for (int i = 0; i < d; i++) acc = V.FusedMultiplyAdd(At(_zt, i * np + p), V.Create(_beta[i]), acc);
            At(_t, p) = -acc;
        }
        // Weights: the max and the sum in order, the exponentials eight at a time.
        double max = double.NegativeInfinity;
        for (int k = 0; k < n; k++) if (_t[k] > max) max = _t[k];
        var maxV = V.Create(max);
        for (int p = 0; p < np; p += 8) At(_t, p) = LaneExp.Exp(At(_t, p) - maxV);
        double sum = 0;
        for (int k = 0; k < n; k++) sum += _t[k];
        double inverse = 1.0 / sum;
        for (int k = 0; k < n; k++) _t[k] *= inverse;
        // g_i = -(chain over n of fma(z_n,i, q_n, .)) from 0, eight coordinates at a time.
        for (int i = 0; i < dp; i += 8)
        {
            var acc = Vec.Zero;
            for (int k = 0; k < n; k++) acc = V.FusedMultiplyAdd(At(_z, k * dp + i), V.Create(_t[k]), acc);
            At(_g, i) = -acc;
        }
        return max + Math.Log(sum);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite()
    {
        for (int i = 0; i < _d; i++) if (!double.IsFinite(_beta[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Gradient()
    {
        int dp = _dPadded;
        for (int i = 0; i < dp; i += 8)
        {
            var suffix = Vec.One;
            for (int l = _depth - 1; l >= 0; l--) { At(_grad, l * dp + i) = suffix; suffix *= At(_w, l * dp + i); }
            var prefix = At(_g, i);
            for (int l = 0; l < _depth; l++) { At(_grad, l * dp + i) *= prefix; prefix *= At(_w, l * dp + i); }
        }
        return SumOfSquares(_grad);
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
