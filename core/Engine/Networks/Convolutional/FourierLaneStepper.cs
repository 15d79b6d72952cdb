using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The Fourier-domain step of the depth-L convolutional network under the exponential loss.
/// (docs/performance.md, "FourierLaneStepper (2)")</summary>
public sealed partial class FourierLaneStepper : LaneStepper
{
    private readonly int _h;
    private readonly GridHalfSpectrum _spectrum;          // the packing of every lane's spectra (1-D)
    private readonly double[] _c;
    private readonly Vec[] _cv;
    private readonly Vec[] _re, _im, _rePrevious, _imPrevious, _gradRe, _gradIm; // [group][l][k]
    // scratch [k]: g_hat and the prefix products of the general Gradient
    private readonly Vec[] _gHatRe, _gHatIm, _prefixRe, _prefixIm;

    /// <summary>An empty batch of <paramref name="groups"/> groups of eight runs of depth L in dimension D, each on at
    /// most N points.</summary>
    public FourierLaneStepper(int depth, int count, int dimension, int groups) : base(depth, count, dimension, groups)
    {
        _spectrum = new GridHalfSpectrum(Grid.Line(dimension));
        _h = _spectrum.Count;
        _c = _spectrum.InnerProductWeights();
        _cv = _c.Select(V.Create).ToArray();
        int lh = groups * depth * _h;
        _re = new Vec[lh]; _im = new Vec[lh]; _rePrevious = new Vec[lh]; _imPrevious = new Vec[lh];
        _gradRe = new Vec[lh]; _gradIm = new Vec[lh];
        _gHatRe = new Vec[_h]; _gHatIm = new Vec[_h]; _prefixRe = new Vec[_h]; _prefixIm = new Vec[_h];
    }

    /// <inheritdoc/>
    public override string Name => $"lanes-fourier-conv-L{_depth}";

    private int LayerBase(int group, int layer) => (group * _depth + layer) * _h;

    /// <summary>c .* beta_hat of the group's lanes, packed (real parts at k = 0..H-1, then imaginary parts), times the
    /// margin scale. beta_hat = prod_l w_hat_l is formed entry by entry in registers.
    /// (docs/performance.md, "FourierLaneStepper.PackedPredictor")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override Vec PackedPredictor(int group, ref Vec pb, Vec ms)
    {
        int h = _h, top = _d - h, depth = _depth; // beta_hat's imaginary part is packed for k = 1..top
        ref Vec cv = ref Data(_cv);
        ref Vec re = ref Unsafe.Add(ref Data(_re), LayerBase(group, 0));
        ref Vec im = ref Unsafe.Add(ref Data(_im), LayerBase(group, 0));
        var nonFinite = Vec.Zero;
        // nonFinite gets NaN in a lane with an infinite or NaN entry (a sum of v * 0: +-0 or NaN, in any order).
        for (int k = 0; k < h; k++)
        {
            var (br, bi) = (Unsafe.Add(ref re, k), Unsafe.Add(ref im, k));
            for (int l = 1; l < depth; l++)
            {
                (br, bi) = Multiply(br, bi, Unsafe.Add(ref re, l * h + k), Unsafe.Add(ref im, l * h + k));
            }
            var v = Unsafe.Add(ref cv, k) * br * ms; Unsafe.Add(ref pb, k) = v; nonFinite += v * Vec.Zero;
            if (k >= 1 && k <= top)
            {
                var u = Unsafe.Add(ref cv, h + k - 1) * bi * ms; Unsafe.Add(ref pb,
                    h + k - 1) = u; nonFinite += u * Vec.Zero;
            }
        }
        return nonFinite;
    }

    /// <summary>grad_w log L of the group's lanes at their last <see cref="LaneStepper.Evaluate(int)"/>, per layer
    /// g_hat .* conj(prod_{j != l} w_hat_j) (prefix times suffix products, a product with no factor being 1 exactly,
    /// not a multiplication by 1), and its squared norm. (docs/performance.md, "FourierLaneStepper.Gradient")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gradient(int group, bool norm)
    {
        int h = _h, d = _d, depth = _depth, b0 = LayerBase(group, 0);
        ref Vec pg = ref Unsafe.Add(ref Data(_packedG), group * d);
        ref Vec re = ref Unsafe.Add(ref Data(_re), b0); ref Vec im = ref Unsafe.Add(ref Data(_im), b0);
        ref Vec gradRe = ref Unsafe.Add(ref Data(_gradRe), b0); ref Vec gradIm = ref Unsafe.Add(ref Data(_gradIm), b0);
        if (depth == 2)
        {
            GradientDepthTwo(ref pg, ref re, ref im, ref gradRe, ref gradIm);
            if (norm) _gradientNormSquared[group] = NormSquared(ref gradRe, ref gradIm);
            return;
        }
        // g_hat's half spectrum from the packed form (imaginary part 0 at k = 0 and, for even D, at k = D/2).
        ref Vec gRe = ref Data(_gHatRe); ref Vec gIm = ref Data(_gHatIm);
        for (int k = 0; k < h; k++)
        {
            Unsafe.Add(ref gRe, k) = Unsafe.Add(ref pg, k);
            Unsafe.Add(ref gIm, k) = GHatImaginary(ref pg, k);
        }
        if (depth >= 2)
        {
            int last = (depth - 1) * h;
            for (int k = 0; k < h; k++) { Unsafe.Add(ref gradRe, last - h + k) = Unsafe.Add(ref re,
                last + k); Unsafe.Add(ref gradIm, last - h + k) = Unsafe.Add(ref im, last + k); }
        }
        for (int l = depth - 3; l >= 0; l--)
            for (int k = 0; k < h; k++)
            {
                int i = l * h + k;
                (Unsafe.Add(ref gradRe, i), Unsafe.Add(ref gradIm, i)) =
                    Multiply(Unsafe.Add(ref gradRe, i + h), Unsafe.Add(ref gradIm, i + h), Unsafe.Add(ref re, i + h),
                        Unsafe.Add(ref im, i + h));
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
                else (fr, fi) = Multiply(Unsafe.Add(ref pRe, k), Unsafe.Add(ref pIm, k), Unsafe.Add(ref gR, k),
                    Unsafe.Add(ref gI, k));
                var (gr, gi, ni) = (Unsafe.Add(ref gRe, k), Unsafe.Add(ref gIm, k), -fi);
                Unsafe.Add(ref gR, k) = gr * fr - gi * ni; Unsafe.Add(ref gI, k) = gr * ni + gi * fr;
                if (l == 0) { Unsafe.Add(ref pRe, k) = Unsafe.Add(ref wR, k); Unsafe.Add(ref pIm,
                    k) = Unsafe.Add(ref wI, k); }
                else if (l < depth - 1) (Unsafe.Add(ref pRe, k),
                    Unsafe.Add(ref pIm, k)) = Multiply(Unsafe.Add(ref pRe, k), Unsafe.Add(ref pIm, k),
                    Unsafe.Add(ref wR, k), Unsafe.Add(ref wI, k));
            }
        }
        if (norm) _gradientNormSquared[group] = NormSquared(ref gradRe, ref gradIm);
    }

    /// <summary><see cref="Gradient"/> at depth 2 in one pass over k, without scratch: grad_0 = g_hat .* conj(w_1),
    /// grad_1 = g_hat .* conj(w_0), each entry by the operations the general form gives it.
    /// (docs/performance.md, "FourierLaneStepper.GradientDepthTwo")</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void GradientDepthTwo(ref Vec pg, ref Vec re, ref Vec im, ref Vec gradRe, ref Vec gradIm)
    {
        int h = _h;
        for (int k = 0; k < h; k++)
        {
            var (gr, gi) = (Unsafe.Add(ref pg, k), GHatImaginary(ref pg, k));
            (Unsafe.Add(ref gradRe, k), Unsafe.Add(ref gradIm, k)) = Multiply(gr, gi, Unsafe.Add(ref re, h + k),
                -Unsafe.Add(ref im, h + k));
            (Unsafe.Add(ref gradRe, h + k), Unsafe.Add(ref gradIm, h + k)) = Multiply(gr, gi, Unsafe.Add(ref re, k),
                -Unsafe.Add(ref im, k));
        }
    }

    /// <summary>Im g_hat[k] from the packed gradient: packed at H + k - 1 for k = 1..D-H, 0 at k = 0 and (even D) at k
    /// = D/2.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vec GHatImaginary(ref Vec pg, int k) => k >= 1 && k <= _d - _h ? Unsafe.Add(ref pg, _h + k - 1) : Vec.Zero;

    /// <summary>(a + i b)(c + i e) = (a c - b e) + i (a e + b c), in that order of operations.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vec Re, Vec Im) Multiply(Vec a, Vec b, Vec c, Vec e) => (a * c - b * e, a * e + b * c);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take,
        ReadOnlySpan<bool> back, bool norm = true)
    {
        var (mask, backMask, minus) = StepLanes(multipliers, take, back);
        bool all = mask.Equals(Vec.AllBitsSet), none = backMask.Equals(Vec.Zero);
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
        if (norm) _normSquared[group] = V.ConditionalSelect(mask, NormSquared(ref re, ref im), _normSquared[group]);
    }

    /// <summary>sum over layers and k = 0..H-1 of c_k (re^2 + im^2) of one group's L half spectra starting at
    /// <paramref name="re"/>, <paramref name="im"/>: Parseval's squared norm, in the order of
    /// <see cref="ParameterNormSquared"/> (so the cached ||w||^2 has its bits).</summary>
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
}
