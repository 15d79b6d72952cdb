using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Training.Batch;

/// <summary>
/// The per-lane operations of <see cref="FourierLaneKernel"/>: scalar code with the same formulas as the
/// vector code, for what one run does on its own (loading a run into a lane; a run alone seen through
/// <see cref="FourierLane"/>: its steps, rescaling, step back and the copies its records take).
/// </summary>
public sealed partial class FourierLaneKernel
{
    /// <summary>
    /// Puts a run into <paramref name="lane"/>: its data (already divided by its scale, as training does; N_lane
    /// &lt;= N points, the lane's points after them padding: features -0, masked) and its initial parameters
    /// (L real layers of length D). The lane's previous parameters are zero.
    /// </summary>
    public void Load(int lane, Dataset data, ReadOnlySpan<double> initial)
    {
        if ((uint)lane >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(lane), $"lane {lane} is not in 0..{Capacity - 1}.");
        if (data.Count > _n || data.Count < 1 || data.Dimension != _d)
            throw new ArgumentException($"FourierLaneKernel: dataset {data.Name} is N = {data.Count}, D = {data.Dimension}; this batch takes 1 <= N <= {_n} and D = {_d}.");
        if (initial.Length != _depth * _d) throw new ArgumentException($"conv-L{_depth}: expected {_depth * _d} parameters, got {initial.Length}.");
        int g = lane / Lanes, j = lane % Lanes, count = data.Count;
        var z = data.SignedFeatures();
        var packed = new double[_d];
        for (int n = 0; n < _n; n++)
        {
            if (n < count) _spectrum.Pack(z.AsSpan(n * _d, _d), packed);
            else Array.Fill(packed, -0.0); // padding: fma(-0, +0, acc) = acc for every acc (PackedGradient)
            for (int i = 0; i < _d; i++) Lane(_z, (g * _n + n) * _d + i, j) = packed[i];
            Unsafe.As<double, long>(ref Lane(_real, g * _n + n, j)) = n < count ? -1L : 0L;
        }
        _counts[lane] = count;
        int from = _n;
        for (int k = g * Lanes; k < (g + 1) * Lanes; k++) from = Math.Min(from, _counts[k]);
        _padFrom[g] = from;
        var re = new double[_h]; var im = new double[_h];
        for (int l = 0; l < _depth; l++)
        {
            _spectrum.Forward(initial.Slice(l * _d, _d), re, im);
            int b = LayerBase(g, l);
            for (int k = 0; k < _h; k++)
            {
                Lane(_re, b + k, j) = re[k]; Lane(_im, b + k, j) = im[k];
                Lane(_rePrevious, b + k, j) = 0; Lane(_imPrevious, b + k, j) = 0;
                Lane(_gradRe, b + k, j) = 0; Lane(_gradIm, b + k, j) = 0;
            }
        }
        for (int i = 0; i < _d; i++) Lane(_packedG, g * _d + i, j) = 0;
        _marginScale[lane] = 1; _logLoss[lane] = 0; _loaded[lane] = true; Lane(_gradientNormSquared, g, j) = 0; Lane(_nonFinite, g, j) = 0;
        Lane(_normSquared, g, j) = ParameterNormSquared(lane);
    }

    /// <summary>
    /// Entry <paramref name="index"/> (0..D-1) of the lane's packed gradient spectrum -sum_n q_n z_n at its group's last
    /// <see cref="Evaluate(int)"/> (for tests: padding must leave every bit of it, the sign of a zero included).
    /// </summary>
    public double PackedGradientEntry(int lane, int index) => Lane(_packedG, lane / Lanes * _d + index, lane % Lanes);

    /// <summary>||w||^2 of a lane (Parseval: sum over layers and k = 0..H-1 of c_k (re^2 + im^2)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double ParameterNormSquared(int lane)
    {
        int g = lane / Lanes, j = lane % Lanes;
        double sum = 0;
        for (int l = 0; l < _depth; l++)
        {
            int b = LayerBase(g, l);
            for (int k = 0; k < _h; k++)
            {
                double re = Lane(_re, b + k, j), im = Lane(_im, b + k, j);
                sum += _c[k] * (re * re + im * im);
            }
        }
        return sum;
    }

    /// <summary>w &lt;- factor w in one lane (a power of two: exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Scale(int lane, double factor)
    {
        int g = lane / Lanes, j = lane % Lanes, b = LayerBase(g, 0);
        for (int i = b; i < b + _depth * _h; i++) { Lane(_re, i, j) *= factor; Lane(_im, i, j) *= factor; }
    }

    /// <summary>One lane's <see cref="Step(int, ReadOnlySpan{double}, ReadOnlySpan{bool})"/>: w &lt;- w - s grad, remembering w.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(int lane, double s)
    {
        int g = lane / Lanes, j = lane % Lanes, b = LayerBase(g, 0);
        for (int i = b; i < b + _depth * _h; i++)
        {
            ref double re = ref Lane(_re, i, j); ref double im = ref Lane(_im, i, j);
            Lane(_rePrevious, i, j) = re; Lane(_imPrevious, i, j) = im;
            re = Math.FusedMultiplyAdd(Lane(_gradRe, i, j), -s, re);
            im = Math.FusedMultiplyAdd(Lane(_gradIm, i, j), -s, im);
        }
    }

    /// <summary>Back to the lane's parameters before its last step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void StepBack(int lane)
    {
        int g = lane / Lanes, j = lane % Lanes, b = LayerBase(g, 0);
        for (int i = b; i < b + _depth * _h; i++) { Lane(_re, i, j) = Lane(_rePrevious, i, j); Lane(_im, i, j) = Lane(_imPrevious, i, j); }
    }

    /// <summary>beta = P(w) of one lane (an inverse transform: for records).</summary>
    public void CopyBeta(int lane, Span<double> beta)
    {
        int g = lane / Lanes, j = lane % Lanes;
        var re = new double[_h]; var im = new double[_h];
        int b0 = LayerBase(g, 0);
        for (int k = 0; k < _h; k++) { re[k] = Lane(_re, b0 + k, j); im[k] = Lane(_im, b0 + k, j); }
        for (int l = 1; l < _depth; l++)
        {
            int b = LayerBase(g, l);
            for (int k = 0; k < _h; k++)
            {
                double a = re[k], bb = im[k], c = Lane(_re, b + k, j), e = Lane(_im, b + k, j);
                re[k] = a * c - bb * e; im[k] = a * e + bb * c;
            }
        }
        _spectrum.InverseReal(re, im, beta);
    }

    /// <summary>The real layers w of one lane, in ConvolutionalNetwork's layout.</summary>
    public void CopyParameters(int lane, Span<double> w)
    {
        int g = lane / Lanes, j = lane % Lanes;
        var re = new double[_h]; var im = new double[_h];
        for (int l = 0; l < _depth; l++)
        {
            int b = LayerBase(g, l);
            for (int k = 0; k < _h; k++) { re[k] = Lane(_re, b + k, j); im[k] = Lane(_im, b + k, j); }
            _spectrum.InverseReal(re, im, w.Slice(l * _d, _d));
        }
    }
}
