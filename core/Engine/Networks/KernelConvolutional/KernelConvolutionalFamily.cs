using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>Convolutional networks on a grid with a kernel and channels (issue 10): with full-width kernels and one
/// channel the paper's network on the grid (the Fourier stepper, any depth); at depth 2 otherwise the kernel lift
/// (<see cref="KernelLiftStepper"/>); deeper ones the generic stepper. No lanes.</summary>
public sealed class KernelConvolutionalFamily : NetworkFamilyWithoutLanes
{
    /// <summary>The paper's network on the net's grid: full-width kernels, one channel.</summary>
    public static bool IsFullWidth(KernelConvolutionalNetwork net) =>
        net.Channels == 1 && net.Kernel == KernelSize.Full(net.Grid);

    /// <inheritdoc/>
    public override IReadOnlyList<NetworkKind> Kinds { get; } = [];
    /// <inheritdoc/>
    public override PenaltyDomain? DepthPenaltyDomain => PenaltyDomain.Fourier;
    /// <inheritdoc/>
    public override bool Owns(IParameterization model) => model is KernelConvolutionalNetwork;
    /// <inheritdoc/>
    public override bool HasFastStepper(IParameterization model) =>
        model is KernelConvolutionalNetwork net && (net.Depth == 2 || IsFullWidth(net));
    /// <inheritdoc/>
    public override Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial,
        int threads) =>
        model switch
        {
            KernelConvolutionalNetwork net when IsFullWidth(net) => new FourierStepper(net.Grid, net.Depth, data,
                initial, threads),
            KernelConvolutionalNetwork { Depth: 2 } net =>
                new KernelLiftStepper(net.Name, net.Grid, net.Kernel, net.Channels, data, initial, threads),
            _ => null,
        };
}
