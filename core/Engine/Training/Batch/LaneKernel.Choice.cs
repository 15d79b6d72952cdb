using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Training.Batch;

/// <summary>
/// Which runs a lane kernel trains, and the kernel for them: batched (<see cref="For"/>) or alone with a lane's
/// bits (<see cref="Alone"/>).
/// </summary>
public abstract partial class LaneKernel
{
    /// <summary>
    /// Largest N * D trained this way: above it a run's own SIMD over D with threads (FourierStepKernel, DiagonalStepKernel)
    /// is the better use of the cores. This also decides single runs' kernel (a run alone must have its lane's bits:
    /// <see cref="Alone"/>). Chosen when a lone conv run was a batch of one (at N * D = 2048, conv L=4, D=64, N=32, it took
    /// 3.1 us a step against 1.25 us in FourierStepKernel); 1024 keeps every set of the report's suites (D &lt;= 32, N &lt;= D)
    /// batched. Not measured again since the lone kernels (FourierLoneKernel: conv L=4, D=64, N=16 at 2.7 us a step).
    /// </summary>
    public const int MaxValues = 1 << 10;

    /// <summary>
    /// Largest parameter count of a fully connected network trained this way. This decides single runs' kernel too, and
    /// above about a thousand parameters <see cref="FullyConnectedLoneKernel"/> (layers kept twice, by rows and by
    /// columns) is slower than <see cref="Kernels.FullyConnectedStepKernel"/>: a step measured (Evaluate, Gradient,
    /// ||w||^2, Step; one core, 2026-12-04) 659 against 773 ns at 528 parameters (L=3, D=16), 1153 against 1182 at 820,
    /// 1413 against 1426 at 1176, 1648 against 1583 at 1056 (L=2, D=32), 2534 against 1853 at 2080 and 3650 against
    /// 2333 at 3104 (L=4, D=32); from 600 to about 1200 the two trade places between runs (scripts/fc-kernel-choice.fsx;
    /// three runs in docs/performance.md).
    /// </summary>
    public const int MaxFullyConnectedParameters = 1 << 10;

    /// <summary>
    /// True when runs of this model, loss and data size are trained by a lane kernel (alone or batched): the
    /// convolutional network (Fourier domain), the diagonal network, the linear model and the fully connected
    /// network (with at most <see cref="MaxFullyConnectedParameters"/> parameters) under the exponential loss with
    /// N D &lt;= <see cref="MaxValues"/>.
    /// </summary>
    public static bool Applies(Models.IParameterization model, Losses.ILoss loss, int count, int dimension) =>
        (model is Models.ConvolutionalFourierNetwork or Models.DiagonalNetwork or Models.LinearModel
         || model is Models.FullyConnectedNetwork { ParameterCount: <= MaxFullyConnectedParameters })
        && loss is Losses.ExponentialLoss && (long)count * dimension <= MaxValues;

    /// <summary>An empty lane kernel of <paramref name="groups"/> groups for runs of this model on at most N points (see <see cref="Applies"/>; null where it does not apply).</summary>
    public static LaneKernel? For(Models.IParameterization model, Losses.ILoss loss, int count, int dimension, int groups) =>
        !Applies(model, loss, count, dimension) ? null : model switch
        {
            Models.ConvolutionalFourierNetwork conv => new FourierLaneKernel(conv.Depth, count, dimension, groups),
            Models.DiagonalNetwork diag => new DiagonalLaneKernel(diag.Name, diag.Depth, count, dimension, groups),
            Models.LinearModel linear => new DiagonalLaneKernel(linear.Name, 1, count, dimension, groups),
            Models.FullyConnectedNetwork fc => new FullyConnectedLaneKernel(fc.Widths, count, groups),
            _ => null,
        };

    /// <summary>
    /// A run alone with the bits of a lane of its model's lane kernel (<see cref="Applies"/> must hold; data already
    /// scaled), the same operations vectorized within the run: <see cref="FourierLoneKernel"/> for the convolutional
    /// network, <see cref="DiagonalLoneKernel"/> for the diagonal network and the linear model, <see cref="FullyConnectedLoneKernel"/>
    /// for the fully connected network. (A lane of a batch of
    /// one, <see cref="LaneView"/>, has the same bits too, at the cost of eight lanes for one.)
    /// </summary>
    public static Kernels.StepKernel Alone(Models.IParameterization model, Dataset data, ReadOnlySpan<double> initial) => model switch
    {
        Models.ConvolutionalFourierNetwork conv => new FourierLoneKernel(conv.Depth, data, initial),
        Models.DiagonalNetwork diag => new DiagonalLoneKernel(diag.Name, diag.Depth, data, initial),
        Models.LinearModel linear => new DiagonalLoneKernel(linear.Name, 1, data, initial),
        Models.FullyConnectedNetwork fc => new FullyConnectedLoneKernel(fc.Widths, data, initial),
        _ => throw new ArgumentException($"no lane kernel for {model.Name}."),
    };
}
