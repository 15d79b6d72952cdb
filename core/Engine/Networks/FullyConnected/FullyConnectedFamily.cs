using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>Fully connected networks, eq. (1): the l2 limit at every depth (Theorem 1); lanes for small
/// networks under the exponential loss.</summary>
public sealed class FullyConnectedFamily : INetworkFamily
{
    /// <summary>Largest parameter count trained in lanes (alone too: a run alone must have its lane's bits).
    /// (docs/performance.md, "FullyConnectedFamily.MaxLaneParameters")</summary>
    public const int MaxLaneParameters = 1 << 10;

    /// <inheritdoc/>
    public IReadOnlyList<NetworkKind> Kinds { get; } = [NetworkKind.FullyConnected];
    /// <inheritdoc/>
    public PenaltyDomain? DepthPenaltyDomain => null;
    /// <inheritdoc/>
    public bool Owns(IParameterization model) => model is FullyConnectedNetwork;
    /// <inheritdoc/>
    public bool HasFastStepper(IParameterization model) => true;
    /// <inheritdoc/>
    public Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads) =>
        new FullyConnectedStepper((FullyConnectedNetwork)model, data, initial, threads);
    /// <inheritdoc/>
    public bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) =>
        model.ParameterCount <= MaxLaneParameters && LaneStepper.Fits(loss, count, dimension);
    /// <inheritdoc/>
    public LaneStepper Lanes(IParameterization model, int count, int dimension, int groups) =>
        new FullyConnectedLaneStepper(((FullyConnectedNetwork)model).Widths, count, groups);
    /// <inheritdoc/>
    public Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        new FullyConnectedLoneStepper(((FullyConnectedNetwork)model).Widths, data, initial);
}
