using System.Numerics.Tensors;

namespace ImplicitBias.Engine.Numerics;

/// <summary>
/// An N x D row-major matrix A with the two products a gradient step needs, m = A v and
/// g = -A^T q, SIMD (TensorPrimitives) and split over a <see cref="WorkerPool"/> so that the
/// result is bit for bit the one of a single thread: A v is split by rows (each row's dot product
/// is computed whole by one thread) and A^T q by columns (each column's sum runs over n = 0..N-1
/// in order on one thread). Allocation free.
/// </summary>
public sealed class RowMatrix : IDisposable
{
    private readonly double[] _a;
    private readonly WorkerPool? _pool;
    private readonly Action<int> _rowsPart, _columnsPart;
    private double[] _v = [], _m = [], _q = [], _g = [];

    /// <summary>Wraps <paramref name="values"/> (not copied) as rows x columns; threads: 1 = no pool.</summary>
    public RowMatrix(double[] values, int rows, int columns, int threads = 1)
    {
        if (values.Length != rows * columns) throw new ArgumentException($"{values.Length} values do not make a {rows} x {columns} matrix.");
        if (threads < 1) throw new ArgumentException($"threads must be at least 1 (got {threads}).");
        _a = values; Rows = rows; Columns = columns;
        Threads = Math.Min(threads, Math.Max(1, Math.Min(rows, columns / 8)));
        _pool = Threads > 1 ? new WorkerPool(Threads) : null;
        _rowsPart = RowsPart; _columnsPart = ColumnsPart;
    }

    /// <summary>N.</summary>
    public int Rows { get; }
    /// <summary>D.</summary>
    public int Columns { get; }
    /// <summary>Threads used per product (1 when the matrix is too small to split).</summary>
    public int Threads { get; }
    /// <summary>The values, row-major.</summary>
    public ReadOnlySpan<double> Values => _a;

    private static (int start, int count) Range(int total, int parts, int part, int align)
    {
        // Part boundaries on multiples of `align` so the SIMD loops see whole vectors.
        int chunk = (total / parts + align - 1) / align * align;
        int start = Math.Min(total, part * chunk);
        int end = part == parts - 1 ? total : Math.Min(total, start + chunk);
        return (start, end - start);
    }

    /// <summary>m = A v.</summary>
    public void Multiply(double[] v, double[] m)
    {
        if (_pool is null) { _v = v; _m = m; RowsPart(0); return; }
        _v = v; _m = m;
        _pool.Run(_rowsPart);
    }

    /// <summary>g = -A^T q = -sum_n q_n a_n.</summary>
    public void NegativeTransposeMultiply(double[] q, double[] g)
    {
        _q = q; _g = g;
        if (_pool is null) ColumnsPart(0); else _pool.Run(_columnsPart);
    }

    private void RowsPart(int part)
    {
        var (start, count) = Range(Rows, Threads, part, 1);
        int d = Columns;
        var v = _v.AsSpan(0, d);
        for (int n = start; n < start + count; n++) _m[n] = TensorPrimitives.Dot(_a.AsSpan(n * d, d), v);
    }

    private void ColumnsPart(int part)
    {
        var (start, count) = Range(Columns, Threads, part, 8);
        if (count == 0) return;
        var g = _g.AsSpan(start, count);
        g.Clear();
        for (int n = 0; n < Rows; n++)
            TensorPrimitives.MultiplyAdd(_a.AsSpan(n * Columns + start, count), -_q[n], g, g);
    }

    /// <summary>Stops the pool's threads.</summary>
    public void Dispose() => _pool?.Dispose();
}
