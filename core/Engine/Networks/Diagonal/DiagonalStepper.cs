using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>Fused, allocation-free step for the diagonal network of depth L, beta = w_1 .* ... .* w_L, and for the
/// linear model (L = 1, beta = w). (docs/performance.md, "DiagonalStepper")</summary>
public sealed class DiagonalStepper : Stepper
{
    private readonly int _d, _depth, _degree;
    private readonly string _name;
    private readonly RowMatrix _z;
    private readonly double[] _w, _wPrevious, _grad, _beta, _g, _prefix, _margins, _weights;

    /// <summary>A kernel at <paramref name="initial"/> (L layers of length D, copied).</summary>
    public DiagonalStepper(string name, int depth, int degree, Dataset data, ReadOnlySpan<double> initial, int threads)
    {
        _d = data.Dimension; _depth = depth; _degree = degree; _name = name;
        if (initial.Length != depth
            * _d) throw new ArgumentException($"{name}: expected {depth * _d} parameters, got {initial.Length}.");
        _z = new RowMatrix(data.SignedFeatures(), data.Count, _d, threads);
        _w = initial.ToArray(); _wPrevious = new double[_w.Length]; _grad = new double[_w.Length];
        _beta = new double[_d]; _g = new double[_d]; _prefix = new double[_d];
        _margins = new double[data.Count]; _weights = new double[data.Count];
    }

    /// <inheritdoc/>
    public override string Name => $"fast-{_name}";
    /// <inheritdoc/>
    public override int Degree => _degree;
    /// <inheritdoc/>
    public override int ParameterCount => _w.Length;
    /// <inheritdoc/>
    public override int Dimension => _d;
    /// <summary>Threads per product.</summary>
    public int Threads => _z.Threads;

    private Span<double> Layer(double[] v, int l) => v.AsSpan(l * _d, _d);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Evaluate(ILoss loss, double marginScale = 1.0)
    {
        Layer(_w, 0).CopyTo(_beta);
        for (int l = 1; l < _depth; l++) Simd.MultiplyInPlace(_beta, Layer(_w, l));
        if (marginScale != 1.0) Simd.Scale(_beta, marginScale);
        return LossTerms.Evaluate(_z, loss, _beta, _margins, _weights, _g);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(_beta);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ParameterNormSquared() => Simd.Dot(_w, _w);

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double Gradient()
    {
        // g = grad_beta log L came with Evaluate. grad_l = (prod_{j<l} w_j) .* g .* (prod_{j>l} w_j): suffixes first,
        // then prefixes times g.
        _prefix.AsSpan().Fill(1.0);
        for (int l = _depth - 1; l >= 0; l--)
        {
            _prefix.CopyTo(Layer(_grad, l));
            Simd.MultiplyInPlace(_prefix, Layer(_w, l));
        }
        _g.CopyTo(_prefix, 0);
        for (int l = 0; l < _depth; l++)
        {
            Simd.MultiplyInPlace(Layer(_grad, l), _prefix);
            Simd.MultiplyInPlace(_prefix, Layer(_w, l));
        }
        return Simd.Dot(_grad, _grad);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
    public override void CopyBeta(Span<double> beta)
    {
        Layer(_w, 0).CopyTo(beta);
        for (int l = 1; l < _depth; l++) TensorPrimitives.Multiply(beta, Layer(_w, l), beta);
    }
    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => _w.CopyTo(w);
    /// <inheritdoc/>
    public override void Dispose() => _z.Dispose();
}
