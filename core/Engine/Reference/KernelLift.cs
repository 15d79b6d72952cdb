using ImplicitBias.Engine.Fourier;
using MathNet.Numerics.LinearAlgebra;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The linear map A_K from |K| x D matrices to predictors of a depth-2 network with kernel K on a grid (COLT
/// 2022, in this toolkit's conventions): A_K(Z)[j] = D^-1/2 sum_{t &lt; |K|} Z[t, j - offset(t)], offset(t) =
/// <see cref="KernelSize.Offset"/>. (docs/reference-solvers.md, "KernelLift")</summary>
public sealed class KernelLift
{
    private readonly int[] offsets;

    /// <summary>The map for a kernel on a grid; throws if the kernel does not fit.</summary>
    public KernelLift(Grid grid, KernelSize kernel)
    {
        grid.Check();
        kernel.Check(grid);
        Grid = grid;
        Kernel = kernel;
        offsets = Enumerable.Range(0, kernel.Count).Select(t => kernel.Offset(grid, t)).ToArray();
    }

    /// <summary>The grid (D = Grid.Count).</summary>
    public Grid Grid { get; }

    /// <summary>The kernel's support (|K| = Kernel.Count rows of Z).</summary>
    public KernelSize Kernel { get; }

    /// <summary>beta = A_K(Z) for Z of size |K| x D.</summary>
    public double[] Apply(Matrix<double> z)
    {
        int d = Grid.Count;
        if (z.RowCount != offsets.Length || z.ColumnCount != d)
            throw new ArgumentException($"A_K needs a {offsets.Length} x {d} matrix (got {z.RowCount} x " +
                                        $"{z.ColumnCount}).");
        var beta = new double[d];
        double s = 1 / Math.Sqrt(d);
        for (int t = 0; t < offsets.Length; t++)
            for (int i = 0; i < d; i++) beta[Grid.Add(i, offsets[t])] += s * z[t, i];
        return beta;
    }

    /// <summary>A_K^*(g), the |K| x D matrix with entries D^-1/2 g[i + offset(t)].</summary>
    public Matrix<double> Adjoint(ReadOnlySpan<double> g)
    {
        int d = Grid.Count;
        if (g.Length != d) throw new ArgumentException($"A_K^* needs a vector of length {d} (got {g.Length}).");
        var m = Matrix<double>.Build.Dense(offsets.Length, d);
        double s = 1 / Math.Sqrt(d);
        for (int t = 0; t < offsets.Length; t++)
            for (int i = 0; i < d; i++) m[t, i] = s * g[Grid.Add(i, offsets[t])];
        return m;
    }
}
