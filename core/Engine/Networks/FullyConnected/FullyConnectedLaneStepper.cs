using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>The step of the fully connected network of eq. (1), beta = w_1 w_2 ... w_L (layer l row-major D_{l-1} x
/// D_l, D_0 = D, D_L = 1: <see cref="Networks.FullyConnectedNetwork"/>'s layout), under the exponential loss, for many
/// runs at once, one run per lane. (docs/performance.md, "FullyConnectedLaneStepper")</summary>
public sealed class FullyConnectedLaneStepper : LaneStepper
{
    // D_0..D_L; start of layer l (1-based) at _offsets[l - 1], P at _offsets[L]
    private readonly int[] _widths, _offsets;
    // start of r_l (l = 0..L) in a group's vectors, a_l (l = 1..L) at that of r_{l-1}
    private readonly int[] _vectorOffsets;
    private readonly int _parameters, _vectorLength;
    private readonly Vec[] _w, _wPrevious;         // [group][p]
    // [group][vector offsets]: r_l of the last Evaluate, of the last Gradient; a_l
    private readonly Vec[] _right, _stepRight, _left;

    /// <summary>An empty batch of fc networks with widths D_0 = D, ..., D_L = 1: <paramref name="groups"/> groups of
    /// eight runs, each on at most N points.</summary>
    public FullyConnectedLaneStepper(IReadOnlyList<int> widths, int count, int groups) : base(widths.Count - 1, count,
        widths[0], groups)
    {
        _widths = widths.ToArray();
        if (_widths[^1] != 1
            || _widths.Any(w =>
            w < 1)) throw new
            ArgumentException($"fc widths {string.Join(",", _widths)}: each must be at least 1 and the last 1.");
        _offsets = new int[_depth + 1];
        for (int l = 1; l <= _depth; l++) _offsets[l] = _offsets[l - 1] + _widths[l - 1] * _widths[l];
        _vectorOffsets = new int[_depth + 2];
        for (int l = 0; l <= _depth; l++) _vectorOffsets[l + 1] = _vectorOffsets[l] + _widths[l];
        _parameters = _offsets[_depth]; _vectorLength = _vectorOffsets[_depth + 1];
        _w = new Vec[groups * _parameters]; _wPrevious = new Vec[_w.Length];
        _right = new Vec[groups * _vectorLength]; _stepRight = new Vec[_right.Length]; _left = new Vec[_right.Length];
    }

    /// <inheritdoc/>
    public override string Name => $"lanes-fc-L{_depth}";
    /// <inheritdoc/>
    public override int ParameterCount => _parameters;

    /// <summary>((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)): how every sum of squares ends (a lone run: the
    /// halves of one vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vec Reduce(Vec p0, Vec p1, Vec p2, Vec p3, Vec p4, Vec p5, Vec p6, Vec p7) =>
        ((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7));

    /// <summary>The eight partial sums of squares of a row of <paramref name="length"/> entries, added to p (entry j to
    /// p[j mod 8]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddSquares(ref Vec x, int length, ref Vec p0, ref Vec p1, ref Vec p2, ref Vec p3, ref Vec p4,
        ref Vec p5, ref Vec p6, ref Vec p7)
    {
        int j = 0;
        for (; j + 8 <= length; j += 8)
        {
            ref Vec v = ref Unsafe.Add(ref x, j);
            p0 = V.FusedMultiplyAdd(v, v, p0); p1 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 1), Unsafe.Add(ref v, 1), p1);
            p2 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 2), Unsafe.Add(ref v, 2),
                p2); p3 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 3), Unsafe.Add(ref v, 3), p3);
            p4 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 4), Unsafe.Add(ref v, 4),
                p4); p5 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 5), Unsafe.Add(ref v, 5), p5);
            p6 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 6), Unsafe.Add(ref v, 6),
                p6); p7 = V.FusedMultiplyAdd(Unsafe.Add(ref v, 7), Unsafe.Add(ref v, 7), p7);
        }
        int rest = length - j;
        if (rest > 0) { var v = Unsafe.Add(ref x, j); p0 = V.FusedMultiplyAdd(v, v, p0); }
        if (rest > 1) { var v = Unsafe.Add(ref x, j + 1); p1 = V.FusedMultiplyAdd(v, v, p1); }
        if (rest > 2) { var v = Unsafe.Add(ref x, j + 2); p2 = V.FusedMultiplyAdd(v, v, p2); }
        if (rest > 3) { var v = Unsafe.Add(ref x, j + 3); p3 = V.FusedMultiplyAdd(v, v, p3); }
        if (rest > 4) { var v = Unsafe.Add(ref x, j + 4); p4 = V.FusedMultiplyAdd(v, v, p4); }
        if (rest > 5) { var v = Unsafe.Add(ref x, j + 5); p5 = V.FusedMultiplyAdd(v, v, p5); }
        if (rest > 6) { var v = Unsafe.Add(ref x, j + 6); p6 = V.FusedMultiplyAdd(v, v, p6); }
    }

    /// <summary>The sum of squares of one vector of <paramref name="length"/> entries (one row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vec SumOfSquares(ref Vec x, int length)
    {
        Vec p0 = Vec.Zero, p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
        AddSquares(ref x, length, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
        return Reduce(p0, p1, p2, p3, p4, p5, p6, p7);
    }

    /// <summary>dst[k] = chain over t = 0..terms-1 of fma(m[k * outputStride + t * termStride], src[t], .) from 0, for
    /// k = 0..outputs-1: eight chains at a time (an FMA's latency times the two FMA ports), then four, then one. A
    /// row's right product is (cols, 1) strides, a column's left product (1, cols).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Chains(ref Vec m, int outputs, int terms, int outputStride, int termStride, ref Vec src,
        ref Vec dst)
    {
        int k = 0;
        for (; k + 8 <= outputs; k += 8)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0; var a4 = a0; var a5 = a0; var a6 = a0; var a7 =
                a0;
            ref Vec mk = ref Unsafe.Add(ref m, k * outputStride);
            for (int t = 0; t < terms; t++)
            {
                var x = Unsafe.Add(ref src, t);
                ref Vec c = ref Unsafe.Add(ref mk, t * termStride);
                a0 = V.FusedMultiplyAdd(c, x, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref c, outputStride), x, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 2 * outputStride), x,
                    a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 3 * outputStride), x, a3);
                a4 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 4 * outputStride), x,
                    a4); a5 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 5 * outputStride), x, a5);
                a6 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 6 * outputStride), x,
                    a6); a7 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 7 * outputStride), x, a7);
            }
            ref Vec d = ref Unsafe.Add(ref dst, k);
            d = a0; Unsafe.Add(ref d, 1) = a1; Unsafe.Add(ref d, 2) = a2; Unsafe.Add(ref d, 3) = a3;
            Unsafe.Add(ref d, 4) = a4; Unsafe.Add(ref d, 5) = a5; Unsafe.Add(ref d, 6) = a6; Unsafe.Add(ref d, 7) = a7;
        }
        for (; k + 4 <= outputs; k += 4)
        {
            var a0 = Vec.Zero; var a1 = a0; var a2 = a0; var a3 = a0;
            ref Vec mk = ref Unsafe.Add(ref m, k * outputStride);
            for (int t = 0; t < terms; t++)
            {
                var x = Unsafe.Add(ref src, t);
                ref Vec c = ref Unsafe.Add(ref mk, t * termStride);
                a0 = V.FusedMultiplyAdd(c, x, a0); a1 = V.FusedMultiplyAdd(Unsafe.Add(ref c, outputStride), x, a1);
                a2 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 2 * outputStride), x,
                    a2); a3 = V.FusedMultiplyAdd(Unsafe.Add(ref c, 3 * outputStride), x, a3);
            }
            ref Vec d = ref Unsafe.Add(ref dst, k);
            d = a0; Unsafe.Add(ref d, 1) = a1; Unsafe.Add(ref d, 2) = a2; Unsafe.Add(ref d, 3) = a3;
        }
        for (; k < outputs; k++)
        {
            var acc = Vec.Zero;
            ref Vec mk = ref Unsafe.Add(ref m, k * outputStride);
            for (int t = 0; t < terms; t++) acc = V.FusedMultiplyAdd(Unsafe.Add(ref mk, t * termStride),
                Unsafe.Add(ref src, t), acc);
            Unsafe.Add(ref dst, k) = acc;
        }
    }

    /// <summary>r_L = 1, r_{l-1} = w_l r_l (row chains over j, <see cref="Chains"/>) into
    /// <paramref name="r"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RightProducts(ref Vec w, ref Vec r)
    {
        Unsafe.Add(ref r, _vectorOffsets[_depth]) = Vec.One;
        for (int l = _depth; l >= 1; l--)
        {
            int rows = _widths[l - 1], cols = _widths[l];
            Chains(ref Unsafe.Add(ref w, _offsets[l - 1]), rows, cols, cols, 1,
                   ref Unsafe.Add(ref r, _vectorOffsets[l]), ref Unsafe.Add(ref r, _vectorOffsets[l - 1]));
        }
    }

    /// <summary>beta = r_0 (the right products, kept for the gradient) times the margin scale.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override Vec PackedPredictor(int group, ref Vec pb, Vec ms)
    {
        ref Vec r = ref Unsafe.Add(ref Data(_right), group * _vectorLength);
        RightProducts(ref Unsafe.Add(ref Data(_w), group * _parameters), ref r);
        var nonFinite = Vec.Zero;
        for (int i = 0; i < _d; i++)
        {
            var v = Unsafe.Add(ref r, i) * ms;
            Unsafe.Add(ref pb, i) = v;
            nonFinite += v * Vec.Zero; // NaN in a lane with an infinite or NaN entry
        }
        return nonFinite;
    }

    /// <summary>The left products a_l from the packed gradient and the right products r_l of the last Evaluate (kept
    /// for the step); ||grad||^2 = sum_l ||a_l||^2 ||r_l||^2 unless <paramref name="norm"/> is false (the
    /// midpoint's).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Gradient(int group, bool norm)
    {
        int vb = group * _vectorLength;
        ref Vec w = ref Unsafe.Add(ref Data(_w), group * _parameters);
        ref Vec a = ref Unsafe.Add(ref Data(_left), vb);
        ref Vec r = ref Unsafe.Add(ref Data(_right), vb);
        ref Vec rs = ref Unsafe.Add(ref Data(_stepRight), vb);
        ref Vec g = ref Unsafe.Add(ref Data(_packedG), group * _d);
        for (int i = 0; i < _vectorLength; i++) Unsafe.Add(ref rs, i) = Unsafe.Add(ref r, i);
        for (int i = 0; i < _d; i++) Unsafe.Add(ref a, i) = Unsafe.Add(ref g, i); // a_1 = g
        for (int l = 1; l < _depth; l++) // column chains over i
        {
            int rows = _widths[l - 1], cols = _widths[l];
            Chains(ref Unsafe.Add(ref w, _offsets[l - 1]), cols, rows, 1, cols,
                   ref Unsafe.Add(ref a, _vectorOffsets[l - 1]), ref Unsafe.Add(ref a, _vectorOffsets[l]));
        }
        if (!norm) return;
        var total = Vec.Zero;
        for (int l = 1; l <= _depth; l++)
            total = V.FusedMultiplyAdd(SumOfSquares(ref Unsafe.Add(ref a, _vectorOffsets[l - 1]), _widths[l - 1]),
                                       SumOfSquares(ref Unsafe.Add(ref rs, _vectorOffsets[l]), _widths[l]), total);
        _gradientNormSquared[group] = total;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(int group, ReadOnlySpan<double> multipliers, ReadOnlySpan<bool> take,
        ReadOnlySpan<bool> back, bool norm = true)
    {
        var (mask, backMask, minus) = StepLanes(multipliers, take, back);
        bool plain = mask.Equals(Vec.AllBitsSet) && backMask.Equals(Vec.Zero);
        int vb = group * _vectorLength;
        ref Vec w = ref Unsafe.Add(ref Data(_w), group * _parameters);
        ref Vec previous = ref Unsafe.Add(ref Data(_wPrevious), group * _parameters);
        ref Vec a = ref Unsafe.Add(ref Data(_left), vb);
        ref Vec rs = ref Unsafe.Add(ref Data(_stepRight), vb);
        // ||w||^2: eight partials over each row's entries, rows and layers in order, each row while it is hot
        Vec p0 = Vec.Zero, p1 = p0, p2 = p0, p3 = p0, p4 = p0, p5 = p0, p6 = p0, p7 = p0;
        for (int l = 1; l <= _depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l], offset = _offsets[l - 1];
            ref Vec r = ref Unsafe.Add(ref rs, _vectorOffsets[l]);
            for (int i = 0; i < rows; i++)
            {
                var c = minus * Unsafe.Add(ref a, _vectorOffsets[l - 1] + i);
                ref Vec x = ref Unsafe.Add(ref w, offset + i * cols);
                ref Vec p = ref Unsafe.Add(ref previous, offset + i * cols);
                if (plain)
                    for (int j = 0; j < cols; j++)
                    {
                        ref Vec xj = ref Unsafe.Add(ref x, j);
                        Unsafe.Add(ref p, j) = xj;
                        xj = V.FusedMultiplyAdd(c, Unsafe.Add(ref r, j), xj);
                    }
                else
                    for (int j = 0; j < cols; j++)
                    {
                        ref Vec xj = ref Unsafe.Add(ref x, j); ref Vec pj = ref Unsafe.Add(ref p, j);
                        var from = V.ConditionalSelect(backMask, pj, xj);
                        pj = V.ConditionalSelect(mask, from, pj);
                        xj = V.ConditionalSelect(mask, V.FusedMultiplyAdd(c, Unsafe.Add(ref r, j), from), from);
                    }
                if (norm) AddSquares(ref x, cols, ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
            }
        }
        if (norm) _normSquared[group] = V.ConditionalSelect(mask, Reduce(p0, p1, p2, p3, p4, p5, p6, p7),
            _normSquared[group]);
    }

    /// <inheritdoc/>
    protected override void PackFeatures(ReadOnlySpan<double> features, Span<double> packed) => features.CopyTo(packed);

    /// <inheritdoc/>
    protected override void LoadParameters(int group, int lane, ReadOnlySpan<double> initial)
    {
        int b = group * _parameters, vb = group * _vectorLength;
        for (int p = 0; p < _parameters; p++) { Lane(_w, b + p, lane) = initial[p]; Lane(_wPrevious, b + p, lane) = 0; }
        for (int i = 0; i < _vectorLength; i++) { Lane(_left, vb + i, lane) = 0; Lane(_right, vb + i,
            lane) = 0; Lane(_stepRight, vb + i, lane) = 0; }
    }

    // One lane's operations, scalar, with the formulas of the vector code above.

    /// <summary>The lane's ||w||^2: the eight partials of
    /// <see cref="Step(int, ReadOnlySpan{double}, ReadOnlySpan{bool}, ReadOnlySpan{bool}, bool)"/>, scalar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ParameterNormSquared(int lane)
    {
        int b = lane / Lanes * _parameters, k = lane % Lanes;
        Span<double> p = stackalloc double[8];
        p.Clear();
        for (int l = 1; l <= _depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l];
            for (int i = 0; i < rows; i++)
                for (int j = 0; j < cols; j++)
                {
                    double v = Lane(_w, b + _offsets[l - 1] + i * cols + j, k);
                    p[j & 7] = Math.FusedMultiplyAdd(v, v, p[j & 7]);
                }
        }
        return ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
    }

    /// <inheritdoc/>
    public override void Scale(int lane, double factor)
    {
        int b = lane / Lanes * _parameters, k = lane % Lanes;
        for (int p = 0; p < _parameters; p++) Lane(_w, b + p, k) *= factor;
    }

    /// <inheritdoc/>
    public override void Step(int lane, double s)
    {
        int b = lane / Lanes * _parameters, vb = lane / Lanes * _vectorLength, k = lane % Lanes;
        for (int l = 1; l <= _depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l];
            for (int i = 0; i < rows; i++)
            {
                double c = -s * Lane(_left, vb + _vectorOffsets[l - 1] + i, k);
                for (int j = 0; j < cols; j++)
                {
                    int p = b + _offsets[l - 1] + i * cols + j;
                    ref double x = ref Lane(_w, p, k);
                    Lane(_wPrevious, p, k) = x;
                    x = Math.FusedMultiplyAdd(c, Lane(_stepRight, vb + _vectorOffsets[l] + j, k), x);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void StepBack(int lane)
    {
        int b = lane / Lanes * _parameters, k = lane % Lanes;
        for (int p = 0; p < _parameters; p++) Lane(_w, b + p, k) = Lane(_wPrevious, b + p, k);
    }

    /// <inheritdoc/>
    public override void CopyBeta(int lane, Span<double> beta)
    {
        int b = lane / Lanes * _parameters, k = lane % Lanes, widest = _widths.Max();
        // On the stack for the batched widths (at most MaxFullyConnectedParameters parameters), on the heap above.
        Span<double> r = widest <= 1024 ? stackalloc double[widest] : new double[widest];
        Span<double> next = widest <= 1024 ? stackalloc double[widest] : new double[widest];
        r[0] = 1.0;
        for (int l = _depth; l >= 1; l--)
        {
            int rows = _widths[l - 1], cols = _widths[l];
            for (int i = 0; i < rows; i++)
            {
                double acc = 0;
                for (int j = 0; j < cols; j++) acc = Math.FusedMultiplyAdd(Lane(_w, b + _offsets[l - 1] + i * cols + j,
                    k), r[j], acc);
                next[i] = acc;
            }
            var swap = r; r = next; next = swap;
        }
        r.Slice(0, _d).CopyTo(beta);
    }

    /// <inheritdoc/>
    public override void CopyParameters(int lane, Span<double> w)
    {
        int b = lane / Lanes * _parameters, k = lane % Lanes;
        for (int p = 0; p < _parameters; p++) w[p] = Lane(_w, b + p, k);
    }
}
