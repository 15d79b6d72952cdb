using System.Numerics;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;
using RealVector = MathNet.Numerics.LinearAlgebra.Vector<double>;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// Sharpens a barrier point of <see cref="GroupNuclearMaxMargin"/> on its identified structure (support S, active
/// blocks), the analogue of the cyclic case's support polish: Gauss-Newton on the optimality conditions
/// (c^2 I - Z Z^*) B = 0 and B^* Z = Z^* B per active block (so B = U_k Q V_k^* on the top singular space of
/// Z = Z_rho(a), c = sqrt d) and margins 1 on S, in the unknowns a_S and the active blocks B_rho (one of each complex
/// pair, its partner the conjugate). The result is only a candidate: <see cref="GroupNuclearCertificate"/> judges it.
/// </summary>
internal static class GroupNuclearPolish
{
    private sealed record Active(int Block, int Degree, bool Real, int Multiplicity);

    /// <summary>
    /// (beta, a) polished from the barrier's dual point a0 and primal blocks, or null if the step failed.
    /// </summary>
    public static (double[] Beta, double[] Alpha)? Run(GroupNuclearMaxMargin.Barrier problem, double[] a0,
        Complex[][] blocks0, int iterations = 12)
    {
        var fourier = problem.Fourier;
        double largest = a0.Max();
        var support = Enumerable.Range(0, a0.Length).Where(n => a0[n] > 1e-4 * largest).ToArray();
        var active = new List<Active>();
        for (int r = 0; r < fourier.Irreps.Count; r++)
        {
            int partner = fourier.Partner[r], d = fourier.Irreps[r].Dimension;
            if (partner >= 0 && partner < r) continue; // the second of a complex pair: the conjugate of the first
            if (problem.Combination(r, a0).L2Norm() >= Math.Sqrt(d) * (1 - 1e-4))
                active.Add(new Active(r, d, fourier.Irreps[r].Type == IrrepType.Real, partner > r ? 2 : 1));
        }
        var start = active.Select(b =>
            Matrix<Complex>.Build.Dense(b.Degree, b.Degree, (i, j) => blocks0[b.Block][i * b.Degree + j]));
        var x = Pack(support.Select(n => a0[n]), start, active);
        double best = double.PositiveInfinity;
        for (int it = 0; it < iterations; it++)
        {
            var residual = Residual(problem, support, active, x, null);
            double size = residual.L2Norm();
            if (!(size < best)) break;
            best = size;
            var jacobian = Matrix<double>.Build.Dense(residual.Count, x.Count);
            for (int k = 0; k < x.Count; k++)
            {
                var direction = RealVector.Build.Dense(x.Count);
                direction[k] = 1;
                jacobian.SetColumn(k, Residual(problem, support, active, x, direction));
            }
            x -= jacobian.PseudoInverse() * residual;
        }
        var (alpha, b) = Unpack(x, support.Length, active);
        var a = new double[a0.Length];
        for (int s = 0; s < support.Length; s++) a[support[s]] = alpha[s];
        var blocks = fourier.NewBlocks();
        for (int t = 0; t < active.Count; t++)
        {
            int d = active[t].Degree, partner = fourier.Partner[active[t].Block];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    blocks[active[t].Block][i * d + j] = b[t][i, j];
                    if (partner > active[t].Block) blocks[partner][i * d + j] = Complex.Conjugate(b[t][i, j]);
                }
        }
        var beta = new double[fourier.Group.Order];
        fourier.InverseReal(blocks, beta);
        return a.All(double.IsFinite) && beta.All(double.IsFinite) ? (beta, a) : null;
    }

    /// <summary>
    /// The residual of the conditions at x, or (with a direction) its derivative along it: the conditions are
    /// polynomial, so the derivative is written out (Z' = Z(da), B' = dB).
    /// </summary>
    private static RealVector Residual(GroupNuclearMaxMargin.Barrier problem, int[] support, List<Active> active,
        RealVector x, RealVector? direction)
    {
        var (alpha, b) = Unpack(x, support.Length, active);
        var (dAlpha, dB) = direction == null ? (null, null) : Unpack(direction, support.Length, active);
        var values = new List<double>();
        for (int t = 0; t < active.Count; t++)
        {
            var block = active[t];
            var z = Combine(problem, block.Block, support, alpha);
            double c2 = block.Degree;
            var identity = Matrix<Complex>.Build.DenseIdentity(block.Degree);
            Matrix<Complex> first, second;
            if (direction == null)
            {
                first = (identity * c2 - z * z.ConjugateTranspose()) * b[t];
                second = b[t].ConjugateTranspose() * z - z.ConjugateTranspose() * b[t];
            }
            else
            {
                var dz = Combine(problem, block.Block, support, dAlpha!);
                var dzz = dz * z.ConjugateTranspose() + z * dz.ConjugateTranspose();
                first = (identity * c2 - z * z.ConjugateTranspose()) * dB![t] - dzz * b[t];
                second = dB[t].ConjugateTranspose() * z - z.ConjugateTranspose() * dB[t]
                    + b[t].ConjugateTranspose() * dz - dz.ConjugateTranspose() * b[t];
            }
            foreach (var m in new[] { first, second })
                foreach (var v in m.ToRowMajorArray()) { values.Add(v.Real); if (!block.Real) values.Add(v.Imaginary); }
        }
        foreach (int n in support)
        {
            double margin = direction == null ? -1 : 0;
            for (int t = 0; t < active.Count; t++)
            {
                var bt = direction == null ? b[t] : dB![t];
                var point = problem.Points[active[t].Block][n];
                margin += active[t].Multiplicity * point.ConjugateTranspose().Multiply(bt).Trace().Real;
            }
            values.Add(margin);
        }
        return RealVector.Build.DenseOfEnumerable(values);
    }

    private static Matrix<Complex> Combine(GroupNuclearMaxMargin.Barrier problem, int block, int[] support,
        double[] alpha)
    {
        var z = Matrix<Complex>.Build.Dense(problem.Points[block][0].RowCount, problem.Points[block][0].ColumnCount);
        for (int s = 0; s < support.Length; s++) z += problem.Points[block][support[s]] * alpha[s];
        return z;
    }

    /// <summary>
    /// x = [a_S; the active blocks' entries, real parts (and imaginary parts unless the block is real)].
    /// </summary>
    private static RealVector Pack(IEnumerable<double> alpha, IEnumerable<Matrix<Complex>> blocks, List<Active> active)
    {
        var values = alpha.ToList();
        foreach (var (m, block) in blocks.Zip(active))
            foreach (var v in m.ToRowMajorArray()) { values.Add(v.Real); if (!block.Real) values.Add(v.Imaginary); }
        return RealVector.Build.DenseOfEnumerable(values);
    }

    private static (double[] Alpha, Matrix<Complex>[] Blocks) Unpack(RealVector x, int supportSize, List<Active> active)
    {
        var alpha = Enumerable.Range(0, supportSize).Select(s => x[s]).ToArray();
        int k = supportSize;
        var blocks = new Matrix<Complex>[active.Count];
        for (int t = 0; t < active.Count; t++)
        {
            int d = active[t].Degree;
            var m = Matrix<Complex>.Build.Dense(d, d);
            for (int e = 0; e < d * d; e++)
            {
                double re = x[k++], im = active[t].Real ? 0 : x[k++];
                m[e / d, e % d] = new Complex(re, im);
            }
            blocks[t] = m;
        }
        return (alpha, blocks);
    }
}
