using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>Many runs of the group-convolutional network under the exponential loss, one per lane: the layers'
/// packed coordinates (<see cref="GroupSpectrum"/>) lane-interleaved, the block algebra of
/// <see cref="GroupBlockAlgebra{T}"/> on Vector512, each lane with the bits of <see cref="GroupFourierLoneStepper"/>.
/// (docs/performance.md, "GroupFourierLaneStepper")</summary>
public sealed partial class GroupFourierLaneStepper : LaneStepper
{
    private readonly GroupSpectrum _spectrum;
    private readonly GroupBlockAlgebra<BlockLanes> _algebra;
    private readonly GroupBlockAlgebra<BlockDouble> _lone; // the same operations on one lane (CopyBeta)
    private readonly double[] _c;
    private readonly Vec[] _cv;
    private readonly Vec[] _p, _pPrevious, _grad; // [group][l][i]
    private readonly Vec[] _cache, _scratch;      // [group][...] the algebra's cache; one scratch

    /// <summary>True when runs of <paramref name="model"/> under <paramref name="loss"/> on N points of D train in
    /// lanes (alone with <see cref="Alone"/>, batched with <see cref="Batch"/>).</summary>
    public static bool Applies(IParameterization model, ILoss loss, int count, int dimension) =>
        model is GroupConvolutionalFourierNetwork && LaneStepper.Fits(loss, count, dimension);

    /// <summary>An empty batch of <paramref name="groups"/> groups for runs of <paramref name="model"/> on at most
    /// <paramref name="count"/> points.</summary>
    public static GroupFourierLaneStepper Batch(IParameterization model, int count, int dimension, int groups)
    {
        var net = (GroupConvolutionalFourierNetwork)model;
        if (dimension != net.Dimension) throw new ArgumentException(
            $"{net.Name}: D = {dimension}, but the group has order {net.Dimension}.");
        return new GroupFourierLaneStepper(new GroupSpectrum(net.Fourier), net.Depth, count, groups);
    }

    /// <summary>A run alone with a lane's bits (data already scaled).</summary>
    public static GroupFourierLoneStepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        GroupFourierLoneStepper.Create((GroupConvolutionalFourierNetwork)model, data, initial);

    /// <summary>An empty batch of <paramref name="groups"/> groups of eight runs of depth L on
    /// <paramref name="spectrum"/>'s group, each on at most N points.</summary>
    public GroupFourierLaneStepper(GroupSpectrum spectrum, int depth, int count, int groups)
        : base(depth, count, spectrum.Order, groups)
    {
        _spectrum = spectrum;
        _algebra = new GroupBlockAlgebra<BlockLanes>(spectrum, depth);
        _lone = new GroupBlockAlgebra<BlockDouble>(spectrum, depth);
        _c = spectrum.Weights.ToArray();
        _cv = _c.Select(V.Create).ToArray();
        int size = groups * depth * _d;
        _p = new Vec[size]; _pPrevious = new Vec[size]; _grad = new Vec[size];
        _cache = new Vec[groups * _algebra.CacheLength]; _scratch = new Vec[_algebra.ScratchLength];
    }

    /// <inheritdoc/>
    public override string Name => $"lanes-group-fourier-L{_depth}";

    private int Base(int group) => group * _depth * _d;
    private Span<Vec> Layers(Vec[] a, int group) => a.AsSpan(Base(group), _depth * _d);
    private Span<Vec> Cache(int group) => _cache.AsSpan(group * _algebra.CacheLength, _algebra.CacheLength);

    /// <inheritdoc/>
    protected override Vec PackedPredictor(int group, ref Vec pb, Vec marginScale) =>
        _algebra.Predictor(BlockLanes.Cast(Layers(_p, group)), BlockLanes.Cast(Cache(group)),
            BlockLanes.Cast(MemoryMarshal.CreateSpan(ref pb, _d)), new BlockLanes(marginScale)).Value;

    /// <inheritdoc/>
    public override void Gradient(int group, bool norm)
    {
        var grad = Layers(_grad, group);
        _algebra.Gradient(BlockLanes.Cast(Cache(group)), BlockLanes.Cast(_packedG.AsSpan(group * _d, _d)),
            BlockLanes.Cast(_scratch), BlockLanes.Cast(grad));
        if (norm) _gradientNormSquared[group] = NormSquared(grad);
    }

    /// <summary>sum over layers and coordinates of c_i x^2, in that order (the lone stepper's norms).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vec NormSquared(ReadOnlySpan<Vec> v)
    {
        var sum = Vec.Zero;
        for (int l = 0; l < _depth; l++)
            for (int i = 0; i < _d; i++) { var x = v[l * _d + i]; sum += _cv[i] * (x * x); }
        return sum;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take,
        ReadOnlySpan<bool> back, bool norm = true)
    {
        var (mask, backMask, minus) = StepLanes(multipliers, take, back);
        bool all = mask.Equals(Vec.AllBitsSet), none = backMask.Equals(Vec.Zero);
        var p = Layers(_p, group); var previous = Layers(_pPrevious, group); var grad = Layers(_grad, group);
        if (all && none)
            for (int i = 0; i < p.Length; i++)
            {
                var x = p[i];
                previous[i] = x;
                p[i] = V.FusedMultiplyAdd(grad[i], minus, x);
            }
        else if (all && backMask.Equals(Vec.AllBitsSet))
            for (int i = 0; i < p.Length; i++) p[i] = V.FusedMultiplyAdd(grad[i], minus, previous[i]);
        else
            for (int i = 0; i < p.Length; i++)
            {
                var x = V.ConditionalSelect(backMask, previous[i], p[i]);
                previous[i] = V.ConditionalSelect(mask, x, previous[i]);
                p[i] = V.ConditionalSelect(mask, V.FusedMultiplyAdd(grad[i], minus, x), x);
            }
        if (norm) _normSquared[group] = V.ConditionalSelect(mask, NormSquared(p), _normSquared[group]);
    }
}
