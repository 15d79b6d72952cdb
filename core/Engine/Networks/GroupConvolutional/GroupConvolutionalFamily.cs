using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>Linear group-convolutional networks on a finite group ("gconv"): the group-domain
/// <see cref="GroupConvolutionalNetwork"/> and its Fourier twin <see cref="GroupConvolutionalFourierNetwork"/>, trained
/// by the generic stepper; depth's penalty acts on the group Fourier blocks
/// (<see cref="GroupImpliedPenalty"/>).</summary>
public sealed class GroupConvolutionalFamily : NetworkFamilyWithoutLanes
{
    /// <inheritdoc/>
    public override IReadOnlyList<NetworkKind> Kinds { get; } = [NetworkKind.GroupConvolutional];
    /// <inheritdoc/>
    public override PenaltyDomain? DepthPenaltyDomain => PenaltyDomain.GroupFourier;
    /// <inheritdoc/>
    public override bool Owns(IParameterization model) =>
        model is GroupConvolutionalNetwork or GroupConvolutionalFourierNetwork;
    // The place for the fast group-Fourier stepper (and its lanes): until it lands, the generic stepper.
    /// <inheritdoc/>
    public override bool HasFastStepper(IParameterization model) => false;
    /// <inheritdoc/>
    public override Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial,
        int threads) => null;
}
