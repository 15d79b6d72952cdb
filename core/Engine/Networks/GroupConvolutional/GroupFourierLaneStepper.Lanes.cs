using System.Runtime.CompilerServices;

namespace ImplicitBias.Engine.Networks;

/// <summary>The per-lane operations of <see cref="GroupFourierLaneStepper"/>: scalar code with the same formulas as
/// the vector code, for what one lane does on its own. (docs/performance.md, "GroupFourierLaneStepper")</summary>
public sealed partial class GroupFourierLaneStepper
{
    /// <inheritdoc/>
    protected override void PackFeatures(ReadOnlySpan<double> features, Span<double> packed) =>
        _spectrum.Pack(features, packed);

    /// <inheritdoc/>
    protected override void LoadParameters(int g, int j, ReadOnlySpan<double> initial)
    {
        var packed = new double[_d];
        for (int l = 0; l < _depth; l++)
        {
            _spectrum.Pack(initial.Slice(l * _d, _d), packed);
            int b = Base(g) + l * _d;
            for (int i = 0; i < _d; i++)
            {
                Lane(_p, b + i, j) = packed[i]; Lane(_pPrevious, b + i, j) = 0; Lane(_grad, b + i, j) = 0;
            }
        }
    }

    /// <summary>The lane's packed coordinates (L x |G|).</summary>
    private double[] LaneLayers(int lane)
    {
        int g = lane / Lanes, j = lane % Lanes, b = Base(g);
        var p = new double[_depth * _d];
        for (int i = 0; i < p.Length; i++) p[i] = Lane(_p, b + i, j);
        return p;
    }

    /// <summary>||w||^2 of a lane (sum over layers and coordinates of c_i x^2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ParameterNormSquared(int lane) =>
        GroupFourierStepper.WeightedNormSquared(_c, LaneLayers(lane), _depth);

    /// <inheritdoc/>
    public override void Scale(int lane, double factor)
    {
        int g = lane / Lanes, j = lane % Lanes, b = Base(g);
        for (int i = b; i < b + _depth * _d; i++) Lane(_p, i, j) *= factor;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(int lane, double s)
    {
        int g = lane / Lanes, j = lane % Lanes, b = Base(g);
        for (int i = b; i < b + _depth * _d; i++)
        {
            ref double p = ref Lane(_p, i, j);
            Lane(_pPrevious, i, j) = p;
            p = Math.FusedMultiplyAdd(Lane(_grad, i, j), -s, p);
        }
    }

    /// <inheritdoc/>
    public override void StepBack(int lane)
    {
        int g = lane / Lanes, j = lane % Lanes, b = Base(g);
        for (int i = b; i < b + _depth * _d; i++) Lane(_p, i, j) = Lane(_pPrevious, i, j);
    }

    /// <inheritdoc/>
    public override void CopyBeta(int lane, Span<double> beta) =>
        _lone.Beta(_spectrum, BlockDouble.Cast(LaneLayers(lane)), beta);

    /// <inheritdoc/>
    public override void CopyParameters(int lane, Span<double> w) => _spectrum.UnpackLayers(LaneLayers(lane), w);
}
