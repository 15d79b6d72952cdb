using ImplicitBias.Engine.Steppers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>Fused, allocation-free step for the fully connected network of eq. (1), beta = w_1 w_2 ... w_L
/// (<see cref="FullyConnectedNetwork"/>'s layout: layer l row-major D_{l-1} x D_l).
/// (docs/performance.md, "FullyConnectedStepper")</summary>
public sealed class FullyConnectedStepper : Stepper
{
    private readonly int _d, _depth;
    private readonly int[] _widths, _offsets; // D_0 .. D_L; start of layer l (1-based) at _offsets[l - 1]
    private readonly RowMatrix _z;
    private readonly double[][] _buffers;     // the current parameters and the ones before the last step
    private readonly double[] _normSquared;   // ||w||^2 of each buffer
    private int _current;
    // False right after a StepBack: the parameters before the last step are then the current ones (the other buffer
    // holds the abandoned step), so a second StepBack leaves w as it is, and a Scale first copies w to the other
    // buffer,
    // both as in the generic kernel, whose saved copy a Scale does not touch.
    private bool _canStepBack = true;
    // the parameters' version (every Step, Scale, StepBack) and the last Evaluate's
    private long _version, _evaluatedVersion = -1;
    // r_l (l = 0..L) of the last Evaluate; r_l and a_l (l = 1..L) of the last Gradient (what Step uses, also after
    // an Evaluate elsewhere, as when landing on the loss target); scratch of CopyBeta.
    private readonly double[][] _right, _stepRight, _left, _recordRight;
    private readonly double[] _beta, _g, _margins, _weights;

    /// <summary>A kernel for <paramref name="model"/> at <paramref name="initial"/> (copied); the margins and g use
    /// <paramref name="threads"/> threads (<see cref="RowMatrix"/>: the same bits on any number), the weights
    /// one.</summary>
    public FullyConnectedStepper(FullyConnectedNetwork model, Dataset data, ReadOnlySpan<double> initial,
        int threads = 1)
    {
        if (initial.Length != model.ParameterCount)
            throw new ArgumentException($"{model.Name}: expected {model.ParameterCount} parameters, got " +
                                        $"{initial.Length}.");
        _d = data.Dimension; _depth = model.Depth;
        _widths = model.Widths.ToArray();
        _offsets = Enumerable.Range(1, _depth + 1).Select(model.LayerOffset).ToArray(); // the network's own table
        _z = new RowMatrix(data.SignedFeatures(), data.Count, _d, threads);
        _buffers = [initial.ToArray(), new double[initial.Length]];
        _normSquared = [Simd.Dot(_buffers[0], _buffers[0]), 0];
        _right = _widths.Select(w => new double[w]).ToArray();
        _stepRight = _widths.Select(w => new double[w]).ToArray();
        _recordRight = _widths.Select(w => new double[w]).ToArray();
        // a_l for l = 1..L (index 0 unused)
        _left = Enumerable.Range(0, _depth + 1).Select(l => l == 0 ? [] : new double[_widths[l - 1]]).ToArray();
        _beta = new double[_d]; _g = new double[_d];
        _margins = new double[data.Count]; _weights = new double[data.Count];
        Name = $"fast-{model.Name}";
    }

    /// <inheritdoc/>
    public override string Name { get; }
    /// <inheritdoc/>
    public override int Degree => _depth;
    /// <inheritdoc/>
    public override int ParameterCount => _offsets[_depth];
    /// <inheritdoc/>
    public override int Dimension => _d;

    private double[] W => _buffers[_current];

    private ReadOnlySpan<double> Layer(double[] w, int l) => w.AsSpan(_offsets[l - 1], _widths[l - 1] * _widths[l]);

    /// <summary>right[l - 1] = w_l right[l] for l = L .. 1, from right[L] = 1: right[0] = beta.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RightProducts(double[] w, double[][] right)
    {
        right[_depth][0] = 1.0;
        for (int l = _depth; l >= 1; l--)
        {
            var m = Layer(w, l);
            int rows = _widths[l - 1], cols = _widths[l];
            var src = right[l]; var dst = right[l - 1];
            int i = 0;
            for (; i + 4 <= rows; i += 4)
                Simd.Dot4(m.Slice(i * cols), cols, cols, src, out dst[i], out dst[i + 1], out dst[i + 2],
                    out dst[i + 3]);
            for (; i < rows; i++) dst[i] = Simd.Dot(m.Slice(i * cols, cols), src);
        }
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Evaluate(ILoss loss, double marginScale = 1.0)
    {
        RightProducts(W, _right);
        _evaluatedVersion = _version;
        _right[0].CopyTo(_beta, 0);
        if (marginScale != 1.0) Simd.Scale(_beta, marginScale);
        return LossTerms.Evaluate(_z, loss, _beta, _margins, _weights, _g);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(_beta);
    /// <inheritdoc/>
    public override double ParameterNormSquared() => _normSquared[_current];

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Gradient()
    {
        // a_1 = g; a_{l+1} = w_l^T a_l (the weighted sum of w_l's rows). ||grad_l||^2 = ||a_l||^2 ||r_l||^2.
        // The r_l are the last Evaluate's and the a_l come from the current w: both must be the same parameters.
        if (_evaluatedVersion != _version)
            throw new InvalidOperationException($"{Name}: Gradient needs an Evaluate at the current parameters (a " +
                                                $"Step, Scale or StepBack came after the last one).");
        var w = W;
        _g.CopyTo(_left[1], 0);
        double total = 0;
        for (int l = 1; l <= _depth; l++)
        {
            var a = _left[l]; var r = _stepRight[l];
            _right[l].CopyTo(r, 0);
            total += Simd.Dot(a, a) * Simd.Dot(r, r);
            if (l < _depth) Simd.ScaledColumnSums(Layer(w, l), _widths[l], _widths[l - 1], 0, a, _left[l + 1]);
        }
        return total;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Step(double s)
    {
        var from = W; var to = _buffers[1 - _current];
        int vw = Vector<double>.Count;
        // Four accumulators for the new ||w||^2, so that the sum is not one chain of dependent FMAs.
        var s0 = Vector<double>.Zero; var s1 = s0; var s2 = s0; var s3 = s0;
        double tail = 0;
        for (int l = 1; l <= _depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l], offset = _offsets[l - 1];
            var a = _left[l];
            ref double r = ref MemoryMarshal.GetArrayDataReference(_stepRight[l]);
            for (int i = 0; i < rows; i++)
            {
                double c = -s * a[i];
                var vc = new Vector<double>(c);
                ref double src = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(from), offset + i * cols);
                ref double dst = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(to), offset + i * cols);
                int j = 0;
                for (; j <= cols - 4 * vw; j += 4 * vw)
                {
                    var v0 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r, (nuint)j), vc,
                        Vector.LoadUnsafe(ref src, (nuint)j));
                    var v1 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r, (nuint)(j + vw)), vc,
                        Vector.LoadUnsafe(ref src, (nuint)(j + vw)));
                    var v2 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r, (nuint)(j + 2 * vw)), vc,
                        Vector.LoadUnsafe(ref src, (nuint)(j + 2 * vw)));
                    var v3 = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r, (nuint)(j + 3 * vw)), vc,
                        Vector.LoadUnsafe(ref src, (nuint)(j + 3 * vw)));
                    v0.StoreUnsafe(ref dst, (nuint)j); v1.StoreUnsafe(ref dst, (nuint)(j + vw));
                    v2.StoreUnsafe(ref dst, (nuint)(j + 2 * vw)); v3.StoreUnsafe(ref dst, (nuint)(j + 3 * vw));
                    s0 = Vector.FusedMultiplyAdd(v0, v0, s0); s1 = Vector.FusedMultiplyAdd(v1, v1, s1);
                    s2 = Vector.FusedMultiplyAdd(v2, v2, s2); s3 = Vector.FusedMultiplyAdd(v3, v3, s3);
                }
                for (; j <= cols - vw; j += vw)
                {
                    var v = Vector.FusedMultiplyAdd(Vector.LoadUnsafe(ref r, (nuint)j), vc,
                        Vector.LoadUnsafe(ref src, (nuint)j));
                    v.StoreUnsafe(ref dst, (nuint)j);
                    s0 = Vector.FusedMultiplyAdd(v, v, s0);
                }
                for (; j < cols; j++)
                {
                    double v = Math.FusedMultiplyAdd(Unsafe.Add(ref r, j), c, Unsafe.Add(ref src, j));
                    Unsafe.Add(ref dst, j) = v;
                    tail = Math.FusedMultiplyAdd(v, v, tail);
                }
            }
        }
        _current = 1 - _current;
        _normSquared[_current] = Vector.Sum((s0 + s1) + (s2 + s3)) + tail;
        _canStepBack = true;
        _version++;
    }

    /// <inheritdoc/>
    public override void Scale(double factor)
    {
        if (!_canStepBack)
        {
            // Right after a StepBack the parameters before the last step are w itself: keep them unscaled in the other
            // buffer.
            W.CopyTo(_buffers[1 - _current], 0);
            _normSquared[1 - _current] = _normSquared[_current];
            _canStepBack = true;
        }
        _version++;
        Simd.Scale(W, factor);
        _normSquared[_current] = Simd.Dot(W, W);
    }

    /// <inheritdoc/>
    public override void StepBack()
    {
        if (!_canStepBack) return;
        _current = 1 - _current;
        _canStepBack = false;
        _version++;
    }

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta)
    {
        RightProducts(W, _recordRight);
        _recordRight[0].CopyTo(beta);
    }

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => W.CopyTo(w);
    /// <inheritdoc/>
    public override void Dispose() => _z.Dispose();
}
