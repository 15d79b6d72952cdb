using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImplicitBias.Engine.Groups;

namespace ImplicitBias.Engine.Networks;

/// <summary>The group Fourier steppers' layer algebra (packed predictor from the layers, layers' gradients from the
/// data's), written once for a run and for eight lanes, so both do the same operations.
/// (docs/performance.md, "GroupBlockAlgebra")</summary>
/// <remarks>Per block, W_l the layer's block, s = d^-(L-1)/2: prefixes P_1 = W_1, P_l = W_l P_(l-1) (the new layer
/// on the left), beta_hat = s P_L. With g_hat the block of the packed gradient, U_L = s g_hat, U_(l-1) = W_l^* U_l
/// (adjoint on the left), and the layers' gradients M_l = U_l P_(l-1)^* (adjoint on the right), M_1 = U_1.</remarks>
public sealed class GroupBlockAlgebra<T> where T : struct, IBlockScalar<T>
{
    private readonly BlockRun[] _runs;
    private readonly int[] _unpacked;        // per run: its offset in an unpacked block array
    private readonly T[] _scale, _weightedScale; // per run: s and c s
    private readonly T[][] _basisRe, _basisIm;   // per run (quaternionic): the basis, [block][k][entry]
    private readonly int _depth, _order;

    /// <summary>The algebra of depth-L layers on <paramref name="spectrum"/>'s blocks.</summary>
    public GroupBlockAlgebra(GroupSpectrum spectrum, int depth)
    {
        Func<double, T> broadcast = T.Of;
        _runs = spectrum.Runs.ToArray(); _depth = depth; _order = spectrum.Order;
        _unpacked = new int[_runs.Length];
        for (int r = 0, o = 0; r < _runs.Length; r++) { _unpacked[r] = o; o += UnpackedLength(_runs[r]); }
        UnpackedCount = _runs.Sum(UnpackedLength);
        _scale = _runs.Select(r => broadcast(Math.Pow(r.Dimension, -(depth - 1) / 2.0))).ToArray();
        _weightedScale = _runs.Select(r => broadcast(r.Weight * Math.Pow(r.Dimension, -(depth - 1) / 2.0)))
            .ToArray();
        _basisRe = _runs.Select(r => r.BasisRe?.Select(broadcast).ToArray() ?? []).ToArray();
        _basisIm = _runs.Select(r => r.BasisIm?.Select(broadcast).ToArray() ?? []).ToArray();
    }

    /// <summary>Length of one set of unpacked blocks: |G|, plus d^2 per quaternionic block (its imaginary
    /// parts).</summary>
    public int UnpackedCount { get; }
    /// <summary>Length of the cache <see cref="Predictor"/> fills and <see cref="Gradient"/> reads: the L layers'
    /// unpacked blocks, then the prefixes P_2..P_L.</summary>
    public int CacheLength => (2 * _depth - 1) * UnpackedCount;
    /// <summary>Length of the scratch of <see cref="Gradient"/>.</summary>
    public int ScratchLength => 3 * UnpackedCount;

    private static int UnpackedLength(BlockRun r) => r.Count * r.Entries * (r.IsReal ? 1 : 2);

    /// <summary>beta = P(w) from the layers' packed coordinates (a new cache: for records, between steps).</summary>
    public void Beta(GroupSpectrum spectrum, ReadOnlySpan<T> layers, Span<double> beta)
    {
        var pb = new T[_order];
        Predictor(layers, new T[CacheLength], pb, T.Of(1));
        var weighted = MemoryMarshal.Cast<T, double>(pb);
        if (weighted.Length != _order) throw new InvalidOperationException("Beta is for one run (T = BlockDouble).");
        spectrum.UnpackWeighted(weighted, beta);
    }

    /// <summary>pb = c s beta_hat times <paramref name="marginScale"/>, packed (|G| entries), from the layers' packed
    /// coordinates (L x |G|); fills <paramref name="cache"/>. Returns a sum of pb_i * 0: zero unless some entry is
    /// not finite (NaN then).</summary>
    public T Predictor(ReadOnlySpan<T> layers, Span<T> cache, Span<T> pb, T marginScale)
    {
        int u = UnpackedCount;
        for (int l = 0; l < _depth; l++) Unpack(layers.Slice(l * _order, _order), cache.Slice(l * u, u), default);
        for (int r = 0; r < _runs.Length; r++)
        {
            var run = _runs[r];
            int o = _unpacked[r], len = UnpackedLength(run);
            for (int l = 1; l < _depth; l++)
            {
                var previous = l == 1 ? cache.Slice(o, len) : cache.Slice((_depth + l - 2) * u + o, len);
                Product(run, cache.Slice(l * u + o, len), false, previous, false, cache.Slice((_depth + l - 1) * u + o,
                    len));
            }
        }
        var beta = _depth == 1 ? cache.Slice(0, u) : cache.Slice((2 * _depth - 2) * u, u);
        return Pack(beta, pb, true, marginScale);
    }

    /// <summary>grad = the layers' gradients in packed coordinates (L x |G|) from the packed gradient
    /// <paramref name="pg"/> of the data, at the parameters of the last <see cref="Predictor"/> (its cache).</summary>
    public void Gradient(ReadOnlySpan<T> cache, ReadOnlySpan<T> pg, Span<T> scratch, Span<T> grad)
    {
        int u = UnpackedCount;
        Span<T> current = scratch.Slice(0, u), next = scratch.Slice(u, u), m = scratch.Slice(2 * u, u);
        Unpack(pg, current, scaled: true);
        for (int l = _depth - 1; l >= 0; l--)
        {
            for (int r = 0; r < _runs.Length; r++)
            {
                var run = _runs[r];
                int o = _unpacked[r], len = UnpackedLength(run);
                if (l == 0) current.Slice(o, len).CopyTo(m.Slice(o, len));
                else
                {
                    var prefix = l == 1 ? cache.Slice(o, len) : cache.Slice((_depth + l - 2) * u + o, len);
                    Product(run, current.Slice(o, len), false, prefix, true, m.Slice(o, len));
                    Product(run, cache.Slice(l * u + o, len), true, current.Slice(o, len), false, next.Slice(o, len));
                }
            }
            Pack(m, grad.Slice(l * _order, _order), false, default);
            var swap = current; current = next; next = swap;
        }
    }

    /// <summary>Packed coordinates to blocks; with <paramref name="scaled"/> each run times s.</summary>
    private void Unpack(ReadOnlySpan<T> packed, Span<T> blocks, bool scaled)
    {
        for (int r = 0, p = 0; r < _runs.Length; r++)
        {
            var run = _runs[r];
            int o = _unpacked[r], dd = run.Entries;
            if (run.Kind != IrrepType.Quaternionic)
            {
                for (int i = 0; i < run.PackedLength; i++)
                    blocks[o + i] = scaled ? _scale[r] * packed[p + i] : packed[p + i];
                p += run.PackedLength;
                continue;
            }
            var (bre, bim) = (_basisRe[r], _basisIm[r]);
            int half = run.Count * dd;
            for (int q = 0; q < run.Count; q++)
                for (int e = 0; e < dd; e++)
                {
                    T x = default, y = default;
                    for (int k = 0; k < dd; k++)
                    {
                        T c = packed[p + q * dd + k];
                        x += c * bre[(q * dd + k) * dd + e]; y += c * bim[(q * dd + k) * dd + e];
                    }
                    blocks[o + q * dd + e] = scaled ? _scale[r] * x : x;
                    blocks[o + half + q * dd + e] = scaled ? _scale[r] * y : y;
                }
            p += run.PackedLength;
        }
    }

    /// <summary>Blocks to packed coordinates; <paramref name="weighted"/>: times c s and the margin scale, and returns
    /// the sum of the entries times zero.</summary>
    private T Pack(ReadOnlySpan<T> blocks, Span<T> packed, bool weighted, T marginScale)
    {
        T nonFinite = default;
        for (int r = 0, p = 0; r < _runs.Length; r++)
        {
            var run = _runs[r];
            int o = _unpacked[r], dd = run.Entries;
            if (run.Kind != IrrepType.Quaternionic)
            {
                for (int i = 0; i < run.PackedLength; i++)
                {
                    T v = weighted ? _weightedScale[r] * blocks[o + i] * marginScale : blocks[o + i];
                    packed[p + i] = v; nonFinite += v * default(T);
                }
                p += run.PackedLength;
                continue;
            }
            var (bre, bim) = (_basisRe[r], _basisIm[r]);
            int half = run.Count * dd;
            for (int q = 0; q < run.Count; q++)
                for (int k = 0; k < dd; k++)
                {
                    T x = default;
                    for (int e = 0; e < dd; e++)
                        x += bre[(q * dd + k) * dd + e] * blocks[o + q * dd + e] +
                             bim[(q * dd + k) * dd + e] * blocks[o + half + q * dd + e];
                    T v = weighted ? _weightedScale[r] * x * marginScale : x;
                    packed[p + q * dd + k] = v; nonFinite += v * default(T);
                }
            p += run.PackedLength;
        }
        return nonFinite;
    }

    /// <summary>c = op(a) op(b) for each block of the run, op the identity or the adjoint (conjugate transpose); sums
    /// over k from 0, (x_re y_re - x_im y_im) and (x_re y_im + x_im y_re) added in that order. c must not
    /// alias.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Product(BlockRun run, ReadOnlySpan<T> a, bool adjointA, ReadOnlySpan<T> b, bool adjointB,
        Span<T> c)
    {
        int d = run.Dimension, dd = d * d, half = run.Count * dd;
        bool real = run.IsReal;
        for (int q = 0; q < run.Count; q++)
        {
            int o = q * dd;
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    T sr = default, si = default;
                    for (int k = 0; k < d; k++)
                    {
                        int ia = adjointA ? o + k * d + i : o + i * d + k;
                        int ib = adjointB ? o + j * d + k : o + k * d + j;
                        T xr = a[ia], yr = b[ib];
                        if (real) { sr += xr * yr; continue; }
                        T xi = adjointA ? -a[half + ia] : a[half + ia];
                        T yi = adjointB ? -b[half + ib] : b[half + ib];
                        sr += xr * yr - xi * yi;
                        si += xr * yi + xi * yr;
                    }
                    c[o + i * d + j] = sr;
                    if (!real) c[half + o + i * d + j] = si;
                }
        }
    }
}
