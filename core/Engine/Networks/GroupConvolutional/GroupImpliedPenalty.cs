using System.Numerics;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// The implied penalty of the depth-L group-convolutional network (Lemma 7 redone for blocks, docs/theory-checks.md):
/// R(beta) = min { ||w||^2 : P(w) = beta } = L sum_rho d_rho^((L-1)/L) ||beta_hat(rho)||_(S 2/L)^(2/L) with the unitary
/// transform of <see cref="GroupFourier"/>; at L = 2, 2 sum_rho sqrt(d_rho) ||beta_hat(rho)||_* (weighted nuclear
/// norm).
/// Its minimizers are built by <see cref="GroupBalancedParameters"/>.
/// </summary>
public static class GroupImpliedPenalty
{
    /// <summary>L sum_rho d^((L-1)/L) sum_i sigma_i(beta_hat(rho))^(2/L).</summary>
    public static double Value(GroupFourier fourier, ReadOnlySpan<double> beta, int depth)
    {
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        var blocks = fourier.NewBlocks();
        fourier.Forward(beta, blocks);
        double sum = 0;
        for (int t = 0; t < blocks.Length; t++)
        {
            int d = fourier.Irreps[t].Dimension;
            double weight = Math.Pow(d, (depth - 1.0) / depth);
            foreach (var s in SingularValues(blocks[t], d)) sum += weight * Math.Pow(s, 2.0 / depth);
        }
        return depth * sum;
    }

    /// <summary>The singular values of a row-major d x d complex block, largest first.</summary>
    public static double[] SingularValues(Complex[] block, int d) =>
        Matrix<Complex>.Build.Dense(d, d, (i, j) => block[i * d + j])
            .Svd(computeVectors: false).S.Select(z => z.Real).ToArray();
}
