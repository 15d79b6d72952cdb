using System.Numerics;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// A minimizer w* of ||w||^2 subject to P(w) = beta for the group-convolutional network: per irrep, the balanced
/// factors of M = d^((L-1)/2) beta_hat(rho) = U S V^*, W_1 = S^(1/L) V^*, W_l = S^(1/L) (1 &lt; l &lt; L),
/// W_L = U S^(1/L), so ||w*||^2 = <see cref="GroupImpliedPenalty.Value"/>. Real filters need real factors of real
/// blocks and conjugate factors for a complex pair; quaternionic irreps (which need a quaternionic SVD) are refused.
/// </summary>
public static class GroupBalancedParameters
{
    /// <summary>w* in the network's layout (L functions on G, layer after layer).</summary>
    public static double[] Of(GroupFourier fourier, ReadOnlySpan<double> beta, int depth)
    {
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        if (fourier.Partner.Any(p => p < 0))
            throw new NotSupportedException(
                $"{fourier.Group} has a quaternionic irrep: balanced real filters need its quaternionic SVD.");
        int n = fourier.Group.Order;
        var target = fourier.NewBlocks();
        fourier.Forward(beta, target);
        var layers = Enumerable.Range(0, depth).Select(_ => fourier.NewBlocks()).ToArray();
        for (int t = 0; t < target.Length; t++)
        {
            int partner = fourier.Partner[t];
            if (partner < t) continue; // the second of a complex pair: set with the first
            int d = fourier.Irreps[t].Dimension;
            double scale = Math.Pow(d, (depth - 1) / 2.0);
            var factors = fourier.Irreps[t].Type == IrrepType.Real
                ? RealFactors(target[t], d, scale, depth) : ComplexFactors(target[t], d, scale, depth);
            for (int l = 0; l < depth; l++)
            {
                layers[l][t] = factors[l];
                if (partner != t) layers[l][partner] = factors[l].Select(Complex.Conjugate).ToArray();
            }
        }
        var w = new double[depth * n];
        for (int l = 0; l < depth; l++) fourier.InverseReal(layers[l], w.AsSpan(l * n, n));
        return w;
    }

    private static Complex[][] RealFactors(Complex[] block, int d, double scale, int depth)
    {
        var svd = Matrix<double>.Build.Dense(d, d, (i, j) => scale * block[i * d + j].Real).Svd(computeVectors: true);
        Complex Lift(double v) => new(v, 0);
        return Balanced(svd.U.Map(Lift), svd.S.Map(Lift), svd.VT.Map(Lift), d, depth);
    }

    private static Complex[][] ComplexFactors(Complex[] block, int d, double scale, int depth)
    {
        var svd = Matrix<Complex>.Build.Dense(d, d, (i, j) => scale * block[i * d + j]).Svd(computeVectors: true);
        return Balanced(svd.U, svd.S, svd.VT, d, depth);
    }

    /// <summary>[S^(1/L) V^*, S^(1/L), ..., U S^(1/L)] (one block U S V^* at depth 1), as row-major arrays.</summary>
    private static Complex[][] Balanced(Matrix<Complex> u, MathNet.Numerics.LinearAlgebra.Vector<Complex> s,
        Matrix<Complex> vt, int d, int depth)
    {
        var root = Matrix<Complex>.Build.DenseOfDiagonalVector(
            s.Map(x => new Complex(Math.Pow(x.Real, 1.0 / depth), 0)));
        Complex[] Flat(Matrix<Complex> m) => Enumerable.Range(0, d * d).Select(e => m[e / d, e % d]).ToArray();
        if (depth == 1) return new[] { Flat(u * Matrix<Complex>.Build.DenseOfDiagonalVector(s) * vt) };
        return Enumerable.Range(0, depth)
            .Select(l => Flat(l == 0 ? root * vt : l == depth - 1 ? u * root : root)).ToArray();
    }
}
