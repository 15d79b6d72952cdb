using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>The paper's full-width circular convolutional networks, eq. (2)-(3): bridge penalty on the Fourier entries.
/// <see cref="ConvolutionalFourierNetwork"/> trains in the Fourier domain (Lemma 3), in lanes under the exponential
/// loss; its time-domain twin <see cref="ConvolutionalNetwork"/> ("conv-time") only with the generic stepper.</summary>
public sealed class ConvolutionalFamily : INetworkFamily
{
    /// <inheritdoc/>
    public IReadOnlyList<NetworkKind> Kinds { get; } = [NetworkKind.Convolutional, NetworkKind.ConvolutionalTime];
    /// <inheritdoc/>
    public PenaltyDomain? DepthPenaltyDomain => PenaltyDomain.Fourier;
    /// <inheritdoc/>
    public bool Owns(IParameterization model) => model is ConvolutionalFourierNetwork or ConvolutionalNetwork;
    /// <inheritdoc/>
    public bool HasFastStepper(IParameterization model) => model is ConvolutionalFourierNetwork;
    /// <inheritdoc/>
    public Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads) =>
        model is ConvolutionalFourierNetwork conv ? new FourierStepper(conv.Depth, data, initial, threads) : null;
    /// <inheritdoc/>
    public bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) =>
        model is ConvolutionalFourierNetwork && LaneStepper.Fits(loss, count, dimension);
    /// <inheritdoc/>
    public LaneStepper Lanes(IParameterization model, int count, int dimension, int groups) =>
        new FourierLaneStepper(((ConvolutionalFourierNetwork)model).Depth, count, dimension, groups);
    /// <summary>A small Fourier-domain net's time-domain twin (same parameters, same beta): its pullback of one point
    /// costs a fifth at D = 24 (measured).</summary>
    public IParameterization FlowModel(IParameterization model) =>
        model is ConvolutionalFourierNetwork { Dimension: <= 64 } conv ? new ConvolutionalNetwork(conv.Dimension,
            conv.Depth) : model;
    /// <inheritdoc/>
    public Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        new FourierLoneStepper(((ConvolutionalFourierNetwork)model).Depth, data, initial);
}
