using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>The linear model beta = w: the diagonal network's steppers at depth 1; l2 limit.</summary>
public sealed class LinearFamily : INetworkFamily
{
    /// <inheritdoc/>
    public IReadOnlyList<NetworkKind> Kinds { get; } = [NetworkKind.Linear];
    /// <inheritdoc/>
    public PenaltyDomain? DepthPenaltyDomain => null;
    /// <inheritdoc/>
    public bool Owns(IParameterization model) => model is LinearModel;
    /// <inheritdoc/>
    public bool HasFastStepper(IParameterization model) => true;
    /// <inheritdoc/>
    public Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads) =>
        new DiagonalStepper(model.Name, 1, model.Degree, data, initial, threads);
    /// <inheritdoc/>
    public bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) =>
        LaneStepper.Fits(loss, count, dimension);
    /// <inheritdoc/>
    public LaneStepper Lanes(IParameterization model, int count, int dimension, int groups) =>
        new DiagonalLaneStepper(model.Name, 1, count, dimension, groups);
    /// <inheritdoc/>
    public Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        new DiagonalLoneStepper(model.Name, 1, data, initial);
}
