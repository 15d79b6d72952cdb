using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Steppers;

/// <summary>One lane of a <see cref="LaneStepper"/> seen as a <see cref="Stepper"/>: what a
/// <see cref="Training.RunState"/> drives. (docs/performance.md, "LaneView")</summary>
public sealed class LaneView : Stepper
{
    private readonly LaneStepper _batch;
    private readonly int _lane, _group;

    /// <summary>Lane <paramref name="lane"/> of <paramref name="batch"/>.</summary>
    public LaneView(LaneStepper batch, int lane)
    {
        if ((uint)lane >= (uint)batch.Capacity) throw new ArgumentOutOfRangeException(nameof(lane),
            $"lane {lane} is not in 0..{batch.Capacity - 1}.");
        _batch = batch; _lane = lane; _group = lane / LaneStepper.Lanes;
    }

    /// <inheritdoc/>
    public override string Name => _batch.Name;
    /// <inheritdoc/>
    public override int Degree => _batch.Depth;
    /// <inheritdoc/>
    public override int ParameterCount => _batch.ParameterCount;
    /// <inheritdoc/>
    public override int Dimension => _batch.Dimension;

    /// <inheritdoc/>
    public override double Evaluate(ILoss loss, double marginScale = 1)
    {
        if (loss is not ExponentialLoss) throw new
            ArgumentException($"{Name} trains the exponential loss only, not {loss.Name}.");
        _batch.SetMarginScale(_lane, marginScale);
        _batch.Evaluate(_group);
        return _batch.LogLoss(_lane);
    }

    /// <inheritdoc/>
    public override double Gradient()
    {
        _batch.Gradient(_group);
        return _batch.GradientNormSquared(_lane);
    }

    /// <inheritdoc/>
    public override void Step(double s) => _batch.Step(_lane, s);
    /// <inheritdoc/>
    public override void Scale(double factor) => _batch.Scale(_lane, factor);
    /// <inheritdoc/>
    [System.Runtime.CompilerServices.MethodImpl(
        System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override bool PredictorIsFinite() => _batch.PredictorIsFinite(_lane);
    /// <inheritdoc/>
    public override double ParameterNormSquared() => _batch.ParameterNormSquared(_lane);
    /// <inheritdoc/>
    public override void StepBack() => _batch.StepBack(_lane);
    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta) => _batch.CopyBeta(_lane, beta);
    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w) => _batch.CopyParameters(_lane, w);
}
