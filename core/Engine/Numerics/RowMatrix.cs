using ImplicitBias.Engine.Numerics;
using System.Numerics.Tensors;

namespace ImplicitBias.Engine.Numerics;

/// <summary>An N x D row-major matrix A with the two products a gradient step needs, m = A v and g = -A^T q, SIMD
/// (<see cref="Simd"/>) and split over a <see cref="WorkerPool"/> so that the result is bit for bit the one of a single
/// thread: A v is split by rows. (docs/performance.md, "RowMatrix")</summary>
public sealed class RowMatrix : IDisposable
{
    private readonly double[] _a;
    private readonly WorkerPool? _pool;
    private readonly Action<int> _rowsPart, _columnsPart;
    private double[] _v = [], _m = [], _q = [], _g = [];
    private readonly Action<int> _chunksPart;
    private readonly int _chunkRows, _chunks;
    private readonly double[] _partials, _chunkMax, _chunkSum, _chunkScale;
    private Func<double, double> _logTerm = x => x, _logWeight = x => x;

    /// <summary>Wraps <paramref name="values"/> (not copied) as rows x columns; threads: 1 = no pool.</summary>
    public RowMatrix(double[] values, int rows, int columns, int threads = 1)
    {
        if (values.Length != rows
            * columns) throw new ArgumentException($"{values.Length} values do not make a {rows} x {columns} matrix.");
        if (threads < 1) throw new ArgumentException($"threads must be at least 1 (got {threads}).");
        _a = values; Rows = rows; Columns = columns;
        Threads = Math.Min(threads, Math.Max(1, Math.Min(rows, columns / 8)));
        _pool = Threads > 1 ? new WorkerPool(Threads) : null;
        _rowsPart = RowsPart; _columnsPart = ColumnsPart; _chunksPart = ChunksPart;
        // Chunks of about 256 KB (a multiple of 4 rows), the unit of work of a thread.
        _chunkRows = Math.Max(4, 32768 / Math.Max(1, columns) / 4 * 4);
        _chunks = (rows + _chunkRows - 1) / _chunkRows;
        _partials = new double[_chunks * columns];
        _chunkMax = new double[_chunks]; _chunkSum = new double[_chunks]; _chunkScale = new double[_chunks];
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

    [System.Runtime.CompilerServices.MethodImpl(

        System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void RowsPart(int part)
    {
        var (start, count) = Range(Rows, Threads, part, 1);
        int d = Columns;
        var v = _v.AsSpan(0, d);
        for (int n = start; n < start + count; n++) _m[n] = Simd.Dot(_a.AsSpan(n * d, d), v);
    }

    [System.Runtime.CompilerServices.MethodImpl(

        System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ColumnsPart(int part)
    {
        var (start, count) = Range(Columns, Threads, part, 8);
        if (count == 0) return;
        var g = _g.AsSpan(start, count);
        Simd.ScaledColumnSums(_a, Columns, Rows, start, _q, g);
        for (int j = 0; j < g.Length; j++) g[j] = -g[j];
    }

    /// <summary>For a loss with log L = logsumexp_n logTerm(m_n) and weights q_n = exp(logWeight(m_n) - log L)
    /// (logWeight &lt;= logTerm), computes m = A v, log L and g = -sum_n q_n a_n in one pass over A: rows are taken
    /// four at a time: their margins are computed. (docs/performance.md, "RowMatrix.FusedLogLossGradient")</summary>
    public double FusedLogLossGradient(double[] v, Func<double, double> logTerm, Func<double, double> logWeight,
        double[] m, double[] g)
    {
        _v = v; _m = m; _logTerm = logTerm; _logWeight = logWeight;
        if (_pool is null) ChunksPart(0); else _pool.Run(_chunksPart);
        double max = double.NegativeInfinity;
        for (int c = 0; c < _chunks; c++) max = Math.Max(max, _chunkMax[c]);
        double sum = 0;
        for (int c = 0; c < _chunks; c++) sum += StableMath.Exp(_chunkMax[c] - max) * _chunkSum[c];
        double logLoss = max + Math.Log(sum);
        for (int c = 0; c < _chunks; c++) _chunkScale[c] = StableMath.Exp(_chunkMax[c] - logLoss);
        var gs = g.AsSpan(0, Columns);
        Simd.ScaledColumnSums(_partials, Columns, _chunks, 0, _chunkScale, gs);
        for (int j = 0; j < gs.Length; j++) gs[j] = -gs[j];
        return logLoss;
    }

    /// <summary>How far (in log units) a chunk's terms may exceed its shift before the shift moves.</summary>
    public const double ShiftSlack = 64;

    [System.Runtime.CompilerServices.MethodImpl(

        System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void ChunksPart(int part)
    {
        int threads = _pool?.Parts ?? 1, d = Columns;
        int first = (int)((long)_chunks * part / threads), last = (int)((long)_chunks * (part + 1) / threads);
        var v = _v.AsSpan(0, d);
        Span<double> t = stackalloc double[4], u = stackalloc double[4];
        for (int c = first; c < last; c++)
        {
            int r0 = c * _chunkRows, r1 = Math.Min(Rows, r0 + _chunkRows);
            var partial = _partials.AsSpan(c * d, d);
            partial.Clear();
            double shift = double.NegativeInfinity, sum = 0;
            BlockMargins(r0, r1, v);
            for (int n = r0; n < r1; n += 4)
            {
                int rows = Math.Min(4, r1 - n);
                double blockMax = double.NegativeInfinity;
                for (int i = 0; i < rows; i++) { t[i] = _logTerm(_m[n + i]); blockMax = Math.Max(blockMax, t[i]); }
                if (blockMax > shift + ShiftSlack)
                {
                    if (sum > 0) { double f = StableMath.Exp(shift - blockMax); sum *= f; Simd.Scale(partial, f); }
                    shift = blockMax;
                }
                for (int i = 0; i < rows; i++)
                {
                    sum += StableMath.Exp(t[i] - shift);
                    u[i] = StableMath.Exp(_logWeight(_m[n + i]) - shift);
                }
                // This block's rows into the partial sum, fused with the next block's margins when both are whole.
                int next = n + 4;
                if (rows == 4 && next + 4 <= r1)
                    Simd.Dot4AndAddScaledRows(_a.AsSpan(next * d, 4 * d), _a.AsSpan(n * d, 4 * d), d, d, v, u, partial,
                        out _m[next], out _m[next + 1], out _m[next + 2], out _m[next + 3]);
                else
                {
                    Simd.AddScaledRows(_a.AsSpan(n * d, rows * d), d, rows, 0, u, partial);
                    if (next < r1) BlockMargins(next, r1, v);
                }
            }
            _chunkMax[c] = shift; _chunkSum[c] = sum;
        }
    }

    /// <summary>The margins of the block of up to four rows starting at <paramref name="n"/> (rows before
    /// <paramref name="end"/>).</summary>
    private void BlockMargins(int n, int end, ReadOnlySpan<double> v)
    {
        int d = Columns, rows = Math.Min(4, end - n);
        if (rows == 4) Simd.Dot4(_a.AsSpan(n * d, 4 * d), d, d, v, out _m[n], out _m[n + 1], out _m[n + 2],
            out _m[n + 3]);
        else for (int i = 0; i < rows; i++) _m[n + i] = Simd.Dot(_a.AsSpan((n + i) * d, d), v);
    }

    /// <summary>Stops the pool's threads.</summary>
    public void Dispose() => _pool?.Dispose();
}
