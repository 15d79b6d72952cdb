using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The linear convolutional network of eq. (2)-(3) on a <see cref="Grid"/> (1-D: Grid(1, D); images M x N
/// row-major) with kernels of a given <see cref="KernelSize"/> and C channels, computed in the time domain
/// (<see cref="GridCorrelation"/>). (docs/performance.md, "KernelConvolutionalNetwork")</summary>
public sealed class KernelConvolutionalNetwork : IParameterization
{
    private readonly GridCorrelation _correlation;
    // Scratch, one set per thread: a model may be shared by runs on several threads.
    private readonly ThreadLocal<(double[][] Forward, double[][] Backward)> _scratch;

    /// <summary>A depth-L network on <paramref name="grid"/> with kernels of support <paramref name="kernel"/> and
    /// <paramref name="channels"/> channels (more than one only at depth 2).</summary>
    public KernelConvolutionalNetwork(Grid grid, KernelSize kernel, int channels, int depth)
    {
        grid.Check(); kernel.Check(grid);
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        if (channels < 1) throw new ArgumentException($"channels must be at least 1 (got {channels}).");
        if (channels > 1
            && depth != 2) throw new
            ArgumentException($"several channels ({channels}) need depth 2 (got depth {depth}); deeper kernel " +
                              $"networks have one channel.");
        Grid = grid; Kernel = kernel; Channels = channels; Depth = depth;
        _correlation = new GridCorrelation(grid, kernel);
        int d = grid.Count;
        _scratch = new(() => (Enumerable.Range(0, depth).Select(_ => new double[d]).ToArray(),
                              Enumerable.Range(0, depth).Select(_ => new double[d]).ToArray()));
    }

    /// <summary>A 1-D network on R^D with kernels of size K.</summary>
    public KernelConvolutionalNetwork(int dimension, int kernelSize, int channels, int depth)
        : this(Grid.Line(dimension), KernelSize.Line(kernelSize), channels, depth) { }

    /// <summary>The index set of the inputs.</summary>
    public Grid Grid { get; }
    /// <summary>The support of the kernels of layers 1..L-1.</summary>
    public KernelSize Kernel { get; }
    /// <summary>Number of channels C.</summary>
    public int Channels { get; }
    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <summary>"conv-k{K}-c{C}-L{L}" in 1-D, "conv-{M}x{N}-k{K1}x{K2}-c{C}-L{L}" in 2-D.</summary>
    public string Name => Grid.IsLine ? $"conv-k{Kernel}-c{Channels}-L{Depth}"
        : $"conv-{Grid}-k{Kernel}-c{Channels}-L{Depth}";
    /// <inheritdoc/>
    public int Dimension => Grid.Count;
    /// <summary>Parameters in the kernel layers, (L-1) C K.</summary>
    public int KernelParameterCount => (Depth - 1) * Channels * Kernel.Count;
    /// <inheritdoc/>
    public int ParameterCount => KernelParameterCount + Channels * Dimension;
    /// <inheritdoc/>
    public int Degree => Depth;

    /// <summary>Kernel of layer l (1..L-1), channel c.</summary>
    private static Span<double> KernelOf(Span<double> w, int l, int c, int channels,
        int k) => w.Slice(((l - 1) * channels + c) * k, k);
    private ReadOnlySpan<double> KernelOf(ReadOnlySpan<double> w, int l,
        int c) => w.Slice(((l - 1) * Channels + c) * Kernel.Count, Kernel.Count);
    private ReadOnlySpan<double> LastOf(ReadOnlySpan<double> w, int c) => w.Slice(KernelParameterCount + c * Dimension,
        Dimension);

    /// <summary>The network output f_w(x), by pushing x through every layer (eq. 3 summed over channels).</summary>
    public double Output(ReadOnlySpan<double> w, ReadOnlySpan<double> x)
    {
        double sum = 0;
        for (int c = 0; c < Channels; c++)
        {
            var h = x.ToArray();
            var next = new double[Dimension];
            for (int l = 1; l < Depth; l++)
            {
                _correlation.Apply(h, KernelOf(w, l, c), next);
                (h, next) = (next, h);
            }
            sum += Numerics.Simd.Dot(h, LastOf(w, c)) /* the same order on AVX2 and AVX-512 machines */;
        }
        return sum;
    }

    /// <summary>b_{L-1} = v_c, b_{l-1} = C_l^T b_l: then b_0 is channel c's share of beta.</summary>
    private void Backward(ReadOnlySpan<double> w, int c, double[][] backward)
    {
        LastOf(w, c).CopyTo(backward[Depth - 1]);
        for (int l = Depth - 1; l >= 1; l--)
        {
            Array.Clear(backward[l - 1]);
            _correlation.AddAdjoint(backward[l], KernelOf(w, l, c), backward[l - 1]);
        }
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        var backward = _scratch.Value.Backward;
        beta.Clear();
        for (int c = 0; c < Channels; c++)
        {
            Backward(w, c, backward);
            for (int j = 0; j < Dimension; j++) beta[j] += backward[0][j];
        }
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // <g, beta> = sum_c <h_{l-1}(g) * w_l, b_l>: its gradient in the kernel w_l is KernelGradient(h_{l-1}, b_l),
        // and in v_c it is h_{L-1}(g) = g * w_1 * ... * w_{L-1}.
        var (forward, backward) = _scratch.Value;
        for (int c = 0; c < Channels; c++)
        {
            Backward(w, c, backward);
            gradBeta.CopyTo(forward[0]);
            for (int l = 1; l < Depth; l++)
            {
                _correlation.KernelGradient(forward[l - 1], backward[l], KernelOf(gradW, l, c, Channels, Kernel.Count));
                _correlation.Apply(forward[l - 1], KernelOf(w, l, c), forward[l]);
            }
            forward[Depth - 1].CopyTo(gradW.Slice(KernelParameterCount + c * Dimension, Dimension));
        }
    }

    /// <summary>Seeded Gaussian layers: each kernel layer (C K entries) and the last layer (C D entries) of norm about
    /// <paramref name="scale"/>.</summary>
    public void Initialize(Span<double> w, double scale, SeededRandom rng)
    {
        int layer = Channels * Kernel.Count;
        for (int l = 1; l < Depth; l++) rng.FillGaussian(w.Slice((l - 1) * layer, layer), scale / Math.Sqrt(layer));
        rng.FillGaussian(w.Slice(KernelParameterCount), scale / Math.Sqrt(Channels * Dimension));
    }
}
