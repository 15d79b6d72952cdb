using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Training.Batch;

/// <summary>
/// The Fourier-domain step of the depth-L convolutional network under the exponential loss
/// (<see cref="Kernels.FourierStepKernel"/>'s algebra: half spectra, beta_hat = prod_l w_hat_l, margins
/// against the packed spectra of y_n x_n, no FFT per step) for many runs at once, one run per lane of a
/// Vector512&lt;double&gt;: groups of eight runs of the same depth and D, each with its own data (N_lane
/// &lt;= N points, see padding below), parameters and margin scale, stored lane-interleaved
/// ([group][...][lane]) so that every operation of a step is one vector operation for eight runs. Why
/// 512 bits: on this machine's cores (AMD Zen 5, full-width AVX-512) a 512-bit operation costs what a
/// 256-bit one does, so a group of eight costs about what a group of four did (measured:
/// docs/performance.md); where Vector512 is not accelerated, .NET runs it as two 256-bit halves, with
/// the same bits.
/// <para>Same bits alone or in a batch. Every lane does exactly the scalar operations of one run, in a
/// fixed order that does not depend on N, D or the batch: margins m_n = fma chains over i = 0..D-1 from
/// 0; log L = max + log(sum_n e_n), e_n = exp(-m_n - max) (<see cref="LaneExp"/>, the same bits scalar
/// and vector; the log of the sum is one Math.Log per lane); weights q_n = e_n (1 / sum); the gradient's
/// packed spectrum -sum_n q_n z_n by fma chains over n = 0..N-1 from 0; norms as sum of
/// c_k (re^2 + im^2) in order. The per-lane operations (<see cref="FourierLane"/>: rescaling, step
/// back, records) are scalar code with the same formulas. A run trained alone uses this kernel with
/// one group (<see cref="GradientDescent.Train"/>), so its bits are those of the batch.</para>
/// <para>Padding. A lane's points n &gt;= N_lane are padding, and they change no bit of the lane's
/// results: their features are -0, and in groups with padding (<see cref="Weights"/>, from the group's
/// smallest N_lane on) a mask leaves them out of the max, makes their e_n and q_n exactly +0 (a bitwise
/// and), so that sum + 0 = sum and the gradient chain's fma(-0, +0, acc) = acc exactly for every acc,
/// -0 and NaN included (+0 features would not do: an accumulator that underflowed to -0 would become +0).
/// A lane's real points come first, in their order, so it does the operations of its run alone (N = N_lane)
/// followed by identities. Groups without padding run the loops as before.</para>
/// Slow twin: <see cref="Kernels.GenericStepKernel"/> with ConvolutionalFourierNetwork (tests compare them).
/// </summary>
public sealed partial class FourierLaneKernel
{
    /// <summary>Runs per group: the lanes of a Vector512&lt;double&gt;.</summary>
    public const int Lanes = 8;

    /// <summary>
    /// Largest N * D trained this way: above it a run's own SIMD over D (FourierStepKernel, threads) is the better
    /// use of the vector units. A run alone is a batch of one, so this also decides single runs' kernel: at
    /// N * D = 2048 (conv L=4, D=64, N=32) a lone run took 3.1 us a step here against 1.25 us in FourierStepKernel,
    /// while at 96 (D=16, N=6) both cost the same; 1024 keeps every set of the report's suites (D &lt;= 32, N &lt;= D) batched.
    /// </summary>
    public const int MaxValues = 1 << 10;

    private readonly int _n, _d, _h, _depth, _groups;
    private readonly GridHalfSpectrum _spectrum;          // the packing of every lane's spectra (1-D)
    private readonly double[] _c;
    private readonly Vec[] _cv;
    private readonly Vec[] _z;                     // [group][n][i]
    private readonly Vec[] _re, _im, _rePrevious, _imPrevious, _gradRe, _gradIm; // [group][l][k]
    private readonly Vec[] _packedG;               // [group][i]
    private readonly Vec[] _betaRe, _betaIm, _prefixRe, _prefixIm; // scratch [k]
    private readonly Vec[] _packedBeta, _t; // [group][i], [group][n]: margins, then weights
    private readonly Vec[] _real;                   // [group][n]: all bits set in the lanes where point n is real (n < N_lane), zero where it is padding
    private readonly int[] _counts;                 // [lane]: N_lane
    private readonly int[] _padFrom;                // [group]: the smallest N_lane of the group's lanes (N: no padding)
    private readonly double[] _marginScale, _logLoss;
    private readonly bool[] _loaded; // lanes that ever held a run: the others' log L is not computed (a run alone uses one lane of eight)
    private readonly Vec[] _gradientNormSquared, _normSquared, _nonFinite; // [group]: read per lane (Lane)
    private readonly Vec[] _max, _sum; // [group]: Weights' max_n t_n and sum_n e_n, for the lanes' log L

    /// <summary>An empty batch of <paramref name="groups"/> groups of eight runs of depth L in dimension D, each on at most N points.</summary>
    public FourierLaneKernel(int depth, int count, int dimension, int groups)
    {
        if (depth < 1 || count < 1 || dimension < 1 || groups < 1)
            throw new ArgumentException($"FourierLaneKernel: depth {depth}, N {count}, D {dimension} and groups {groups} must all be at least 1.");
        _spectrum = new GridHalfSpectrum(Grid.Line(dimension));
        _depth = depth; _n = count; _d = dimension; _h = _spectrum.Count; _groups = groups;
        _c = _spectrum.InnerProductWeights();
        _cv = _c.Select(V.Create).ToArray();
        _z = new Vec[groups * count * dimension];
        int lh = groups * depth * _h;
        _re = new Vec[lh]; _im = new Vec[lh]; _rePrevious = new Vec[lh]; _imPrevious = new Vec[lh];
        _gradRe = new Vec[lh]; _gradIm = new Vec[lh];
        _packedG = new Vec[groups * dimension];
        _betaRe = new Vec[_h]; _betaIm = new Vec[_h]; _prefixRe = new Vec[_h]; _prefixIm = new Vec[_h];
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

    /// <summary>True when runs of this model, loss and data size are trained by this kernel (alone or batched).</summary>
    public static bool Applies(Models.IParameterization model, Losses.ILoss loss, int count, int dimension) =>
        model is Models.ConvolutionalFourierNetwork && loss is Losses.ExponentialLoss && (long)count * dimension <= MaxValues;

    /// <summary>Depth L (the homogeneity degree).</summary>
    public int Depth => _depth;
    /// <summary>N: the most points a lane's run may have (fewer are padded).</summary>
    public int Count => _n;
    /// <summary>N_lane: the points of the run in the lane (as of its last <see cref="Load"/>; N for a lane never loaded).</summary>
    public int LaneCount(int lane) => _counts[lane];
    /// <summary>D.</summary>
    public int Dimension => _d;
    /// <summary>Groups of eight lanes.</summary>
    public int Groups => _groups;
    /// <summary>Lanes (runs) in all.</summary>
    public int Capacity => _groups * Lanes;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref double Lane(Vec[] a, int index, int lane) =>
        ref Unsafe.Add(ref Unsafe.As<Vec, double>(ref a[index]), lane);

    /// <summary>The first element of an array, for the unchecked (Unsafe.Add) access of the hot loops: every index they form is inside the array by construction (the layout above).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref Vec Data(Vec[] a) => ref MemoryMarshal.GetArrayDataReference(a);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Lane(ref Vec v, int lane) => Unsafe.Add(ref Unsafe.As<Vec, double>(ref v), lane);

    private int LayerBase(int group, int layer) => (group * _depth + layer) * _h;

    /// <summary>Sets the factor the next <see cref="Evaluate(int)"/> applies to the lane's margins.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetMarginScale(int lane, double marginScale) => _marginScale[lane] = marginScale;
    /// <summary>log L of the lane at the last <see cref="Evaluate(int)"/> of its group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double LogLoss(int lane) => _logLoss[lane];
    /// <summary>False when the lane's scaled predictor had a non-finite entry at the last <see cref="Evaluate(int)"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool PredictorIsFinite(int lane) => Lane(_nonFinite, lane / Lanes, lane % Lanes) == 0;
    /// <summary>||grad||^2 of the lane at the last <see cref="Gradient"/> of its group.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double GradientNormSquared(int lane) => Lane(_gradientNormSquared, lane / Lanes, lane % Lanes);
    /// <summary>||w||^2 of the lane as of its last <see cref="Load"/> or <see cref="Step(int, ReadOnlySpan{double}, ReadOnlySpan{bool})"/> (the same bits as <see cref="ParameterNormSquared"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public double CachedParameterNormSquared(int lane) => Lane(_normSquared, lane / Lanes, lane % Lanes);

    /// <summary>
    /// log L, the predictor's finiteness and the gradient's packed spectrum of the eight lanes of
    /// <paramref name="group"/>, each at its own margin scale. A function of each lane's parameters and
    /// margin scale only: evaluating a group again recomputes the other lanes' values bit for bit.
    /// </summary>
    public void Evaluate(int group) => Evaluate(group, group + 1, default);

    /// <summary>
    /// <see cref="Evaluate(int)"/> of the groups in [<paramref name="from"/>, <paramref name="to"/>) with
    /// <paramref name="busy"/> set (all of them when it is empty), one group after the other (each group's
    /// stages back to back keep its values in the first-level cache: measured faster than stage by stage
    /// over all groups). Each lane's operations are those of <see cref="Evaluate(int)"/>, in the same order.
    /// With <paramref name="logLoss"/> false the lanes' log L is not computed (<see cref="LogLoss"/> keeps
    /// its previous values): the midpoint evaluation of <see cref="BatchTrainer"/> needs only the gradient.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Evaluate(int from, int to, ReadOnlySpan<bool> busy, bool logLoss = true)
    {
        for (int g = from; g < to; g++) if (busy.IsEmpty || busy[g]) Margins(g);
        for (int g = from; g < to; g++) if (busy.IsEmpty || busy[g]) Weights(g, logLoss);
        for (int g = from; g < to; g++) if (busy.IsEmpty || busy[g]) PackedGradient(g);
    }

    /// <summary>The group's packed beta (at its margin scale), its finiteness and t_n = -m_n (into _t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Margins(int group)
    {
        int h = _h, d = _d, count = _n;
        ref Vec betaRe = ref Data(_betaRe), betaIm = ref Data(_betaIm), cv = ref Data(_cv);
        Spectrum(group, ref betaRe, ref betaIm);
        var ms = V.Create<double>(_marginScale.AsSpan(group * Lanes, Lanes));
        ref Vec pb = ref Unsafe.Add(ref Data(_packedBeta), group * d);
        var nonFinite = Vec.Zero;
        // nonFinite gets NaN in a lane with an infinite or NaN entry.
        for (int k = 0; k < h; k++) { var v = Unsafe.Add(ref cv, k) * Unsafe.Add(ref betaRe, k) * ms; Unsafe.Add(ref pb, k) = v; nonFinite += v * Vec.Zero; }
        for (int i = h; i < d; i++) { var v = Unsafe.Add(ref cv, i) * Unsafe.Add(ref betaIm, i - h + 1) * ms; Unsafe.Add(ref pb, i) = v; nonFinite += v * Vec.Zero; }
        _nonFinite[group] = nonFinite;
        ref Vec z = ref Unsafe.Add(ref Data(_z), group * count * d);
        ref Vec t = ref Unsafe.Add(ref Data(_t), group * count);
        // Margins: for each point the chain m = fma(z_i, pb_i, m), i = 0..D-1, four points at a time.
        int n = 0;
        for (; n + 4 <= count; n += 4)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            ref Vec z0 = ref Unsafe.Add(ref z, n * d);
            ref Vec z1 = ref Unsafe.Add(ref z0, d); ref Vec z2 = ref Unsafe.Add(ref z1, d); ref Vec z3 = ref Unsafe.Add(ref z2, d);
            for (int i = 0; i < d; i++)
            {
                var p = Unsafe.Add(ref pb, i);
                a0 = V.FusedMultiplyAdd(Unsafe.Add(ref z0, i), p, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref z1, i), p, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref z2, i), p, a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref z3, i), p, a3);
            }
            Unsafe.Add(ref t, n) = -a0; Unsafe.Add(ref t, n + 1) = -a1; Unsafe.Add(ref t, n + 2) = -a2; Unsafe.Add(ref t, n + 3) = -a3;
        }
        for (; n + 2 <= count; n += 2)
        {
            var a0 = Vec.Zero; var a1 = a0;
            ref Vec z0 = ref Unsafe.Add(ref z, n * d); ref Vec z1 = ref Unsafe.Add(ref z0, d);
            for (int i = 0; i < d; i++)
            {
                var p = Unsafe.Add(ref pb, i);
                a0 = V.FusedMultiplyAdd(Unsafe.Add(ref z0, i), p, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref z1, i), p, a1);
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

    /// <summary>
    /// log L = max + log sum_n exp(t_n - max) of each lane, and the weights q_n = exp(t_n - max) (1 / sum) in _t.
    /// From the group's smallest N_lane on, the mask of real points leaves the padding out of the max and makes
    /// its e_n and q_n +0 (the real lanes' values are those of the unmasked loops, bit for bit).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Weights(int group, bool logLoss)
    {
        int count = _n, from = _padFrom[group], n;
        ref Vec t = ref Unsafe.Add(ref Data(_t), group * count);
        ref Vec real = ref Unsafe.Add(ref Data(_real), group * count);
        // max and sum stay locals (never address-taken, so in registers); their lanes are read from _max, _sum after the loops.
        var max = V.Create(double.NegativeInfinity);
        for (n = 0; n < from; n++) { var tn = Unsafe.Add(ref t, n); max = V.ConditionalSelect(V.GreaterThan(tn, max), tn, max); }
        for (; n < count; n++) { var tn = Unsafe.Add(ref t, n); max = V.ConditionalSelect(V.GreaterThan(tn, max) & Unsafe.Add(ref real, n), tn, max); }
        // The exponentials first (independent of each other), then their sum in order n = 0..N-1 from 0.
        for (n = 0; n < from; n++) { ref Vec tn = ref Unsafe.Add(ref t, n); tn = LaneExp.Exp(tn - max); }
        for (; n < count; n++) { ref Vec tn = ref Unsafe.Add(ref t, n); tn = LaneExp.Exp(tn - max) & Unsafe.Add(ref real, n); }
        var sum = Vec.Zero;
        for (n = 0; n < count; n++) sum += Unsafe.Add(ref t, n);
        var inverse = Vec.One / sum;
        for (n = 0; n < from; n++) Unsafe.Add(ref t, n) *= inverse;
        for (; n < count; n++) Unsafe.Add(ref t, n) = Unsafe.Add(ref t, n) * inverse & Unsafe.Add(ref real, n); // +0, also where inverse is not finite
        if (!logLoss) return;
        _max[group] = max; _sum[group] = sum;
        int lane0 = group * Lanes;
        for (int j = 0; j < Lanes; j++) if (_loaded[lane0 + j]) _logLoss[lane0 + j] = Lane(_max, group, j) + Math.Log(Lane(_sum, group, j));
    }

    /// <summary>
    /// The gradient's packed spectrum: for each i the chain acc = fma(z_n,i, q_n, acc), n = 0..N-1, negated
    /// (a padded point adds fma(-0, +0, acc) = acc: no mask needed).
    /// </summary>
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
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 = a0;
            for (n = 0; n < count; n++)
            {
                var q = Unsafe.Add(ref t, n);
                ref Vec zn = ref Unsafe.Add(ref z, n * d + c);
                a0 = V.FusedMultiplyAdd(zn, q, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 1), q, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 2), q, a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 3), q, a3);
                a4 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 4), q, a4); a5 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 5), q, a5);
                a6 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 6), q, a6); a7 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 7), q, a7);
            }
            Unsafe.Add(ref g, c) = -a0; Unsafe.Add(ref g, c + 1) = -a1; Unsafe.Add(ref g, c + 2) = -a2; Unsafe.Add(ref g, c + 3) = -a3;
            Unsafe.Add(ref g, c + 4) = -a4; Unsafe.Add(ref g, c + 5) = -a5; Unsafe.Add(ref g, c + 6) = -a6; Unsafe.Add(ref g, c + 7) = -a7;
        }
        for (; c + 4 <= d; c += 4)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            for (n = 0; n < count; n++)
            {
                var q = Unsafe.Add(ref t, n);
                ref Vec zn = ref Unsafe.Add(ref z, n * d + c);
                a0 = V.FusedMultiplyAdd(zn, q, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 1), q, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 2), q, a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref zn, 3), q, a3);
            }
            Unsafe.Add(ref g, c) = -a0; Unsafe.Add(ref g, c + 1) = -a1; Unsafe.Add(ref g, c + 2) = -a2; Unsafe.Add(ref g, c + 3) = -a3;
        }
        for (; c < d; c++)
        {
            var a = Vec.Zero;
            for (n = 0; n < count; n++) a = V.FusedMultiplyAdd(Unsafe.Add(ref z, n * d + c), Unsafe.Add(ref t, n), a);
            Unsafe.Add(ref g, c) = -a;
        }
    }

    /// <summary>beta_hat = prod_l w_hat_l of the group's eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Spectrum(int group, ref Vec betaRe, ref Vec betaIm)
    {
        int h = _h;
        ref Vec re = ref Unsafe.Add(ref Data(_re), LayerBase(group, 0));
        ref Vec im = ref Unsafe.Add(ref Data(_im), LayerBase(group, 0));
        for (int k = 0; k < h; k++) { Unsafe.Add(ref betaRe, k) = Unsafe.Add(ref re, k); Unsafe.Add(ref betaIm, k) = Unsafe.Add(ref im, k); }
        for (int l = 1; l < _depth; l++)
        {
            ref Vec lr = ref Unsafe.Add(ref re, l * h); ref Vec li = ref Unsafe.Add(ref im, l * h);
            for (int k = 0; k < h; k++)
            {
                ref Vec br = ref Unsafe.Add(ref betaRe, k); ref Vec bi = ref Unsafe.Add(ref betaIm, k);
                var (a, bb, c, e) = (br, bi, Unsafe.Add(ref lr, k), Unsafe.Add(ref li, k));
                br = a * c - bb * e; bi = a * e + bb * c;
            }
        }
    }

    /// <summary>
    /// grad_w log L of the group's lanes at their last <see cref="Evaluate(int)"/>, per layer
    /// g_hat .* conj(prod_{j != l} w_hat_j) (prefix times suffix products, a product with no factor being
    /// 1 exactly, not a multiplication by 1), and its squared norm (Parseval weights c, in the order of
    /// <see cref="ParameterNormSquared"/>: layer by layer, k = 0..H-1). Layer by layer, each pass a straight
    /// loop over k (the cases of a layer decided once per layer, not per k); every entry gets the operations of
    /// the per-k form, in its order: suffixes s_l = s_{l+1} w_{l+1} from s_{L-2} = w_{L-1} down, into grad_l;
    /// then for l = 0..L-1 the factor f_l (s_0; p_l; p_l s_l), grad_l = g_hat .* conj(f_l), and the prefix
    /// p_{l+1} (w_0; p_l w_l) in scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Gradient(int group)
    {
        int h = _h, d = _d, depth = _depth, b0 = LayerBase(group, 0);
        ref Vec pg = ref Unsafe.Add(ref Data(_packedG), group * d);
        ref Vec re = ref Unsafe.Add(ref Data(_re), b0); ref Vec im = ref Unsafe.Add(ref Data(_im), b0);
        ref Vec gradRe = ref Unsafe.Add(ref Data(_gradRe), b0); ref Vec gradIm = ref Unsafe.Add(ref Data(_gradIm), b0);
        // g_hat's half spectrum from the packed form (imaginary part 0 at k = 0 and, for even D, at k = D/2).
        ref Vec gRe = ref Data(_betaRe); ref Vec gIm = ref Data(_betaIm);
        for (int k = 0; k < h; k++)
        {
            Unsafe.Add(ref gRe, k) = Unsafe.Add(ref pg, k);
            Unsafe.Add(ref gIm, k) = k >= 1 && k <= d - h ? Unsafe.Add(ref pg, h + k - 1) : Vec.Zero;
        }
        if (depth >= 2)
        {
            int last = (depth - 1) * h;
            for (int k = 0; k < h; k++) { Unsafe.Add(ref gradRe, last - h + k) = Unsafe.Add(ref re, last + k); Unsafe.Add(ref gradIm, last - h + k) = Unsafe.Add(ref im, last + k); }
        }
        for (int l = depth - 3; l >= 0; l--)
            for (int k = 0; k < h; k++)
            {
                int i = l * h + k;
                (Unsafe.Add(ref gradRe, i), Unsafe.Add(ref gradIm, i)) =
                    Multiply(Unsafe.Add(ref gradRe, i + h), Unsafe.Add(ref gradIm, i + h), Unsafe.Add(ref re, i + h), Unsafe.Add(ref im, i + h));
            }
        ref Vec pRe = ref Data(_prefixRe); ref Vec pIm = ref Data(_prefixIm);
        for (int l = 0; l < depth; l++)
        {
            ref Vec gR = ref Unsafe.Add(ref gradRe, l * h); ref Vec gI = ref Unsafe.Add(ref gradIm, l * h);
            ref Vec wR = ref Unsafe.Add(ref re, l * h); ref Vec wI = ref Unsafe.Add(ref im, l * h);
            for (int k = 0; k < h; k++)
            {
                Vec fr, fi;
                if (depth == 1) { fr = Vec.One; fi = Vec.Zero; }
                else if (l == 0) { fr = Unsafe.Add(ref gR, k); fi = Unsafe.Add(ref gI, k); }
                else if (l == depth - 1) { fr = Unsafe.Add(ref pRe, k); fi = Unsafe.Add(ref pIm, k); }
                else (fr, fi) = Multiply(Unsafe.Add(ref pRe, k), Unsafe.Add(ref pIm, k), Unsafe.Add(ref gR, k), Unsafe.Add(ref gI, k));
                var (gr, gi, ni) = (Unsafe.Add(ref gRe, k), Unsafe.Add(ref gIm, k), -fi);
                Unsafe.Add(ref gR, k) = gr * fr - gi * ni; Unsafe.Add(ref gI, k) = gr * ni + gi * fr;
                if (l == 0) { Unsafe.Add(ref pRe, k) = Unsafe.Add(ref wR, k); Unsafe.Add(ref pIm, k) = Unsafe.Add(ref wI, k); }
                else if (l < depth - 1) (Unsafe.Add(ref pRe, k), Unsafe.Add(ref pIm, k)) = Multiply(Unsafe.Add(ref pRe, k), Unsafe.Add(ref pIm, k), Unsafe.Add(ref wR, k), Unsafe.Add(ref wI, k));
            }
        }
        _gradientNormSquared[group] = NormSquared(ref gradRe, ref gradIm);
    }

    /// <summary>(a + i b)(c + i e) = (a c - b e) + i (a e + b c), in that order of operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vec Re, Vec Im) Multiply(Vec a, Vec b, Vec c, Vec e) => (a * c - b * e, a * e + b * c);

    /// <summary>
    /// w &lt;- w - s grad (remembering w) in the lanes of the group with <paramref name="take"/> set, each with
    /// its own multiplier; the other lanes are left as they are. Updates the cached ||w||^2 of the lanes stepped.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take) => Step(group, multipliers, take, default);

    /// <summary>
    /// <see cref="Step(int, ReadOnlySpan{double}, ReadOnlySpan{bool})"/>, where the lanes with <paramref name="back"/>
    /// set step from their previous iterate instead of their current one (the end of a midpoint step: the
    /// half step is undone and the full step taken in one pass, the values of <see cref="StepBack(int)"/> of
    /// those lanes followed by a step). An empty <paramref name="back"/> is none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take, ReadOnlySpan<bool> back)
    {
        bool all = !take[..Lanes].Contains(false);
        var mask = all ? Vec.AllBitsSet : Mask(take);
        bool none = back.IsEmpty || !back[..Lanes].Contains(true);
        var backMask = none ? Vec.Zero : Mask(back);
        var minus = -V.Create<double>(multipliers[..Lanes]);
        int b = LayerBase(group, 0), count = _depth * _h;
        ref Vec re = ref Unsafe.Add(ref Data(_re), b); ref Vec im = ref Unsafe.Add(ref Data(_im), b);
        ref Vec rp = ref Unsafe.Add(ref Data(_rePrevious), b); ref Vec ip = ref Unsafe.Add(ref Data(_imPrevious), b);
        ref Vec gre = ref Unsafe.Add(ref Data(_gradRe), b); ref Vec gim = ref Unsafe.Add(ref Data(_gradIm), b);
        if (all && none)
        {
            // Every lane steps from where it is (the common case): no selects, the same values as below.
            for (int i = 0; i < count; i++)
            {
                ref Vec r = ref Unsafe.Add(ref re, i); ref Vec m = ref Unsafe.Add(ref im, i);
                var (x, y) = (r, m);
                Unsafe.Add(ref rp, i) = x; Unsafe.Add(ref ip, i) = y;
                r = V.FusedMultiplyAdd(Unsafe.Add(ref gre, i), minus, x);
                m = V.FusedMultiplyAdd(Unsafe.Add(ref gim, i), minus, y);
            }
        }
        else if (all && backMask.Equals(Vec.AllBitsSet))
        {
            // Every lane steps from its previous iterate (the end of a midpoint step in every lane, the common case
            // while the cap binds): the previous iterate stays as it is; the same values as below.
            for (int i = 0; i < count; i++)
            {
                Unsafe.Add(ref re, i) = V.FusedMultiplyAdd(Unsafe.Add(ref gre, i), minus, Unsafe.Add(ref rp, i));
                Unsafe.Add(ref im, i) = V.FusedMultiplyAdd(Unsafe.Add(ref gim, i), minus, Unsafe.Add(ref ip, i));
            }
        }
        else for (int i = 0; i < count; i++)
        {
            ref Vec r = ref Unsafe.Add(ref re, i); ref Vec m = ref Unsafe.Add(ref im, i);
            ref Vec pr = ref Unsafe.Add(ref rp, i); ref Vec pi = ref Unsafe.Add(ref ip, i);
            var x = V.ConditionalSelect(backMask, pr, r); var y = V.ConditionalSelect(backMask, pi, m);
            pr = V.ConditionalSelect(mask, x, pr);
            pi = V.ConditionalSelect(mask, y, pi);
            r = V.ConditionalSelect(mask, V.FusedMultiplyAdd(Unsafe.Add(ref gre, i), minus, x), x);
            m = V.ConditionalSelect(mask, V.FusedMultiplyAdd(Unsafe.Add(ref gim, i), minus, y), y);
        }
        _normSquared[group] = V.ConditionalSelect(mask, NormSquared(ref re, ref im), _normSquared[group]);
    }

    /// <summary>
    /// sum over layers and k = 0..H-1 of c_k (re^2 + im^2) of one group's L half spectra starting at
    /// <paramref name="re"/>, <paramref name="im"/>: Parseval's squared norm, in the order of
    /// <see cref="ParameterNormSquared"/> (so the cached ||w||^2 has its bits).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vec NormSquared(ref Vec re, ref Vec im)
    {
        int h = _h;
        ref Vec cv = ref Data(_cv);
        var sum = Vec.Zero;
        for (int l = 0; l < _depth; l++)
            for (int k = 0; k < h; k++)
            {
                var (x, y) = (Unsafe.Add(ref re, l * h + k), Unsafe.Add(ref im, l * h + k));
                sum += Unsafe.Add(ref cv, k) * (x * x + y * y);
            }
        return sum;
    }

    /// <summary>All bits set in the lanes with <paramref name="take"/> set, zero in the others.</summary>
    private static Vec Mask(ReadOnlySpan<bool> take)
    {
        Span<long> bits = stackalloc long[Lanes];
        for (int j = 0; j < Lanes; j++) bits[j] = take[j] ? -1L : 0;
        return V.Create<long>(bits).AsDouble();
    }
}
