using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImplicitBias.Engine.Numerics;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Steppers;

/// <summary>The data part of a lone run's step under the exponential loss with a lane's bits
/// (<see cref="LaneStepper"/>'s margins, weights and packed gradient, for <see cref="Networks.FourierLoneStepper"/> and
/// <see cref="Networks.DiagonalLoneStepper"/>). (docs/performance.md, "LoneExponentialLoss")</summary>
public sealed class LoneExponentialLoss
{
    private readonly int _n, _d, _np, _dp;
    private readonly double[] _zt, _z, _t; // [i][n] (n padded), [n][i] (i padded), margins then weights [n] (padded)

    /// <summary>The loss of a run on N points whose packed features (N rows of D) are
    /// <paramref name="packed"/>.</summary>
    public LoneExponentialLoss(int count, int dimension, ReadOnlySpan<double> packed)
    {
        _n = count; _d = dimension; _np = Padded(count); _dp = Padded(dimension);
        _zt = new double[_d * _np]; _z = new double[_n * _dp]; _t = new double[_np];
        for (int n = 0; n < _n; n++)
            for (int i = 0; i < _d; i++) { _zt[i * _np + n] = packed[n * _d + i]; _z[n * _dp + i] = packed[n * _d
                + i]; }
    }

    /// <summary><paramref name="count"/> rounded up to a multiple of eight (the padded length of a lone kernel's
    /// arrays).</summary>
    public static int Padded(int count) => (count + 7) / 8 * 8;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Vec At(double[] a, int index) => ref Simd.VectorAt(a, index);

    /// <summary>log L = max + log(sum_n e_n) at the packed predictor <paramref name="pb"/> (D entries, times the margin
    /// scale), and the packed gradient -sum_n q_n z_n into <paramref name="g"/> (padded length), with the bits of a
    /// lane. (docs/performance.md, "LoneExponentialLoss.Evaluate")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(double[] pb, double[] g, bool logLoss = true)
    {
        int n = _n, d = _d, np = _np, dp = _dp;
        // Margins, eight points at a time: t_n = -(chain over i of fma(z_n,i, pb_i, .)) from 0.
        for (int p = 0; p < np; p += 8)
        {
            var acc = Vec.Zero;
            for (int i = 0; i < d; i++) acc = V.FusedMultiplyAdd(At(_zt, i * np + p), V.Create(pb[i]), acc);
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
        // The packed gradient -(chain over n of fma(z_n,i, q_n, .)) from 0, eight coordinates at a time.
        for (int i = 0; i < dp; i += 8)
        {
            var acc = Vec.Zero;
            for (int k = 0; k < n; k++) acc = V.FusedMultiplyAdd(At(_z, k * dp + i), V.Create(_t[k]), acc);
            At(g, i) = -acc;
        }
        return logLoss ? max + Math.Log(sum) : double.NaN;
    }
}
