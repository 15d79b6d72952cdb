using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>Linear group-convolutional networks on a finite group ("gconv"): depth's penalty acts on the group Fourier
/// blocks (<see cref="GroupImpliedPenalty"/>). <see cref="GroupConvolutionalFourierNetwork"/> trains in the Fourier
/// domain, in lanes under the exponential loss; its group-domain twin <see cref="GroupConvolutionalNetwork"/> only with
/// the generic stepper. (docs/performance.md, "The group Fourier steppers")</summary>
public sealed class GroupConvolutionalFamily : INetworkFamily
{
    /// <inheritdoc/>
    public IReadOnlyList<NetworkKind> Kinds { get; } = [NetworkKind.GroupConvolutional];
    /// <inheritdoc/>
    public PenaltyDomain? DepthPenaltyDomain => PenaltyDomain.GroupFourier;
    /// <inheritdoc/>
    public bool Owns(IParameterization model) =>
        model is GroupConvolutionalNetwork or GroupConvolutionalFourierNetwork;
    /// <inheritdoc/>
    public bool HasFastStepper(IParameterization model) => model is GroupConvolutionalFourierNetwork;
    /// <inheritdoc/>
    public Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads) =>
        model is GroupConvolutionalFourierNetwork g ? GroupFourierStepper.Create(g, data, initial, threads) : null;
    /// <inheritdoc/>
    public bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) =>
        GroupFourierLaneStepper.Applies(model, loss, count, dimension);
    /// <inheritdoc/>
    public LaneStepper Lanes(IParameterization model, int count, int dimension, int groups) =>
        GroupFourierLaneStepper.Batch(model, count, dimension, groups);
    /// <inheritdoc/>
    public Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        GroupFourierLaneStepper.Alone(model, data, initial);
}
