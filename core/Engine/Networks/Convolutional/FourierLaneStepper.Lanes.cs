using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Networks;

/// <summary>The per-lane operations of <see cref="FourierLaneStepper"/>: scalar code with the same formulas as the
/// vector code, for what one lane does on its own. (docs/performance.md, "FourierLaneStepper")</summary>
public sealed partial class FourierLaneStepper
{
    /// <inheritdoc/>
    protected override void PackFeatures(ReadOnlySpan<double> features,
        Span<double> packed) => _spectrum.Pack(features, packed);

    /// <inheritdoc/>
    protected override void LoadParameters(int g, int j, ReadOnlySpan<double> initial)
    {
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
    }

    /// <summary>||w||^2 of a lane (Parseval: sum over layers and k = 0..H-1 of c_k (re^2 + im^2)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ParameterNormSquared(int lane)
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
    public override void Scale(int lane, double factor)
    {
        int g = lane / Lanes, j = lane % Lanes, b = LayerBase(g, 0);
        for (int i = b; i < b + _depth * _h; i++) { Lane(_re, i, j) *= factor; Lane(_im, i, j) *= factor; }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(int lane, double s)
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
    public override void StepBack(int lane)
    {
        int g = lane / Lanes, j = lane % Lanes, b = LayerBase(g, 0);
        for (int i = b; i < b + _depth * _h; i++) { Lane(_re, i, j) = Lane(_rePrevious, i, j); Lane(_im, i,
            j) = Lane(_imPrevious, i, j); }
    }

    /// <summary>beta = P(w) of one lane (an inverse transform: for records).</summary>
    public override void CopyBeta(int lane, Span<double> beta)
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
    public override void CopyParameters(int lane, Span<double> w)
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
