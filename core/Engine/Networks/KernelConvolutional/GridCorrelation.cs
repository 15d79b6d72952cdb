using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Networks;

/// <summary>The paper's "convolution" (eq. 2) on a <see cref="Grid"/> with a kernel supported on a
/// <see cref="KernelSize"/>: (h * w)[d] = D^-1/2 sum_t w[t] h[d + o_t], where o_t is the grid offset of the kernel's
/// t-th entry. (docs/performance.md, "GridCorrelation")</summary>
public sealed class GridCorrelation
{
    private readonly int[] _offsets;
    private readonly double _scale;

    /// <summary>The correlation on <paramref name="grid"/> with kernels of <paramref name="kernel"/>'s
    /// support.</summary>
    public GridCorrelation(Grid grid, KernelSize kernel)
    {
        grid.Check(); kernel.Check(grid);
        Grid = grid; Kernel = kernel;
        _offsets = Enumerable.Range(0, kernel.Count).Select(t => kernel.Offset(grid, t)).ToArray();
        _scale = 1 / Math.Sqrt(grid.Count);
    }

    /// <summary>The index set of the signals.</summary>
    public Grid Grid { get; }
    /// <summary>The support of the kernels.</summary>
    public KernelSize Kernel { get; }

    /// <summary>result = h * w (w has Kernel.Count entries). <paramref name="result"/> must not alias the
    /// inputs.</summary>
    public void Apply(ReadOnlySpan<double> h, ReadOnlySpan<double> w, Span<double> result)
    {
        var grid = Grid;
        for (int d = 0; d < grid.Count; d++)
        {
            double sum = 0;
            for (int t = 0; t < _offsets.Length; t++) sum += w[t] * h[grid.Add(d, _offsets[t])];
            result[d] = _scale * sum;
        }
    }

    /// <summary>result += the adjoint of h -> h * w applied to u: result[j] += D^-1/2 sum_t w[t] u[j - o_t], so that
    /// &lt;h * w, u&gt; = &lt;h, Adjoint(u, w)&gt;.</summary>
    public void AddAdjoint(ReadOnlySpan<double> u, ReadOnlySpan<double> w, Span<double> result)
    {
        var grid = Grid;
        for (int j = 0; j < grid.Count; j++)
        {
            double sum = 0;
            for (int t = 0; t < _offsets.Length; t++) sum += w[t] * u[grid.Subtract(j, _offsets[t])];
            result[j] += _scale * sum;
        }
    }

    /// <summary>
    /// The gradient in w of &lt;h * w, u&gt;: result[t] = D^-1/2 sum_d u[d] h[d + o_t] (Kernel.Count entries).
    /// </summary>
    public void KernelGradient(ReadOnlySpan<double> h, ReadOnlySpan<double> u, Span<double> result)
    {
        var grid = Grid;
        for (int t = 0; t < _offsets.Length; t++)
        {
            double sum = 0;
            for (int d = 0; d < grid.Count; d++) sum += u[d] * h[grid.Add(d, _offsets[t])];
            result[t] = _scale * sum;
        }
    }
}
