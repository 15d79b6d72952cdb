using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Reference;

/// <summary>Shared driver: separability test and feasible start from l2, change of basis, interior point,
/// certificate.</summary>
public static class GroupNormSolve
{
    /// <summary>Solves the bias's max-margin problem with the interior-point method (l2 too: one group of all
    /// coordinates).</summary>
    public static MaxMarginSolution Run(Dataset data, MarginBias bias, double gapTolerance = 1e-8) => Run(data, bias,
        null, gapTolerance);

    /// <summary>The same on a grid: Fourier-l1 over the grid's whole unitary DFT spectrum (<see cref="GridDft"/>,
    /// <see cref="RealFourierBasis.Groups(Grid)"/>); l2 and time-l1 do not see the grid. A null grid is 1-D.</summary>
    public static MaxMarginSolution Run(Dataset data, MarginBias bias, Grid? grid, double gapTolerance = 1e-8)
    {
        var clock = Stopwatch.StartNew();
        if (grid is { } g && g.Count != data.Dimension)
            throw new ArgumentException(
                $"the grid {g} has {g.Count} entries but {data.Name} has D = {data.Dimension}.");
        var shape = grid ?? Grid.Line(data.Dimension);
        var l2 = L2MaxMargin.Solve(data, gapTolerance);
        if (l2.Status == SolverStatus.NotSeparable) return l2 with { Bias = bias, Grid = grid };
        int dim = data.Dimension, count = data.Count;
        var z = data.SignedFeatures();
        int[] start, size; double[] weight;
        Func<double[], double[]> toBasis, fromBasis;
        switch (bias)
        {
            case MarginBias.FourierL1:
                (start, size, weight) = RealFourierBasis.Groups(shape);
                toBasis = v => RealFourierBasis.Forward(v, shape); fromBasis = c => RealFourierBasis.Inverse(c, shape);
                break;
            case MarginBias.TimeL1:
                start = Enumerable.Range(0, dim).ToArray(); size = Enumerable.Repeat(1,
                    dim).ToArray(); weight = Enumerable.Repeat(1.0, dim).ToArray();
                toBasis = v => v; fromBasis = c => c;
                break;
            default:
                start = [0]; size = [dim]; weight = [1.0];
                toBasis = v => v; fromBasis = c => c;
                break;
        }
        var m = new double[count * dim];
        for (int n = 0; n < count; n++) toBasis(z.AsSpan(n * dim, dim).ToArray()).CopyTo(m, n * dim);
        var start0 = toBasis(l2.Beta).Select(v => 2 * v).ToArray();
        var r = GroupNormInteriorPoint.Solve(m, count, dim, start, size, weight, start0,
            tolerance: Math.Min(1e-11, gapTolerance));
        var beta = fromBasis(r.Coordinates);
        return Certificate.Certify(data, bias, beta, r.Alpha, r.Iterations, clock.Elapsed.TotalSeconds,
            "primal-dual interior point (SOCP)", gapTolerance, hitIterationLimit: !r.Converged && r.Gap > gapTolerance,
                grid: grid);
    }
}
