using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Models;

namespace ImplicitBias.Engine.Training.Kernels;

/// <summary>
/// Picks the fastest kernel for a parameterization: <see cref="FourierStepKernel"/> for
/// ConvolutionalFourierNetwork, <see cref="DiagonalStepKernel"/> for DiagonalNetwork and
/// LinearModel, <see cref="FullyConnectedStepKernel"/> for FullyConnectedNetwork, <see cref="FourierStepKernel"/> on the grid for KernelConvolutionalNetwork with full-width kernels
/// and one channel (1-D or 2-D, any depth), <see cref="KernelLiftStepKernel"/> for the other KernelConvolutionalNetworks at depth 2, and <see cref="GenericStepKernel"/> for everything else (the deeper
/// kernel networks, and the time-domain ConvolutionalNetwork, kept slow on purpose as the naive twin).
/// </summary>
public static class StepKernels
{
    /// <summary>
    /// Below this many data values N * D a step runs on one thread: waking a second thread costs
    /// microseconds, more than a small step takes.
    /// </summary>
    public const int ParallelThreshold = 1 << 17;

    /// <summary>Threads used for data of this size when not told: all cores for N * D at or above <see cref="ParallelThreshold"/>.</summary>
    public static int DefaultThreads(Dataset data) =>
        (long)data.Count * data.Dimension >= ParallelThreshold ? Environment.ProcessorCount : 1;

    /// <summary>True when <see cref="Create"/> has a specialised kernel for this model.</summary>
    public static bool HasFastKernel(IParameterization model) =>
        model is ConvolutionalFourierNetwork or DiagonalNetwork or LinearModel or FullyConnectedNetwork or KernelConvolutionalNetwork { Depth: 2 }
        || model is KernelConvolutionalNetwork net && IsFullWidth(net);

    /// <summary>The paper's network on the net's grid: full-width kernels, one channel (the Fourier kernel applies).</summary>
    public static bool IsFullWidth(KernelConvolutionalNetwork net) => net.Channels == 1 && net.Kernel == KernelSize.Full(net.Grid);

    /// <summary>
    /// The kernel for training <paramref name="model"/> on <paramref name="data"/> from
    /// <paramref name="initial"/>; <paramref name="threads"/> = 0 means <see cref="DefaultThreads"/>.
    /// The result of a specialised kernel does not depend on the thread count.
    /// </summary>
    public static StepKernel Create(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads = 0)
    {
        int t = threads > 0 ? threads : DefaultThreads(data);
        return model switch
        {
            ConvolutionalFourierNetwork conv => new FourierStepKernel(conv.Depth, data, initial, t),
            DiagonalNetwork diag => new DiagonalStepKernel(diag.Name, diag.Depth, diag.Degree, data, initial, t),
            KernelConvolutionalNetwork net when IsFullWidth(net) => new FourierStepKernel(net.Grid, net.Depth, data, initial, t),
            KernelConvolutionalNetwork { Depth: 2 } net => new KernelLiftStepKernel(net.Name, net.Grid, net.Kernel, net.Channels, data, initial, t),
            LinearModel linear => new DiagonalStepKernel(linear.Name, 1, linear.Degree, data, initial, t),
            FullyConnectedNetwork fc => new FullyConnectedStepKernel(fc, data, initial, t),
            _ => new GenericStepKernel(model, data, initial),
        };
    }
}
