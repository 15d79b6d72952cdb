using ImplicitBias.Engine.Steppers;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Networks;

namespace ImplicitBias.Engine.Networks;

/// <summary>The step of any <see cref="IParameterization"/>, written as the definition reads: it follows
/// <see cref="LogLossObjective"/> (beta = P(w), margins, softmax weights, then grad_w = J_P(w)^T grad_beta by
/// <see cref="IParameterization.PullBack"/>). Single-threaded. (docs/performance.md, "GenericStepper")</summary>
public sealed class GenericStepper : Stepper
{
    private readonly IParameterization _model;
    private readonly Dataset _data;
    private readonly double[] _w, _wPrevious, _gradW;
    private LogLossObjective? _objective; // made on the first Evaluate, for that call's loss

    /// <summary>A stepper starting at <paramref name="initial"/> (copied).</summary>
    public GenericStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial)
    {
        _model = model; _data = data;
        _w = initial.ToArray(); _wPrevious = new double[_w.Length]; _gradW = new double[_w.Length];
    }

    /// <inheritdoc/>
    public override string Name => $"generic-{_model.Name}";
    /// <inheritdoc/>
    public override int Degree => _model.Degree;
    /// <inheritdoc/>
    public override int ParameterCount => _w.Length;
    /// <inheritdoc/>
    public override int Dimension => _data.Dimension;

    private LogLossObjective Objective =>
        _objective ?? throw new InvalidOperationException("Evaluate must be called before the gradient.");

    /// <inheritdoc/>
    public override double Evaluate(ILoss loss, double marginScale = 1.0)
    {
        if (_objective is null || !ReferenceEquals(_objective.Loss, loss)) _objective = new LogLossObjective(_model,
            _data, loss);
        return _objective.Value(_w, marginScale);
    }

    /// <inheritdoc/>
    public override bool PredictorIsFinite() => KernelMath.AllFinite(Objective.Beta);
    /// <inheritdoc/>
    public override double ParameterNormSquared() => Simd.Dot(_w, _w);

    /// <inheritdoc/>
    public override double Gradient()
    {
        Objective.GradientOfLastValue(_w, _gradW);
        return Simd.Dot(_gradW, _gradW);
    }

    /// <inheritdoc/>
    public override void Step(double s)
    {
        _w.CopyTo(_wPrevious, 0);
        Simd.AddScaled(_w, -s, _gradW);
    }

    /// <inheritdoc/>
    public override void Scale(double factor) => Simd.Scale(_w, factor);

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
