using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;
using RealVector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace ImplicitBias.Engine.Theory;

/// <summary>Gauss-Newton on the KKT system of the group bridge problem at fixed block ranks and active set, in the
/// unknowns beta (real, so every block structure is kept) and alpha_A: P_T(G - w p U S^(p-1) V^*) = 0 and
/// (I - U U^*) B (I - V V^*) = 0 per block, margins 1 on A. The answer is only a candidate for
/// <see cref="GroupBridgeKkt"/>.</summary>
internal sealed class GroupBridgePolish
{
    private readonly GroupFourier _fourier;
    private readonly double _p;
    private readonly Matrix<Complex>[][] _points;  // [n][rho]
    private readonly Matrix<Complex>[][] _basis;   // [i][rho]: the blocks of the unit vector e_i
    private readonly double[] _signed;

    /// <summary>The system's pieces for a data set and p.</summary>
    public GroupBridgePolish(GroupFourier fourier, Dataset data, double p)
    {
        _fourier = fourier; _p = p;
        _points = GroupBlockManifold.PointBlocks(fourier, data);
        int n = fourier.Group.Order;
        _basis = Enumerable.Range(0, n).Select(i =>
        {
            var e = new double[n];
            e[i] = 1;
            return GroupBlockManifold.Blocks(fourier, e);
        }).ToArray();
        _signed = data.SignedFeatures();
    }

    /// <summary>(beta, alpha_A, ||F||) polished from beta0 with the given ranks and active set.</summary>
    public (double[] Beta, double[] Alpha, double Defect, int Iterations) Run(double[] beta0, double[] alpha0,
        int[] ranks, int[] active, int maxIterations)
    {
        int dim = beta0.Length;
        var x = RealVector.Build.DenseOfEnumerable(beta0.Concat(alpha0));
        var f = Residual(x, ranks, active);
        double defect = f.L2Norm();
        int it = 0;
        for (; it < maxIterations && defect > 0; it++)
        {
            var jacobian = Jacobian(x, ranks, active);
            RealVector step;
            try { step = -(jacobian.PseudoInverse() * f); }
            catch (Exception e) when (e is ArithmeticException or MathNet.Numerics.NonConvergenceException) { break; }
            if (!step.All(double.IsFinite)) break;
            bool accepted = false;
            for (double s = 1; s >= 1e-6; s /= 2)
            {
                var next = x + step * s;
                var fn = Residual(next, ranks, active);
                double dn = fn.L2Norm();
                if (dn < (1 - 1e-4 * s) * defect) { x = next; f = fn; defect = dn; accepted = true; break; }
            }
            if (!accepted) break;
        }
        return (x.Take(dim).ToArray(), x.Skip(dim).ToArray(), defect, it);
    }

    private Matrix<Complex>[] BlocksOf(RealVector x)
    {
        int dim = _fourier.Group.Order;
        var f = new double[dim];
        for (int i = 0; i < dim; i++) f[i] = x[i];
        return GroupBlockManifold.Blocks(_fourier, f);
    }

    /// <summary>The residual F at x = [beta; alpha_A].</summary>
    private RealVector Residual(RealVector x, int[] ranks, int[] active) =>
        Residual(BlocksOf(x), x, ranks, active);

    private RealVector Residual(Matrix<Complex>[] blocks, RealVector x, int[] ranks, int[] active)
    {
        int dim = _fourier.Group.Order;
        var rows = new List<double>();
        for (int t = 0; t < blocks.Length; t++)
        {
            var chart = new GroupBlockManifold(blocks[t], ranks[t]);
            var g = Matrix<Complex>.Build.Dense(blocks[t].RowCount, blocks[t].ColumnCount);
            for (int a = 0; a < active.Length; a++) g += _points[active[a]][t] * x[dim + a];
            double w = GroupBlockManifold.Weight(_fourier.Irreps[t].Dimension, _p);
            rows.AddRange(GroupBlockManifold.Rows(chart.Tangent(g) - chart.Gradient(w, _p)));
            rows.AddRange(GroupBlockManifold.Rows(chart.Normal(blocks[t])));
        }
        foreach (int n in active)
        {
            double m = -1;
            for (int i = 0; i < dim; i++) m += _signed[n * dim + i] * x[i];
            rows.Add(m);
        }
        return RealVector.Build.DenseOfEnumerable(rows);
    }

    /// <summary>The Jacobian: central differences in beta (the blocks move along the basis blocks), exact in alpha
    /// (F is linear in it).</summary>
    private Matrix<double> Jacobian(RealVector x, int[] ranks, int[] active)
    {
        int dim = _fourier.Group.Order;
        var blocks = BlocksOf(x);
        var f0 = Residual(blocks, x, ranks, active);
        var jacobian = Matrix<double>.Build.Dense(f0.Count, x.Count);
        double h = 1e-5 * Math.Sqrt(Enumerable.Range(0, dim).Sum(i => x[i] * x[i]) / dim);
        for (int i = 0; i < dim; i++)
        {
            var plus = blocks.Select((b, t) => b + _basis[i][t] * h).ToArray();
            var minus = blocks.Select((b, t) => b - _basis[i][t] * h).ToArray();
            var xp = x.Clone(); xp[i] += h;
            var xm = x.Clone(); xm[i] -= h;
            jacobian.SetColumn(i, (Residual(plus, xp, ranks, active) - Residual(minus, xm, ranks, active)) / (2 * h));
        }
        var charts = blocks.Select((b, t) => new GroupBlockManifold(b, ranks[t])).ToArray();
        for (int a = 0; a < active.Length; a++)
        {
            var column = new List<double>();
            for (int t = 0; t < blocks.Length; t++)
            {
                var chart = charts[t];
                column.AddRange(GroupBlockManifold.Rows(chart.Tangent(_points[active[a]][t])));
                column.AddRange(Enumerable.Repeat(0.0, 2 * blocks[t].RowCount * blocks[t].ColumnCount));
            }
            column.AddRange(Enumerable.Repeat(0.0, active.Length));
            jacobian.SetColumn(dim + a, column.ToArray());
        }
        return jacobian;
    }
}
