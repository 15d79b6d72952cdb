using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>The step of the diagonal network of depth L, beta = w_1 .* ... .* w_L, and of the linear model (L = 1, beta
/// = w), under the exponential loss, for many runs at once, one run per lane.
/// (docs/performance.md, "DiagonalLaneStepper")</summary>
public sealed class DiagonalLaneStepper : LaneStepper
{
    private readonly string _name;
    private readonly Vec[] _w, _wPrevious, _grad; // [group][l][i]

    /// <summary>An empty batch for the network named <paramref name="name"/> (its
    /// <see cref="Networks.IParameterization.Name"/>, e.g. "diag-L2" or "linear") of depth L: <paramref name="groups"/>
    /// groups of eight runs in dimension D, each on at most N points.</summary>
    public DiagonalLaneStepper(string name, int depth, int count, int dimension, int groups) : base(depth, count,
        dimension, groups)
    {
        _name = name;
        int size = groups * depth * dimension;
        _w = new Vec[size]; _wPrevious = new Vec[size]; _grad = new Vec[size];
    }

    /// <inheritdoc/>
    public override string Name => $"lanes-{_name}";

    private int LayerBase(int group, int layer) => (group * _depth + layer) * _d;

    /// <summary>beta_i = w_1,i w_2,i ... w_L,i (left to right) times the margin scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override Vec PackedPredictor(int group, ref Vec pb, Vec ms)
    {
        int d = _d, depth = _depth;
        ref Vec w = ref Unsafe.Add(ref Data(_w), LayerBase(group, 0));
        var nonFinite = Vec.Zero;
        for (int i = 0; i < d; i++)
        {
            var beta = Unsafe.Add(ref w, i);
            for (int l = 1; l < depth; l++) beta *= Unsafe.Add(ref w, l * d + i);
            var v = beta * ms;
            Unsafe.Add(ref pb, i) = v;
            nonFinite += v * Vec.Zero; // NaN in a lane with an infinite or NaN entry
        }
        return nonFinite;
    }

    /// <summary>grad_l = s_l p_l with the suffix s_l = 1 w_L ... w_{l+1} (from the last layer down) and the prefix p_l
    /// = g w_1 ... w_{l-1} (from g up), entry by entry; ||grad||^2 layer by layer (unless <paramref name="norm"/> is
    /// false: the midpoint's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gradient(int group, bool norm)
    {
        int d = _d, depth = _depth;
        ref Vec w = ref Unsafe.Add(ref Data(_w), LayerBase(group, 0));
        ref Vec grad = ref Unsafe.Add(ref Data(_grad), LayerBase(group, 0));
        ref Vec g = ref Unsafe.Add(ref Data(_packedG), group * d);
        for (int i = 0; i < d; i++)
        {
            var suffix = Vec.One;
            for (int l = depth - 1; l >= 0; l--) { Unsafe.Add(ref grad,
                l * d + i) = suffix; suffix *= Unsafe.Add(ref w, l * d + i); }
            var prefix = Unsafe.Add(ref g, i);
            for (int l = 0; l < depth; l++) { Unsafe.Add(ref grad, l * d + i) *= prefix; prefix *= Unsafe.Add(ref w,
                l * d + i); }
        }
        if (norm) _gradientNormSquared[group] = SumOfSquares(ref grad);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take,
        ReadOnlySpan<bool> back, bool norm = true)
    {
        var (mask, backMask, minus) = StepLanes(multipliers, take, back);
        bool all = mask.Equals(Vec.AllBitsSet), none = backMask.Equals(Vec.Zero);
        int b = LayerBase(group, 0), count = _depth * _d;
        ref Vec w = ref Unsafe.Add(ref Data(_w), b);
        ref Vec previous = ref Unsafe.Add(ref Data(_wPrevious), b);
        ref Vec grad = ref Unsafe.Add(ref Data(_grad), b);
        if (all && none)
            for (int i = 0; i < count; i++)
            {
                ref Vec x = ref Unsafe.Add(ref w, i);
                Unsafe.Add(ref previous, i) = x;
                x = V.FusedMultiplyAdd(Unsafe.Add(ref grad, i), minus, x);
            }
        else if (all && backMask.Equals(Vec.AllBitsSet))
            for (int i = 0; i < count; i++) // every lane steps from its previous iterate, which stays: the values below
                Unsafe.Add(ref w, i) = V.FusedMultiplyAdd(Unsafe.Add(ref grad, i), minus, Unsafe.Add(ref previous, i));
        else
            for (int i = 0; i < count; i++)
            {
                ref Vec x = ref Unsafe.Add(ref w, i); ref Vec p = ref Unsafe.Add(ref previous, i);
                var from = V.ConditionalSelect(backMask, p, x);
                p = V.ConditionalSelect(mask, from, p);
                x = V.ConditionalSelect(mask, V.FusedMultiplyAdd(Unsafe.Add(ref grad, i), minus, from), from);
            }
        if (norm) _normSquared[group] = V.ConditionalSelect(mask, SumOfSquares(ref w), _normSquared[group]);
    }

    /// <summary>sum of x^2 over the group's L layers of D entries starting at <paramref name="x"/>, in order (the bits
    /// of <see cref="ParameterNormSquared"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vec SumOfSquares(ref Vec x)
    {
        var sum = Vec.Zero;
        for (int i = 0; i < _depth * _d; i++) { var v = Unsafe.Add(ref x, i); sum += v * v; }
        return sum;
    }

    /// <inheritdoc/>
    protected override void PackFeatures(ReadOnlySpan<double> features, Span<double> packed) => features.CopyTo(packed);

    /// <inheritdoc/>
    protected override void LoadParameters(int group, int lane, ReadOnlySpan<double> initial)
    {
        int b = LayerBase(group, 0);
        for (int i = 0; i < _depth * _d; i++) { Lane(_w, b + i, lane) = initial[i]; Lane(_wPrevious, b + i,
            lane) = 0; Lane(_grad, b + i, lane) = 0; }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ParameterNormSquared(int lane)
    {
        int b = LayerBase(lane / Lanes, 0), j = lane % Lanes;
        double sum = 0;
        for (int i = 0; i < _depth * _d; i++) { double v = Lane(_w, b + i, j); sum += v * v; }
        return sum;
    }

    /// <inheritdoc/>
    public override void Scale(int lane, double factor)
    {
        int b = LayerBase(lane / Lanes, 0), j = lane % Lanes;
        for (int i = 0; i < _depth * _d; i++) Lane(_w, b + i, j) *= factor;
    }

    /// <inheritdoc/>
    public override void Step(int lane, double s)
    {
        int b = LayerBase(lane / Lanes, 0), j = lane % Lanes;
        for (int i = 0; i < _depth * _d; i++)
        {
            ref double x = ref Lane(_w, b + i, j);
            Lane(_wPrevious, b + i, j) = x;
            x = Math.FusedMultiplyAdd(Lane(_grad, b + i, j), -s, x);
        }
    }

    /// <inheritdoc/>
    public override void StepBack(int lane)
    {
        int b = LayerBase(lane / Lanes, 0), j = lane % Lanes;
        for (int i = 0; i < _depth * _d; i++) Lane(_w, b + i, j) = Lane(_wPrevious, b + i, j);
    }

    /// <inheritdoc/>
    public override void CopyBeta(int lane, Span<double> beta)
    {
        int b = LayerBase(lane / Lanes, 0), j = lane % Lanes;
        for (int i = 0; i < _d; i++)
        {
            double v = Lane(_w, b + i, j);
            for (int l = 1; l < _depth; l++) v *= Lane(_w, b + l * _d + i, j);
            beta[i] = v;
        }
    }

    /// <inheritdoc/>
    public override void CopyParameters(int lane, Span<double> w)
    {
        int b = LayerBase(lane / Lanes, 0), j = lane % Lanes;
        for (int i = 0; i < _depth * _d; i++) w[i] = Lane(_w, b + i, j);
    }
}
