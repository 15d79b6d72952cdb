using ImplicitBias.Engine.Steppers;
using ImplicitBias.Engine.Fourier;
using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>Gradient descent on the depth-2 kernel network f(x) = sum_c &lt;x * u_c, v_c&gt;.
/// (docs/performance.md, "KernelLiftStepper")</summary>
public sealed class KernelLiftStepper : Stepper
{
    private readonly int _d, _k, _channels;
    private readonly string _name;
    // The map p = t D + i -> i + o_t on the grid, as runs of consecutive p that go to consecutive entries
    // (_runFrom[r], _runTo[r], _runLength[r], in the order of p): each run is one plain loop without index lookups.
    private readonly int[] _runFrom, _runTo, _runLength;
    private readonly double _scale;            // D^-1/2
    private readonly RowMatrix _z;             // rows y_n x_n
    // _uColumns[t C + c] = u_c[t]
    private readonly double[] _w, _wPrevious, _grad, _lift, _uColumns, _beta, _g, _margins, _weights;

    /// <summary>A kernel at <paramref name="initial"/> (copied) for the depth-2 network of that grid, kernel and
    /// channel count.</summary>
    public KernelLiftStepper(string name, Grid grid, KernelSize kernel, int channels, Dataset data,
        ReadOnlySpan<double> initial, int threads)
    {
        grid.Check(); kernel.Check(grid);
        if (grid.Count != data.Dimension) throw new
            ArgumentException($"{name}: the grid {grid} has {grid.Count} entries but the data has D = " +
                              $"{data.Dimension}.");
        if (channels < 1) throw new ArgumentException($"{name}: channels must be at least 1 (got {channels}).");
        _d = grid.Count; _k = kernel.Count; _channels = channels; _name = name;
        if (initial.Length != channels
            * (_k + _d)) throw new
            ArgumentException($"{name}: expected {channels * (_k + _d)} parameters, got {initial.Length}.");
        var shift = new int[_k * _d];
        for (int t = 0; t < _k; t++)
        {
            int o = kernel.Offset(grid, t);
            for (int i = 0; i < _d; i++) shift[t * _d + i] = grid.Add(i, o);
        }
        (_runFrom, _runTo, _runLength) = Runs(shift, _d);
        _scale = 1 / Math.Sqrt(_d);
        _z = new RowMatrix(data.SignedFeatures(), data.Count, _d, threads);
        _w = initial.ToArray(); _wPrevious = new double[_w.Length]; _grad = new double[_w.Length];
        _lift = new double[_k * _d]; _uColumns = new double[_k * channels]; _beta = new double[_d]; _g = new double[_d];
        _margins = new double[data.Count]; _weights = new double[data.Count];
    }

    /// <inheritdoc/>
    public override string Name => $"lift-{_name}";
    /// <inheritdoc/>
    public override int Degree => 2;
    /// <inheritdoc/>
    public override int ParameterCount => _w.Length;
    /// <inheritdoc/>
    public override int Dimension => _d;
    /// <summary>Threads per product.</summary>
    public int Threads => _z.Threads;

    private Span<double> Kernel(double[] v, int c) => v.AsSpan(c * _k, _k);
    private Span<double> Last(double[] v, int c) => v.AsSpan(_channels * _k + c * _d, _d);
    private Span<double> Row(double[] v, int t) => v.AsSpan(t * _d, _d);

    /// <summary>beta = A_K(sum_c u_c v_c^T) into <paramref name="beta"/>, the lift left in _lift. Row t of the lift is
    /// sum_c u_c[t] v_c: the rows v_c weighted by column t of U, four channels at a time
    /// (<see cref="Simd.ScaledColumnSums"/>).</summary>
    private void Predictor(Span<double> beta)
    {
        for (int c = 0; c < _channels; c++)
        {
            var u = Kernel(_w, c);
            for (int t = 0; t < _k; t++) _uColumns[t * _channels + c] = u[t];
        }
        var v = _w.AsSpan(_channels * _k, _channels * _d);
        for (int t = 0; t < _k; t++) Simd.ScaledColumnSums(v, _d, _channels, 0,
            _uColumns.AsSpan(t * _channels, _channels), Row(_lift, t));
        // beta[shift(p)] += lift[p] in the order of p, run by run: each beta entry gets one term per t, in the order of
        // t.
        beta.Clear();
        for (int r = 0; r < _runFrom.Length; r++)
        {
            int from = _runFrom[r], to = _runTo[r], length = _runLength[r];
            for (int i = 0; i < length; i++) beta[to + i] += _lift[from + i];
        }
        Simd.Scale(beta, _scale);
    }

    /// <summary>The runs of <paramref name="shift"/>: maximal stretches of p within one row of D where shift[p + 1] =
    /// shift[p] + 1.</summary>
    private static (int[] From, int[] To, int[] Length) Runs(int[] shift, int d)
    {
        var from = new List<int>(); var to = new List<int>(); var length = new List<int>();
        for (int p = 0; p < shift.Length; p++)
        {
            if (p % d != 0 && shift[p] == shift[p - 1] + 1) { length[^1]++; continue; }
            from.Add(p); to.Add(shift[p]); length.Add(1);
        }
        return (from.ToArray(), to.ToArray(), length.ToArray());
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Evaluate(ILoss loss, double marginScale = 1.0)
    {
        Predictor(_beta);
        if (marginScale != 1.0) Simd.Scale(_beta, marginScale);
        return LossTerms.Evaluate(_z, loss, _beta, _margins, _weights, _g);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(_beta);
    /// <inheritdoc/>
    public override double ParameterNormSquared() => Simd.Dot(_w, _w);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Gradient()
    {
        // G = A_K^*(g) into the lift's storage (g came with Evaluate), then grad u_c = G v_c (four rows of G a pass,
        // Simd.Dot4) and grad v_c = G^T u_c (the rows of G weighted by u_c, Simd.ScaledColumnSums).
        for (int r = 0; r < _runFrom.Length; r++)
        {
            int from = _runFrom[r], to = _runTo[r], length = _runLength[r];
            for (int i = 0; i < length; i++) _lift[from + i] = _scale * _g[to + i];
        }
        for (int c = 0; c < _channels; c++)
        {
            var u = Kernel(_w, c); var v = Last(_w, c);
            var gu = Kernel(_grad, c);
            int t = 0;
            for (; t + 4 <= _k; t += 4)
                Simd.Dot4(_lift.AsSpan(t * _d, 4 * _d), _d, _d, v, out gu[t], out gu[t + 1], out gu[t + 2],
                    out gu[t + 3]);
            for (; t < _k; t++) gu[t] = Simd.Dot(Row(_lift, t), v);
            Simd.ScaledColumnSums(_lift, _d, _k, 0, u, Last(_grad, c));
        }
        return Simd.Dot(_grad, _grad);
    }

    /// <inheritdoc/>
    public override void Step(double s)
    {
        _w.CopyTo(_wPrevious, 0);
        Simd.AddScaled(_w, -s, _grad);
    }

    /// <inheritdoc/>
    public override void Scale(double factor) => Simd.Scale(_w, factor);
    /// <inheritdoc/>
    public override void StepBack() => _wPrevious.CopyTo(_w, 0);
    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta) => Predictor(beta);
    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => _w.CopyTo(w);
    /// <inheritdoc/>
    public override void Dispose() => _z.Dispose();
}
