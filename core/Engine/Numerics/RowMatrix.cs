using System.Numerics.Tensors;

namespace ImplicitBias.Engine.Numerics;

/// <summary>
/// An N x D row-major matrix A with the two products a gradient step needs, m = A v and
/// g = -A^T q, SIMD (<see cref="Simd"/>) and split over a <see cref="WorkerPool"/> so that the
/// result is bit for bit the one of a single thread: A v is split by rows (each row's dot product
/// is computed whole by one thread) and A^T q by columns (each column's sum runs over n = 0..N-1
/// in order on one thread). Allocation free.
/// <see cref="FusedLogLossGradient"/> does a whole loss evaluation and gradient in one pass over A
/// (the slow twin being <see cref="Multiply"/>, the loss, then <see cref="NegativeTransposeMultiply"/>).
/// </summary>
public sealed class RowMatrix : IDisposable
{
    private readonly double[] _a;
    private readonly WorkerPool? _pool;
    private readonly Action<int> _rowsPart, _columnsPart;
    private double[] _v = [], _m = [], _q = [], _g = [];
    private readonly Action<int> _chunksPart;
    private readonly int _chunkRows, _chunks;
    private readonly double[] _partials, _chunkMax, _chunkSum, _u, _chunkScale;
    private Func<double, double> _logTerm = x => x, _logWeight = x => x;

    /// <summary>Wraps <paramref name="values"/> (not copied) as rows x columns; threads: 1 = no pool.</summary>
    public RowMatrix(double[] values, int rows, int columns, int threads = 1)
    {
        if (values.Length != rows * columns) throw new ArgumentException($"{values.Length} values do not make a {rows} x {columns} matrix.");
        if (threads < 1) throw new ArgumentException($"threads must be at least 1 (got {threads}).");
        _a = values; Rows = rows; Columns = columns;
        Threads = Math.Min(threads, Math.Max(1, Math.Min(rows, columns / 8)));
        _pool = Threads > 1 ? new WorkerPool(Threads) : null;
        _rowsPart = RowsPart; _columnsPart = ColumnsPart; _chunksPart = ChunksPart;
        // Chunks of about 256 KB (a multiple of 4 rows): the second read of a chunk comes from L2.
        _chunkRows = Math.Max(4, 32768 / Math.Max(1, columns) / 4 * 4);
        _chunks = (rows + _chunkRows - 1) / _chunkRows;
        _partials = new double[_chunks * columns];
        _chunkMax = new double[_chunks]; _chunkSum = new double[_chunks]; _chunkScale = new double[_chunks];
        _u = new double[rows];
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

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void RowsPart(int part)
    {
        var (start, count) = Range(Rows, Threads, part, 1);
        int d = Columns;
        var v = _v.AsSpan(0, d);
        for (int n = start; n < start + count; n++) _m[n] = Simd.Dot(_a.AsSpan(n * d, d), v);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ColumnsPart(int part)
    {
        var (start, count) = Range(Columns, Threads, part, 8);
        if (count == 0) return;
        var g = _g.AsSpan(start, count);
        Simd.ScaledColumnSums(_a, Columns, Rows, start, _q, g);
        for (int j = 0; j < g.Length; j++) g[j] = -g[j];
    }

    /// <summary>
    /// For a loss with log L = logsumexp_n logTerm(m_n) and weights q_n = exp(logWeight(m_n) - log L)
    /// (logWeight &lt;= logTerm), computes m = A v, log L and g = -sum_n q_n a_n in one pass over A:
    /// the rows are cut into fixed chunks of about 256 KB (independent of the thread count); a chunk's
    /// margins are computed, then its rows are read again (from cache) to form
    /// G_c = sum_n exp(logWeight(m_n) - M_c) a_n with M_c the chunk's largest logTerm; the chunks are
    /// then combined in order. Threads take whole chunks, so the result has the same bits for any
    /// thread count. Returns log L.
    /// </summary>
    public double FusedLogLossGradient(double[] v, Func<double, double> logTerm, Func<double, double> logWeight, double[] m, double[] g)
    {
        _v = v; _m = m; _logTerm = logTerm; _logWeight = logWeight;
        if (_pool is null) ChunksPart(0); else _pool.Run(_chunksPart);
        double max = double.NegativeInfinity;
        for (int c = 0; c < _chunks; c++) max = Math.Max(max, _chunkMax[c]);
        double sum = 0;
        for (int c = 0; c < _chunks; c++) sum += Math.Exp(_chunkMax[c] - max) * _chunkSum[c];
        double logLoss = max + Math.Log(sum);
        for (int c = 0; c < _chunks; c++) _chunkScale[c] = Math.Exp(_chunkMax[c] - logLoss);
        var gs = g.AsSpan(0, Columns);
        Simd.ScaledColumnSums(_partials, Columns, _chunks, 0, _chunkScale, gs);
        for (int j = 0; j < gs.Length; j++) gs[j] = -gs[j];
        return logLoss;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ChunksPart(int part)
    {
        int threads = _pool?.Parts ?? 1, d = Columns;
        int first = (int)((long)_chunks * part / threads), last = (int)((long)_chunks * (part + 1) / threads);
        var v = _v.AsSpan(0, d);
        for (int c = first; c < last; c++)
        {
            int r0 = c * _chunkRows, r1 = Math.Min(Rows, r0 + _chunkRows);
            double max = double.NegativeInfinity;
            for (int n = r0; n < r1; n++)
            {
                _m[n] = Simd.Dot(_a.AsSpan(n * d, d), v);
                max = Math.Max(max, _logTerm(_m[n]));
            }
            double sum = 0;
            for (int n = r0; n < r1; n++)
            {
                sum += Math.Exp(_logTerm(_m[n]) - max);
                _u[n] = Math.Exp(_logWeight(_m[n]) - max);
            }
            _chunkMax[c] = max; _chunkSum[c] = sum;
            Simd.ScaledColumnSums(_a.AsSpan(r0 * d, (r1 - r0) * d), d, r1 - r0, 0, _u.AsSpan(r0, r1 - r0), _partials.AsSpan(c * d, d));
        }
    }

    /// <summary>Stops the pool's threads.</summary>
    public void Dispose() => _pool?.Dispose();
}
