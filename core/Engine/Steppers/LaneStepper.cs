using ImplicitBias.Engine.Losses;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Steppers;

/// <summary>Many runs of one product network (conv, diag, linear, fc) under the exponential loss, one run per lane of
/// a Vector512&lt;double&gt;, stored lane-interleaved so that every operation of a step is one vector operation for
/// eight runs, with the bits of each run alone. (docs/performance.md, "LaneStepper")</summary>
public abstract class LaneStepper
{
    /// <summary>Largest N * D trained in lanes: above it a run's own SIMD over D with threads (FourierStepper,
    /// DiagonalStepper) is the better use of the cores. It decides single runs' stepper too (a run alone has its lane's
    /// bits). (docs/performance.md, "LaneStepper.MaxValues")</summary>
    public const int MaxValues = 1 << 10;

    /// <summary>True when runs of this loss and data size train in lanes: the exponential loss (the lanes compute
    /// its softmax weights) and N * D at most <see cref="MaxValues"/>. The families add their own conditions.</summary>
    public static bool Fits(ILoss loss, int count, int dimension) =>
        loss is ExponentialLoss && (long)count * dimension <= MaxValues;

    /// <summary>Runs per group: the lanes of a Vector512&lt;double&gt;.</summary>
    public const int Lanes = 8;

    /// <summary>N, D, L, groups.</summary>
    protected readonly int _n, _d, _depth, _groups;
    /// <summary>[group][n][i]: the lanes' features y_n x_n in the network's packed basis (-0 for padding).</summary>
    protected readonly Vec[] _z;
    /// <summary>[group][i]: the packed predictor at the margin scale; [group][i]: the packed gradient -sum_n q_n
    /// z_n.</summary>
    protected readonly Vec[] _packedBeta, _packedG;
    private readonly Vec[] _t;                      // [group][n]: margins, then weights
    // [group][n]: all bits set in the lanes where point n is real (n < N_lane), zero where it is padding
    private readonly Vec[] _real;
    private readonly int[] _counts;                 // [lane]: N_lane
    private readonly int[] _padFrom;                // [group]: the smallest N_lane of the group's lanes (N: no padding)
    private readonly double[] _marginScale, _logLoss;
    // lanes that ever held a run: the others' log L is not computed (a run alone uses one lane of eight)
    private readonly bool[] _loaded;
    /// <summary>[group]: ||grad||^2 (set by Gradient with its norm), ||w||^2 (set by Load and by Step with its norm; a
    /// midpoint's half step leaves it), read per lane.</summary>
    protected readonly Vec[] _gradientNormSquared, _normSquared;
    // [group]: the predictor's finiteness; Weights' max_n t_n and sum_n e_n, for the lanes' log L
    private readonly Vec[] _nonFinite, _max, _sum;

    /// <summary>An empty batch of <paramref name="groups"/> groups of eight runs of depth L in dimension D, each on at
    /// most N points.</summary>
    protected LaneStepper(int depth, int count, int dimension, int groups)
    {
        if (depth < 1 || count < 1 || dimension < 1 || groups < 1)
            throw new ArgumentException($"{GetType().Name}: depth {depth}, N {count}, D {dimension} and groups " +
                                        $"{groups} must all be at least 1.");
        _depth = depth; _n = count; _d = dimension; _groups = groups;
        _z = new Vec[groups * count * dimension];
        _packedG = new Vec[groups * dimension];
        _packedBeta = new Vec[groups * dimension]; _t = new Vec[groups * count];
        _real = new Vec[groups * count]; Array.Fill(_real, Vec.AllBitsSet);
        _padFrom = new int[groups]; Array.Fill(_padFrom, count);
        int lanes = groups * Lanes;
        _counts = new int[lanes]; Array.Fill(_counts, count);
        _marginScale = new double[lanes]; _logLoss = new double[lanes]; _loaded = new bool[lanes];
        _gradientNormSquared = new Vec[groups]; _normSquared = new Vec[groups]; _nonFinite = new Vec[groups];
        _max = new Vec[groups]; _sum = new Vec[groups];
        Array.Fill(_marginScale, 1.0);
    }

    /// <summary>The name of a lane seen as a step kernel (<see cref="LaneView"/>), e.g.
    /// "lanes-fourier-conv-L2".</summary>
    public abstract string Name { get; }
    /// <summary>Depth L (the homogeneity degree).</summary>
    public int Depth => _depth;
    /// <summary>Parameters of one run: L layers of D for the product networks (the fc network has its own
    /// count).</summary>
    public virtual int ParameterCount => _depth * _d;
    /// <summary>N: the most points a lane's run may have (fewer are padded).</summary>
    public int Count => _n;
    /// <summary>N_lane: the points of the run in the lane (as of its last <see cref="Load"/>; N for a lane never
    /// loaded).</summary>
    public int LaneCount(int lane) => _counts[lane];
    /// <summary>D.</summary>
    public int Dimension => _d;
    /// <summary>Groups of eight lanes.</summary>
    public int Groups => _groups;
    /// <summary>Lanes (runs) in all.</summary>
    public int Capacity => _groups * Lanes;

    /// <summary>Lane <paramref name="lane"/> of entry <paramref name="index"/> of a lane-interleaved array.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ref double Lane(Vec[] a, int index, int lane) =>
        ref Unsafe.Add(ref Unsafe.As<Vec, double>(ref a[index]), lane);

    /// <summary>The first element of an array, for the unchecked (Unsafe.Add) access of the hot loops: every index they
    /// form is inside the array by construction (the layout above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ref Vec Data(Vec[] a) => ref MemoryMarshal.GetArrayDataReference(a);

    /// <summary>Sets the factor the next <see cref="Evaluate(int)"/> applies to the lane's margins.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetMarginScale(int lane, double marginScale) => _marginScale[lane] = marginScale;
    /// <summary>log L of the lane at the last <see cref="Evaluate(int)"/> of its group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double LogLoss(int lane) => _logLoss[lane];
    /// <summary>False when the lane's scaled predictor had a non-finite entry at the last
    /// <see cref="Evaluate(int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PredictorIsFinite(int lane) => Lane(_nonFinite, lane / Lanes, lane % Lanes) == 0;
    /// <summary>||grad||^2 of the lane at the last <see cref="Gradient(int, bool)"/> of its group with its norm (not
    /// the midpoint's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double GradientNormSquared(int lane) => Lane(_gradientNormSquared, lane / Lanes, lane % Lanes);
    /// <summary>||w||^2 of the lane as of its last <see cref="Load"/> or Step with its norm (the same bits as
    /// <see cref="ParameterNormSquared"/>). Between a midpoint's half step (no norm) and its full step it is the value
    /// before the half step.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double CachedParameterNormSquared(int lane) => Lane(_normSquared, lane / Lanes, lane % Lanes);

    /// <summary>log L, the predictor's finiteness and the packed gradient of the eight lanes of
    /// <paramref name="group"/>, each at its own margin scale. A function of each lane's parameters and margin scale
    /// only: evaluating a group again recomputes the other lanes' values bit for bit.</summary>
    public void Evaluate(int group) => Evaluate(group, group + 1, default);

    /// <summary><see cref="Evaluate(int)"/> of the groups from <paramref name="from"/> up to
    /// <paramref name="to"/> (exclusive). (docs/performance.md, "LaneStepper.Evaluate")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Evaluate(int from, int to, ReadOnlySpan<bool> busy, bool logLoss = true)
    {
        for (int g = from; g < to; g++) if (busy.IsEmpty || busy[g]) Margins(g);
        for (int g = from; g < to; g++) if (busy.IsEmpty || busy[g]) Weights(g, logLoss);
        for (int g = from; g < to; g++) if (busy.IsEmpty || busy[g]) PackedGradient(g);
    }

    /// <summary>Writes the group's packed predictor, each lane's beta times its margin scale
    /// <paramref name="marginScale"/>, into <paramref name="pb"/> (D entries) and returns zero in the lanes where every
    /// entry is finite (NaN elsewhere).</summary>
    protected abstract Vec PackedPredictor(int group, ref Vec pb, Vec marginScale);

    /// <summary>The group's packed predictor (at its margin scale), its finiteness and t_n = -m_n (into _t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Margins(int group)
    {
        int d = _d, count = _n;
        ref Vec pb = ref Unsafe.Add(ref Data(_packedBeta), group * d);
        _nonFinite[group] = PackedPredictor(group, ref pb, V.Create<double>(_marginScale.AsSpan(group * Lanes, Lanes)));
        ref Vec z = ref Unsafe.Add(ref Data(_z), group * count * d);
        ref Vec t = ref Unsafe.Add(ref Data(_t), group * count);
        // Margins: for each point the chain m = fma(z_i, pb_i, m), i = 0..D-1, four points at a time.
        int n = 0;
        for (; n + 4 <= count; n += 4)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            ref Vec z0 = ref Unsafe.Add(ref z, n * d);
            ref Vec z1 = ref Unsafe.Add(ref z0, d); ref Vec z2 = ref Unsafe.Add(ref z1,
                d); ref Vec z3 = ref Unsafe.Add(ref z2, d);
            for (int i = 0; i < d; i++)
            {
                var p = Unsafe.Add(ref pb, i);
                a0 = V.FusedMultiplyAdd(Unsafe.Add(ref z0, i), p, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref z1, i),
                    p, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref z2, i), p, a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref z3, i),
                    p, a3);
            }
            Unsafe.Add(ref t, n) = -a0; Unsafe.Add(ref t, n + 1) = -a1; Unsafe.Add(ref t,
                n + 2) = -a2; Unsafe.Add(ref t, n + 3) = -a3;
        }
        for (; n + 2 <= count; n += 2)
        {
            var a0 = Vec.Zero; var a1 = a0;
            ref Vec z0 = ref Unsafe.Add(ref z, n * d); ref Vec z1 = ref Unsafe.Add(ref z0, d);
            for (int i = 0; i < d; i++)
            {
                var p = Unsafe.Add(ref pb, i);
                a0 = V.FusedMultiplyAdd(Unsafe.Add(ref z0, i), p, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref z1, i),
                    p, a1);
            }
            Unsafe.Add(ref t, n) = -a0; Unsafe.Add(ref t, n + 1) = -a1;
        }
        for (; n < count; n++)
        {
            var a = Vec.Zero;
            ref Vec zn = ref Unsafe.Add(ref z, n * d);
            for (int i = 0; i < d; i++) a = V.FusedMultiplyAdd(Unsafe.Add(ref zn, i), Unsafe.Add(ref pb, i), a);
            Unsafe.Add(ref t, n) = -a;
        }
    }

    /// <summary>log L = max + log sum_n exp(t_n - max) of each lane, and the weights q_n = exp(t_n - max) (1 / sum) in
    /// _t. From the group's smallest N_lane on, the mask of real points leaves the padding out of the max and makes its
    /// e_n and q_n +0 (the real lanes' values are those of the unmasked loops, bit for bit).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Weights(int group, bool logLoss)
    {
        int count = _n, from = _padFrom[group], n;
        ref Vec t = ref Unsafe.Add(ref Data(_t), group * count);
        ref Vec real = ref Unsafe.Add(ref Data(_real), group * count);
        // max and sum stay locals (never address-taken, so in registers); their lanes are read from _max, _sum after
        // the loops.
        var max = V.Create(double.NegativeInfinity);
        for (n = 0; n < from; n++) { var tn = Unsafe.Add(ref t, n); max = V.ConditionalSelect(V.GreaterThan(tn, max),
            tn, max); }
        for (; n < count; n++) { var tn = Unsafe.Add(ref t,
            n); max = V.ConditionalSelect(V.GreaterThan(tn, max) & Unsafe.Add(ref real, n), tn, max); }
        // The exponentials first (independent of each other), then their sum in order n = 0..N-1 from 0.
        for (n = 0; n < from; n++) { ref Vec tn = ref Unsafe.Add(ref t, n); tn = LaneExp.Exp(tn - max); }
        for (; n < count; n++) { ref Vec tn = ref Unsafe.Add(ref t,
            n); tn = LaneExp.Exp(tn - max) & Unsafe.Add(ref real, n); }
        var sum = Vec.Zero;
        for (n = 0; n < count; n++) sum += Unsafe.Add(ref t, n);
        var inverse = Vec.One / sum;
        for (n = 0; n < from; n++) Unsafe.Add(ref t, n) *= inverse;
        // +0, also where inverse is not finite
        for (; n < count; n++) Unsafe.Add(ref t, n) = Unsafe.Add(ref t, n) * inverse & Unsafe.Add(ref real, n);
        if (!logLoss) return;
        _max[group] = max; _sum[group] = sum;
        int lane0 = group * Lanes;
        for (int j = 0; j < Lanes; j++) if (_loaded[lane0 + j]) _logLoss[lane0 + j] = Lane(_max, group,
            j) + Math.Log(Lane(_sum, group, j));
    }

    /// <summary>The gradient's packed spectrum: for each i the chain acc = fma(z_n,i, q_n, acc), n = 0..N-1, negated (a
    /// padded point adds fma(-0, +0, acc) = acc: no mask needed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void PackedGradient(int group)
    {
        int d = _d, count = _n, n;
        ref Vec z = ref Unsafe.Add(ref Data(_z), group * count * d);
        ref Vec t = ref Unsafe.Add(ref Data(_t), group * count);
        ref Vec g = ref Unsafe.Add(ref Data(_packedG), group * d);
        int c = 0;
        for (; c + 8 <= d; c += 8)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 =
                a0;
            for (n = 0; n < count; n++)
            {
                var q = Unsafe.Add(ref t, n);
                ref Vec zn = ref Unsafe.Add(ref z, n * d + c);
                a0 = V.FusedMultiplyAdd(zn, q, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 1), q, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 2), q, a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 3),
                    q, a3);
                a4 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 4), q, a4); a5 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 5),
                    q, a5);
                a6 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 6), q, a6); a7 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 7),
                    q, a7);
            }
            Unsafe.Add(ref g, c) = -a0; Unsafe.Add(ref g, c + 1) = -a1; Unsafe.Add(ref g,
                c + 2) = -a2; Unsafe.Add(ref g, c + 3) = -a3;
            Unsafe.Add(ref g, c + 4) = -a4; Unsafe.Add(ref g, c + 5) = -a5; Unsafe.Add(ref g,
                c + 6) = -a6; Unsafe.Add(ref g, c + 7) = -a7;
        }
        for (; c + 4 <= d; c += 4)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            for (n = 0; n < count; n++)
            {
                var q = Unsafe.Add(ref t, n);
                ref Vec zn = ref Unsafe.Add(ref z, n * d + c);
                a0 = V.FusedMultiplyAdd(zn, q, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 1), q, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 2), q, a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 3),
                    q, a3);
            }
            Unsafe.Add(ref g, c) = -a0; Unsafe.Add(ref g, c + 1) = -a1; Unsafe.Add(ref g,
                c + 2) = -a2; Unsafe.Add(ref g, c + 3) = -a3;
        }
        for (; c < d; c++)
        {
            var a = Vec.Zero;
            for (n = 0; n < count; n++) a = V.FusedMultiplyAdd(Unsafe.Add(ref z, n * d + c), Unsafe.Add(ref t, n), a);
            Unsafe.Add(ref g, c) = -a;
        }
    }

    /// <summary>grad_w log L of the group's lanes at their last <see cref="Evaluate(int)"/> (from the packed gradient),
    /// and its squared norm into _gradientNormSquared.</summary>
    public void Gradient(int group) => Gradient(group, norm: true);

    /// <summary><see cref="Gradient(int)"/>; with <paramref name="norm"/> false ||grad||^2 is not computed
    /// (<see cref="GradientNormSquared"/> keeps its previous values): the gradient at a midpoint needs none.</summary>
    public abstract void Gradient(int group, bool norm);

    /// <summary>w &lt;- w - s grad (remembering w) in the lanes of the group with <paramref name="take"/> set, each
    /// with its own multiplier; the other lanes are left as they are. Updates the cached ||w||^2 of the lanes
    /// stepped.</summary>
    public void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take) => Step(group, multipliers,
        take, default);

    /// <summary><see cref="Step(int, ReadOnlySpan{double}, ReadOnlySpan{bool})"/>, where the lanes with
    /// <paramref name="back"/> set step from their previous iterate instead of their current one.
    /// (docs/performance.md, "LaneStepper.Step")</summary>
    public abstract void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take,
        ReadOnlySpan<bool> back, bool norm = true);

    /// <summary>What a group Step needs from its arguments: the mask of the lanes that step (all bits set in every lane
    /// when all do), the mask of the lanes that step from their previous iterate (zero when none do), and -s per
    /// lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static (Vec Take, Vec Back, Vec Minus) StepLanes(ReadOnlySpan<double> multipliers,
        ReadOnlySpan<bool> take, ReadOnlySpan<bool> back) =>
        (!take[..Lanes].Contains(false) ? Vec.AllBitsSet : Mask(take),
         back.IsEmpty || !back[..Lanes].Contains(true) ? Vec.Zero : Mask(back),
         -V.Create<double>(multipliers[..Lanes]));

    /// <summary>All bits set in the lanes with <paramref name="take"/> set, zero in the others.</summary>
    protected static Vec Mask(ReadOnlySpan<bool> take)
    {
        Span<long> bits = stackalloc long[Lanes];
        for (int j = 0; j < Lanes; j++) bits[j] = take[j] ? -1L : 0;
        return V.Create<long>(bits).AsDouble();
    }

    /// <summary>Puts a run into <paramref name="lane"/>: its data (already divided by its scale, as training does;
    /// N_lane &lt;= N points, the lane's points after them padding: features -0, masked) and its initial parameters.
    /// The lane's previous parameters and gradient are zero.</summary>
    public void Load(int lane, Dataset data, ReadOnlySpan<double> initial)
    {
        if ((uint)lane >= (uint)Capacity) throw new ArgumentOutOfRangeException(nameof(lane),
            $"lane {lane} is not in 0..{Capacity - 1}.");
        if (data.Count > _n || data.Count < 1 || data.Dimension != _d)
            throw new ArgumentException($"{GetType().Name}: dataset {data.Name} is N = {data.Count}, D = " +
                                        $"{data.Dimension}; this batch takes 1 <= N <= {_n} and D = {_d}.");
        if (initial.Length != ParameterCount) throw new
            ArgumentException($"{Name}: expected {ParameterCount} parameters, got {initial.Length}.");
        int g = lane / Lanes, j = lane % Lanes, count = data.Count;
        var z = data.SignedFeatures();
        var packed = new double[_d];
        for (int n = 0; n < _n; n++)
        {
            if (n < count) PackFeatures(z.AsSpan(n * _d, _d), packed);
            else Array.Fill(packed, -0.0); // padding: fma(-0, +0, acc) = acc for every acc (PackedGradient)
            for (int i = 0; i < _d; i++) Lane(_z, (g * _n + n) * _d + i, j) = packed[i];
            Unsafe.As<double, long>(ref Lane(_real, g * _n + n, j)) = n < count ? -1L : 0L;
        }
        _counts[lane] = count;
        int from = _n;
        for (int k = g * Lanes; k < (g + 1) * Lanes; k++) from = Math.Min(from, _counts[k]);
        _padFrom[g] = from;
        LoadParameters(g, j, initial);
        for (int i = 0; i < _d; i++) Lane(_packedG, g * _d + i, j) = 0;
        _marginScale[lane] = 1; _logLoss[lane] = 0; _loaded[lane] = true; Lane(_gradientNormSquared, g,
            j) = 0; Lane(_nonFinite, g, j) = 0;
        Lane(_normSquared, g, j) = ParameterNormSquared(lane);
    }

    /// <summary>One point's features y_n x_n (D values) in the network's packed basis.</summary>
    protected abstract void PackFeatures(ReadOnlySpan<double> features, Span<double> packed);
    /// <summary>Lane <paramref name="lane"/> of group <paramref name="group"/> gets these parameters; its previous
    /// parameters and gradient are zero.</summary>
    protected abstract void LoadParameters(int group, int lane, ReadOnlySpan<double> initial);

    /// <summary>Entry <paramref name="index"/> (0..D-1) of the lane's packed gradient -sum_n q_n z_n at its group's
    /// last <see cref="Evaluate(int)"/> (for tests: padding must leave every bit of it, the sign of a zero
    /// included).</summary>
    public double PackedGradientEntry(int lane, int index) => Lane(_packedG, lane / Lanes * _d + index, lane % Lanes);

    /// <summary>||w||^2 of a lane (the same operations, in the same order, as the group's vector norms).</summary>
    public abstract double ParameterNormSquared(int lane);
    /// <summary>w &lt;- factor w in one lane (a power of two: exact).</summary>
    public abstract void Scale(int lane, double factor);
    /// <summary>One lane's <see cref="Step(int, ReadOnlySpan{double}, ReadOnlySpan{bool})"/>: w &lt;- w - s grad,
    /// remembering w.</summary>
    public abstract void Step(int lane, double s);
    /// <summary>Back to the lane's parameters before its last step.</summary>
    public abstract void StepBack(int lane);
    /// <summary>beta = P(w) of one lane, in the input's basis (for records).</summary>
    public abstract void CopyBeta(int lane, Span<double> beta);
    /// <summary>The parameters w of one lane, in the layout of the network's
    /// <see cref="Networks.IParameterization"/>.</summary>
    public abstract void CopyParameters(int lane, Span<double> w);
}
