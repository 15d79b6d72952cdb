using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Models;

namespace ImplicitBias.Engine.Training.Kernels;

/// <summary>
/// The step of any <see cref="IParameterization"/>, written as the definition reads:
/// beta = P(w), m_n = &lt;y_n x_n, beta&gt;, grad_beta log L = -sum_n q_n y_n x_n, then
/// grad_w = J_P(w)^T grad_beta by <see cref="IParameterization.PullBack"/>. Single-threaded; its
/// loops are the tested <see cref="Simd"/> ones (TensorPrimitives stayed unoptimized under dotnet fsi here).
/// This is the slow twin every specialised kernel is tested against.
/// </summary>
public sealed class GenericStepKernel : StepKernel
{
    private readonly IParameterization _model;
    private readonly int _d, _count;
    private readonly double[] _z, _w, _wPrevious, _beta, _margins, _weights, _gradBeta, _gradW;

    /// <summary>A kernel starting at <paramref name="initial"/> (copied).</summary>
    public GenericStepKernel(IParameterization model, Dataset data, ReadOnlySpan<double> initial)
    {
        _model = model; _d = data.Dimension; _count = data.Count;
        _z = data.SignedFeatures();
        _w = initial.ToArray(); _wPrevious = new double[_w.Length];
        _beta = new double[_d]; _gradBeta = new double[_d]; _gradW = new double[_w.Length];
        _margins = new double[_count]; _weights = new double[_count];
    }

    /// <inheritdoc/>
    public override string Name => $"generic-{_model.Name}";
    /// <inheritdoc/>
    public override int Degree => _model.Degree;
    /// <inheritdoc/>
    public override int ParameterCount => _w.Length;
    /// <inheritdoc/>
    public override int Dimension => _d;

    /// <inheritdoc/>
    public override double Evaluate(ILoss loss)
    {
        _model.Predictor(_w, _beta);
        for (int n = 0; n < _count; n++) _margins[n] = Simd.Dot(_z.AsSpan(n * _d, _d), _beta);
        return loss.LogLossAndWeights(_margins, _weights);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(_beta);
    /// <inheritdoc/>
    public override double ParameterNormSquared() => Simd.Dot(_w, _w);

    /// <inheritdoc/>
    public override double Gradient()
    {
        Array.Clear(_gradBeta);
        for (int n = 0; n < _count; n++) Simd.AddScaled(_gradBeta, -_weights[n], _z.AsSpan(n * _d, _d));
        _model.PullBack(_w, _gradBeta, _gradW);
        return Simd.Dot(_gradW, _gradW);
    }

    /// <inheritdoc/>
    public override void Step(double s)
    {
        _w.CopyTo(_wPrevious, 0);
        Simd.AddScaled(_w, -s, _gradW);
    }

    /// <inheritdoc/>
    public override void StepBack() => _wPrevious.CopyTo(_w, 0);
    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta) => _model.Predictor(_w, beta);
    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => _w.CopyTo(w);
}

/// <summary>Small shared helpers of the kernels.</summary>
internal static class KernelMath
{
    /// <summary>True when every entry is finite.</summary>
    public static bool AllFinite(ReadOnlySpan<double> v)
    {
        foreach (var x in v) if (!double.IsFinite(x)) return false;
        return true;
    }
}
