using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImplicitBias.Engine.Numerics;

/// <summary>The two hot loops of a gradient step, written with Vector&lt;double&gt; and fused multiply-adds and
/// compiled fully optimized from the first call (AggressiveOptimization, so a training run does not spend its first
/// second in unoptimized tier-0 code). (docs/performance.md, "Simd")</summary>
public static class Simd
{
    /// <summary>The Vector512 over a[index .. index + 8), unchecked: the lone kernels' arrays are padded to multiples
    /// of eight (<see cref="Steppers.LoneExponentialLoss.Padded"/>) and every index they pass is a multiple of eight
    /// inside them.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static ref System.Runtime.Intrinsics.Vector512<double> VectorAt(double[] a, int index) =>
        ref System.Runtime.CompilerServices.Unsafe.As<double, System.Runtime.Intrinsics.Vector512<double>>(
            ref System.Runtime.CompilerServices.Unsafe.Add(ref
                System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(a), index));

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
            s1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + w)),
                Vector.LoadUnsafe(ref rb, (nuint)(i + w)), s1);
            s2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + 2 * w)),
                Vector.LoadUnsafe(ref rb, (nuint)(i + 2 * w)), s2);
            s3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)(i + 3 * w)),
                Vector.LoadUnsafe(ref rb, (nuint)(i + 3 * w)), s3);
        }
        for (; i <= n - w; i += w)
            s0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref ra, (nuint)i), Vector.LoadUnsafe(ref rb, (nuint)i), s0);
        double sum = Vector.Sum((s0 + s1) + (s2 + s3));
        for (; i < n; i++) sum = Math.FusedMultiplyAdd(a[i], b[i], sum);
        return sum;
    }

    /// <summary>The four dot products of rows r..r+3 of a row-major matrix (<paramref name="stride"/> values a row,
    /// <paramref name="length"/> used) with v, reading v once for all four: the margins of four points in one pass.
    /// (docs/performance.md, "Simd.Dot4")</summary>
    public static void Dot4(ReadOnlySpan<double> matrix, int stride, int length, ReadOnlySpan<double> v, out double m0,
        out double m1, out double m2, out double m3) =>
        Dot4Core<MarginsOnly>(matrix, matrix, stride, length, v, [0.0, 0.0, 0.0, 0.0], [], out m0, out m1, out m2,
            out m3);

    /// <summary>Two jobs in one pass, so that the loads of the next rows (from memory) overlap the work on the current
    /// ones (in L1): the four dot products of <paramref name="next"/> (four rows) with v, bit for bit those of
    /// <see cref="Dot4"/>. (docs/performance.md, "Simd.Dot4AndAddScaledRows")</summary>
    public static void Dot4AndAddScaledRows(ReadOnlySpan<double> next, ReadOnlySpan<double> current, int stride,
        int length, ReadOnlySpan<double> v,
        ReadOnlySpan<double> u, Span<double> g, out double m0, out double m1, out double m2, out double m3)
    {
        if (g.Length < length || u.Length < 4 || 3L * stride + length > current.Length)
            throw new ArgumentException("Dot4AndAddScaledRows: four rows of the given length do not fit.");
        Dot4Core<WithRows>(next, current, stride, length, v, u, g, out m0, out m1, out m2, out m3);
    }

    /// <summary>Type flags for <see cref="Dot4Core"/>: the JIT compiles one specialized loop per flag.</summary>
    private struct MarginsOnly;
    private struct WithRows;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Dot4Core<TMode>(ReadOnlySpan<double> next, ReadOnlySpan<double> current, int stride,
        int length, ReadOnlySpan<double> v,
        ReadOnlySpan<double> u, Span<double> g, out double m0, out double m1, out double m2,
            out double m3) where TMode : struct
    {
        bool add = typeof(TMode) == typeof(WithRows);
        int w = Vector<double>.Count, i = 0;
        if (v.Length < length || length > stride || 3L * stride + length > next.Length)
            throw new ArgumentException("Dot4: four rows of the given length do not fit the matrix or v.");
        ref double r0 = ref MemoryMarshal.GetReference(next);
        ref double r1 = ref Unsafe.Add(ref r0, stride);
        ref double r2 = ref Unsafe.Add(ref r1, stride);
        ref double r3 = ref Unsafe.Add(ref r2, stride);
        ref double s0 = ref MemoryMarshal.GetReference(current);
        ref double s1 = ref Unsafe.Add(ref s0, stride);
        ref double s2 = ref Unsafe.Add(ref s1, stride);
        ref double s3 = ref Unsafe.Add(ref s2, stride);
        ref double rv = ref MemoryMarshal.GetReference(v);
        ref double rg = ref MemoryMarshal.GetReference(g);
        double c0 = u[0], c1 = u[1], c2 = u[2], c3 = u[3];
        var u0 = new Vector<double>(c0); var u1 = new Vector<double>(c1); var u2 = new Vector<double>(c2); var u3 =
            new Vector<double>(c3);
        var a0 = Vector<double>.Zero; var a1 = a0; var b0 = a0; var b1 = a0; var d0 = a0; var d1 = a0; var e0 =
            a0; var e1 = a0;
        for (; i <= length - 2 * w; i += 2 * w)
        {
            var x = Vector.LoadUnsafe(ref rv, (nuint)i);
            var y = Vector.LoadUnsafe(ref rv, (nuint)(i + w));
            a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r0, (nuint)i), x, a0);
            b0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r1, (nuint)i), x, b0);
            d0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r2, (nuint)i), x, d0);
            e0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r3, (nuint)i), x, e0);
            a1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r0, (nuint)(i + w)), y, a1);
            b1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r1, (nuint)(i + w)), y, b1);
            d1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r2, (nuint)(i + w)), y, d1);
            e1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r3, (nuint)(i + w)), y, e1);
            if (add)
            {
                AddFourRows(ref s0, ref s1, ref s2, ref s3, ref rg, (nuint)i, u0, u1, u2, u3);
                AddFourRows(ref s0, ref s1, ref s2, ref s3, ref rg, (nuint)(i + w), u0, u1, u2, u3);
            }
        }
        for (; i <= length - w; i += w)
        {
            var x = Vector.LoadUnsafe(ref rv, (nuint)i);
            a0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r0, (nuint)i), x, a0);
            b0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r1, (nuint)i), x, b0);
            d0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r2, (nuint)i), x, d0);
            e0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r3, (nuint)i), x, e0);
            if (add) AddFourRows(ref s0, ref s1, ref s2, ref s3, ref rg, (nuint)i, u0, u1, u2, u3);
        }
        m0 = Vector.Sum(a0 + a1); m1 = Vector.Sum(b0 + b1); m2 = Vector.Sum(d0 + d1); m3 = Vector.Sum(e0 + e1);
        for (; i < length; i++)
        {
            double x = v[i];
            m0 = Math.FusedMultiplyAdd(next[i], x, m0);
            m1 = Math.FusedMultiplyAdd(next[stride + i], x, m1);
            m2 = Math.FusedMultiplyAdd(next[2 * stride + i], x, m2);
            m3 = Math.FusedMultiplyAdd(next[3 * stride + i], x, m3);
            if (add) g[i] = AddFourScalars(current, stride, i, c0, c1, c2, c3, g[i]);
        }
    }

    /// <summary>g[o..o+w) = fma(s3, u3, fma(s2, u2, fma(s1, u1, fma(s0, u0, g)))): the chain of
    /// <see cref="AddScaledRows"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddFourRows(ref double s0, ref double s1, ref double s2, ref double s3, ref double g, nuint o,
        Vector<double> u0, Vector<double> u1, Vector<double> u2, Vector<double> u3)
    {
        var acc = Vector.LoadUnsafe(ref g, o);
        acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref s0, o), u0, acc);
        acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref s1, o), u1, acc);
        acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref s2, o), u2, acc);
        acc = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref s3, o), u3, acc);
        acc.StoreUnsafe(ref g, o);
    }

    /// <summary>The scalar form of <see cref="AddFourRows"/> for column j of four rows starting at matrix[0].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double AddFourScalars(ReadOnlySpan<double> matrix, int stride, int j, double c0, double c1,
        double c2, double c3, double acc)
    {
        acc = Math.FusedMultiplyAdd(matrix[j], c0, acc);
        acc = Math.FusedMultiplyAdd(matrix[stride + j], c1, acc);
        acc = Math.FusedMultiplyAdd(matrix[2 * stride + j], c2, acc);
        return Math.FusedMultiplyAdd(matrix[3 * stride + j], c3, acc);
    }

    /// <summary>y *= a, elementwise.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scale(Span<double> y, double a)
    {
        int n = y.Length, w = Vector<double>.Count, i = 0;
        ref double ry = ref MemoryMarshal.GetReference(y);
        var va = new Vector<double>(a);
        for (; i <= n - w; i += w) (Vector.LoadUnsafe(ref ry, (nuint)i) * va).StoreUnsafe(ref ry, (nuint)i);
        for (; i < n; i++) y[i] *= a;
    }

    /// <summary>g[j] = sum_{n &lt; rows} scale[n] A[n, column + j] for j &lt; g.Length, A row-major with
    /// <paramref name="stride"/> values a row. Rows are taken four at a time (g stays in registers for four rows), each
    /// element by the chain g = fma(a_n, s_n, g) for n = 0, 1, ...</summary>
    public static void ScaledColumnSums(ReadOnlySpan<double> matrix, int stride, int rows, int column,
        ReadOnlySpan<double> scale, Span<double> g)
    {
        g.Clear();
        AddScaledRows(matrix, stride, rows, column, scale, g);
    }

    /// <summary>As <see cref="ScaledColumnSums"/> but adds to g instead of overwriting it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaledRows(ReadOnlySpan<double> matrix, int stride, int rows, int column,
        ReadOnlySpan<double> scale, Span<double> g)
    {
        int count = g.Length, w = Vector<double>.Count;
        if (column + count > stride || (long)(rows - 1) * stride + column + count > matrix.Length)
            throw new ArgumentException("ScaledColumnSums: the column range is outside the matrix.");
        ref double rm = ref MemoryMarshal.GetReference(matrix);
        ref double rg = ref MemoryMarshal.GetReference(g);
        int n = 0;
        for (; n + 4 <= rows; n += 4)
        {
            nuint o0 = (nuint)(n * stride + column), o1 = o0 + (nuint)stride, o2 = o1 + (nuint)stride,
                o3 = o2 + (nuint)stride;
            double c0 = scale[n], c1 = scale[n + 1], c2 = scale[n + 2], c3 = scale[n + 3];
            var v0 = new Vector<double>(c0); var v1 = new Vector<double>(c1); var v2 = new Vector<double>(c2); var v3 =
                new Vector<double>(c3);
            ref double s0 = ref Unsafe.Add(ref rm, o0); ref double s1 = ref Unsafe.Add(ref rm, o1);
            ref double s2 = ref Unsafe.Add(ref rm, o2); ref double s3 = ref Unsafe.Add(ref rm, o3);
            int j = 0;
            for (; j <= count - w; j += w) AddFourRows(ref s0, ref s1, ref s2, ref s3, ref rg, (nuint)j, v0, v1, v2,
                v3);
            for (; j < count; j++) g[j] = AddFourScalars(matrix.Slice((int)o0), stride, j, c0, c1, c2, c3, g[j]);
        }
        for (; n < rows; n++)
        {
            nuint o = (nuint)(n * stride + column);
            double c = scale[n];
            var v = new Vector<double>(c);
            int j = 0;
            for (; j <= count - w; j += w)
                Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rm, o + (nuint)j), v,
                    Vector.LoadUnsafe(ref rg, (nuint)j)).StoreUnsafe(ref rg, (nuint)j);
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
            Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref rx, (nuint)i), va,
                Vector.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
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
