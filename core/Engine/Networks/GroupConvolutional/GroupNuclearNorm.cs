using System.Numerics;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// The norm that the depth-2 group-convolutional network's bias minimizes, ||beta|| = sum_rho sqrt(d_rho)
/// ||beta_hat(rho)||_* (half its implied penalty, <see cref="GroupImpliedPenalty"/>), and its dual on real signals,
/// ||z||_dual = max_rho ||z_hat(rho)||_op / sqrt(d_rho), from singular values of the unitary transform's blocks.
/// </summary>
public static class GroupNuclearNorm
{
    /// <summary>sum_rho sqrt(d) ||beta_hat(rho)||_*.</summary>
    public static double Value(GroupFourier fourier, ReadOnlySpan<double> beta) =>
        Blocks(fourier, beta).Select((b, t) => Math.Sqrt(Degree(fourier, t)) * Singular(fourier, b, t).Sum()).Sum();

    /// <summary>
    /// max_rho ||z_hat(rho)||_op / sqrt(d): sup { &lt;z, beta&gt; : Value(beta) &lt;= 1 } over real beta.
    /// </summary>
    public static double Dual(GroupFourier fourier, ReadOnlySpan<double> z) =>
        Blocks(fourier, z).Select((b, t) => Singular(fourier, b, t).Max() / Math.Sqrt(Degree(fourier, t))).Max();

    private static int Degree(GroupFourier fourier, int t) => fourier.Irreps[t].Dimension;

    private static Complex[][] Blocks(GroupFourier fourier, ReadOnlySpan<double> f)
    {
        var blocks = fourier.NewBlocks();
        fourier.Forward(f, blocks);
        return blocks;
    }

    private static double[] Singular(GroupFourier fourier, Complex[] block, int t) =>
        GroupImpliedPenalty.SingularValues(block, Degree(fourier, t));
}
