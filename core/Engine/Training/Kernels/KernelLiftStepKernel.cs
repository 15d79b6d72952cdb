using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Training.Kernels;

/// <summary>
/// Gradient descent on the depth-2 kernel network f(x) = sum_c &lt;x * u_c, v_c&gt; (KernelConvolutionalNetwork
/// at depth 2, any grid, kernel and channel count) through its K x D lift. beta = A_K(P) with the lift
/// P = sum_c u_c v_c^T and A_K(P)[j] = D^-1/2 sum_t P[t, j - o_t]; its adjoint is A_K^*(g)[t, i] = D^-1/2 g[i + o_t].
/// The margins are m_n = &lt;z_n, beta&gt; = sum_c u_c^T Z_n v_c with Z_n = A_K^*(z_n), and with
/// g = grad_beta log L = -sum_n q_n z_n the lift's gradient is G = A_K^*(g) = -sum_n q_n Z_n, so
/// grad u_c = G v_c and grad v_c = G^T u_c. The per-point lifts Z_n are never stored: the margins and g
/// come from one pass over the data (<see cref="LossTerms.Evaluate"/>, N D multiply-adds), the rest costs
/// O(C K D) a step. Slow twin: <see cref="GenericStepKernel"/> with KernelConvolutionalNetwork (time domain).
/// Parameter layout as the network's: u_1..u_C (K each), then v_1..v_C (D each).
/// </summary>
public sealed class KernelLiftStepKernel : StepKernel
{
    private readonly int _d, _k, _channels;
    private readonly string _name;
    private readonly int[] _shift;             // _shift[t D + i] = i + o_t on the grid
    private readonly double _scale;            // D^-1/2
    private readonly RowMatrix _z;             // rows y_n x_n
    private readonly double[] _w, _wPrevious, _grad, _lift, _beta, _g, _margins, _weights;

    /// <summary>A kernel at <paramref name="initial"/> (copied) for the depth-2 network of that grid, kernel and channel count.</summary>
    public KernelLiftStepKernel(string name, Grid grid, KernelSize kernel, int channels, Dataset data, ReadOnlySpan<double> initial, int threads)
    {
        grid.Check(); kernel.Check(grid);
        if (grid.Count != data.Dimension) throw new ArgumentException($"{name}: the grid {grid} has {grid.Count} entries but the data has D = {data.Dimension}.");
        if (channels < 1) throw new ArgumentException($"{name}: channels must be at least 1 (got {channels}).");
        _d = grid.Count; _k = kernel.Count; _channels = channels; _name = name;
        if (initial.Length != channels * (_k + _d)) throw new ArgumentException($"{name}: expected {channels * (_k + _d)} parameters, got {initial.Length}.");
        _shift = new int[_k * _d];
        for (int t = 0; t < _k; t++)
        {
            int o = kernel.Offset(grid, t);
            for (int i = 0; i < _d; i++) _shift[t * _d + i] = grid.Add(i, o);
        }
        _scale = 1 / Math.Sqrt(_d);
        _z = new RowMatrix(data.SignedFeatures(), data.Count, _d, threads);
        _w = initial.ToArray(); _wPrevious = new double[_w.Length]; _grad = new double[_w.Length];
        _lift = new double[_k * _d]; _beta = new double[_d]; _g = new double[_d];
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

    /// <summary>beta = A_K(sum_c u_c v_c^T) into <paramref name="beta"/>, the lift left in _lift.</summary>
    private void Predictor(Span<double> beta)
    {
        Array.Clear(_lift);
        for (int c = 0; c < _channels; c++)
        {
            var u = Kernel(_w, c); var v = Last(_w, c);
            for (int t = 0; t < _k; t++) Simd.AddScaled(Row(_lift, t), u[t], v);
        }
        beta.Clear();
        for (int p = 0; p < _lift.Length; p++) beta[_shift[p]] += _lift[p];
        for (int j = 0; j < _d; j++) beta[j] *= _scale;
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
        // G = A_K^*(g) into the lift's storage (g came with Evaluate), then grad u_c = G v_c, grad v_c = G^T u_c.
        for (int p = 0; p < _lift.Length; p++) _lift[p] = _scale * _g[_shift[p]];
        for (int c = 0; c < _channels; c++)
        {
            var u = Kernel(_w, c); var v = Last(_w, c);
            var gu = Kernel(_grad, c); var gv = Last(_grad, c);
            gv.Clear();
            for (int t = 0; t < _k; t++)
            {
                gu[t] = Simd.Dot(Row(_lift, t), v);
                Simd.AddScaled(gv, u[t], Row(_lift, t));
            }
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
