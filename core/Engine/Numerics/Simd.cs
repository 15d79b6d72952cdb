using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImplicitBias.Engine.Numerics;

/// <summary>
/// The two hot loops of a gradient step, written with Vector&lt;double&gt; and fused multiply-adds
/// and compiled fully optimized from the first call (AggressiveOptimization, so a training run
/// does not spend its first second in unoptimized tier-0 code). Every element of an
/// <see cref="ScaledColumnSums"/> result sees the same chain of fused multiply-adds whether it falls
/// in a vector or in the scalar tail, so splitting the columns over threads changes no bit.
/// Slow twins: TensorPrimitives.Dot and MultiplyAdd (tests compare them).
/// </summary>
public static class Simd
{
    /// <summary>sum_i a[i] b[i] (four vector accumulators, then a fixed-order reduction).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        int n = a.Length, w = Vector<double>.Count, i = 0;
        if (b.Length < n) throw new ArgumentException("Dot: b is shorter than a.");
        ref double ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        var s0 = Vector<double>.Zero; var s1 = s0; var s2 = s0; var s3 = s0;
        for (; i <= n - 4 * w; i += 4 * w)
        {
            s0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)i), Vector.LoadUnsafe(ref rb, (nuint)i), s0);
            s1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + w)), Vector.LoadUnsafe(ref rb, (nuint)(i + w)), s1);
            s2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + 2 * w)), Vector.LoadUnsafe(ref rb, (nuint)(i + 2 * w)), s2);
            s3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + 3 * w)), Vector.LoadUnsafe(ref rb, (nuint)(i + 3 * w)), s3);
        }
        for (; i <= n - w; i += w)
            s0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)i), Vector.LoadUnsafe(ref rb, (nuint)i), s0);
        double sum = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum = Math.FusedMultiplyAdd(a[i], b[i], sum);
        return sum;
    }

    /// <summary>
    /// g[j] = sum_{n &lt; rows} scale[n] A[n, column + j] for j &lt; g.Length, A row-major with
    /// <paramref name="stride"/> values a row. Rows are taken four at a time (g stays in
    /// registers for four rows), each element by the chain g = fma(a_n, s_n, g) for n = 0, 1, ...
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaledColumnSums(ReadOnlySpan<double> matrix, int stride, int rows, int column, ReadOnlySpan<double> scale, Span<double> g)
    {
        int count = g.Length, w = Vector<double>.Count;
        if (column + count > stride || (long)(rows - 1) * stride + column + count > matrix.Length)
            throw new ArgumentException("ScaledColumnSums: the column range is outside the matrix.");
        g.Clear();
        ref double rm = ref MemoryMarshal.GetReference(matrix);
        ref double rg = ref MemoryMarshal.GetReference(g);
        int n = 0;
        for (; n + 4 <= rows; n += 4)
        {
            nuint o0 = (nuint)(n * stride + column), o1 = o0 + (nuint)stride, o2 = o1 + (nuint)stride, o3 = o2 + (nuint)stride;
            double c0 = scale[n], c1 = scale[n + 1], c2 = scale[n + 2], c3 = scale[n + 3];
            var v0 = new Vector<double>(c0); var v1 = new Vector<double>(c1); var v2 = new Vector<double>(c2); var v3 = new Vector<double>(c3);
            int j = 0;
            for (; j <= count - w; j += w)
            {
                var acc = Vector.LoadUnsafe(ref rg, (nuint)j);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rm, o0 + (nuint)j), v0, acc);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rm, o1 + (nuint)j), v1, acc);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rm, o2 + (nuint)j), v2, acc);
                acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rm, o3 + (nuint)j), v3, acc);
                acc.StoreUnsafe(ref rg, (nuint)j);
            }
            for (; j < count; j++)
            {
                double acc = g[j];
                acc = Math.FusedMultiplyAdd(matrix[(int)o0 + j], c0, acc);
                acc = Math.FusedMultiplyAdd(matrix[(int)o1 + j], c1, acc);
                acc = Math.FusedMultiplyAdd(matrix[(int)o2 + j], c2, acc);
                acc = Math.FusedMultiplyAdd(matrix[(int)o3 + j], c3, acc);
                g[j] = acc;
            }
        }
        for (; n < rows; n++)
        {
            nuint o = (nuint)(n * stride + column);
            double c = scale[n];
            var v = new Vector<double>(c);
            int j = 0;
            for (; j <= count - w; j += w)
                Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rm, o + (nuint)j), v, Vector.LoadUnsafe(ref rg, (nuint)j)).StoreUnsafe(ref rg, (nuint)j);
            for (; j < count; j++) g[j] = Math.FusedMultiplyAdd(matrix[(int)o + j], c, g[j]);
        }
    }

    /// <summary>y += a x, elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(Span<double> y, double a, ReadOnlySpan<double> x)
    {
        int n = y.Length, w = Vector<double>.Count, i = 0;
        ref double ry = ref MemoryMarshal.GetReference(y);
        ref double rx = ref MemoryMarshal.GetReference(x);
        var va = new Vector<double>(a);
        for (; i <= n - w; i += w)
            Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rx, (nuint)i), va, Vector.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        for (; i < n; i++) y[i] = Math.FusedMultiplyAdd(x[i], a, y[i]);
    }

    /// <summary>y = y .* x, elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MultiplyInPlace(Span<double> y, ReadOnlySpan<double> x)
    {
        int n = y.Length, w = Vector<double>.Count, i = 0;
        ref double ry = ref MemoryMarshal.GetReference(y);
        ref double rx = ref MemoryMarshal.GetReference(x);
        for (; i <= n - w; i += w)
            (Vector.LoadUnsafe(ref ry, (nuint)i) * Vector.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        for (; i < n; i++) y[i] *= x[i];
    }
}
