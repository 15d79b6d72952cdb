using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>Diagonal networks (Section 5): bridge penalty on beta's own entries; lanes under the exponential
/// loss.</summary>
public sealed class DiagonalFamily : INetworkFamily
{
    /// <inheritdoc/>
    public IReadOnlyList<NetworkKind> Kinds { get; } = [NetworkKind.Diagonal];
    /// <inheritdoc/>
    public PenaltyDomain? DepthPenaltyDomain => PenaltyDomain.Time;
    /// <inheritdoc/>
    public bool Owns(IParameterization model) => model is DiagonalNetwork;
    /// <inheritdoc/>
    public bool HasFastStepper(IParameterization model) => true;
    /// <inheritdoc/>
    public Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads)
    {
        var diag = (DiagonalNetwork)model;
        return new DiagonalStepper(diag.Name, diag.Depth, diag.Degree, data, initial, threads);
    }
    /// <inheritdoc/>
    public bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) =>
        LaneStepper.Fits(loss, count, dimension);
    /// <inheritdoc/>
    public LaneStepper Lanes(IParameterization model, int count, int dimension, int groups) =>
        new DiagonalLaneStepper(model.Name, ((DiagonalNetwork)model).Depth, count, dimension, groups);
    /// <inheritdoc/>
    public Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        new DiagonalLoneStepper(model.Name, ((DiagonalNetwork)model).Depth, data, initial);
}
