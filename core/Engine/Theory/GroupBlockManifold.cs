using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Theory;

/// <summary>One group Fourier block B = U S V^* held at a fixed rank r: its top-r singular triple, the tangent space
/// of the rank-r matrices at B (P_T(X) = X - (I - U U^*) X (I - V V^*)) and the Schatten-p gradient there.</summary>
internal sealed class GroupBlockManifold
{
    private readonly Matrix<Complex> _offU, _offV; // I - U U^*, I - V V^*

    /// <summary>The rank-<paramref name="rank"/> chart at <paramref name="block"/> (d x d; rank 0: the zero block).
    /// </summary>
    public GroupBlockManifold(Matrix<Complex> block, int rank)
    {
        int d = block.RowCount;
        var svd = block.Svd(computeVectors: true);
        Rank = rank;
        AllSingular = svd.S.Select(s => s.Real).ToArray();
        Singular = AllSingular.Take(rank).ToArray();
        var identity = Matrix<Complex>.Build.DenseIdentity(d);
        _u = rank == 0 ? null : svd.U.SubMatrix(0, d, 0, rank);
        _v = rank == 0 ? null : svd.VT.ConjugateTranspose().SubMatrix(0, d, 0, rank);
        _offU = _u is null ? identity : identity - _u * _u.ConjugateTranspose();
        _offV = _v is null ? identity : identity - _v * _v.ConjugateTranspose();
        _zero = Matrix<Complex>.Build.Dense(d, d);
    }

    private readonly Matrix<Complex>? _u, _v;
    private readonly Matrix<Complex> _zero;

    /// <summary>The rank r.</summary>
    public int Rank { get; }
    /// <summary>The top-r singular values, largest first.</summary>
    public double[] Singular { get; }
    /// <summary>All d singular values, largest first.</summary>
    public double[] AllSingular { get; }

    /// <summary>P_T(X): the part of X that the conditions U^* X V, U_perp^* X V and U^* X V_perp see.</summary>
    public Matrix<Complex> Tangent(Matrix<Complex> x) => x - _offU * x * _offV;

    /// <summary>(I - U U^*) X (I - V V^*): the part of X off the tangent space (zero for X = B at rank r).</summary>
    public Matrix<Complex> Normal(Matrix<Complex> x) => _offU * x * _offV;

    /// <summary>U^* X V (r x r), the core condition's part; the zero 1 x 1 matrix at rank 0.</summary>
    public Matrix<Complex> Core(Matrix<Complex> x) =>
        _u is null ? Matrix<Complex>.Build.Dense(1, 1) : _u.ConjugateTranspose() * x * _v!;

    /// <summary>The gradient of weight * ||.||_(S p)^p on the rank-r manifold: weight p U S^(p-1) V^*.</summary>
    public Matrix<Complex> Gradient(double weight, double p)
    {
        if (_u is null) return _zero.Clone();
        var core = Matrix<Complex>.Build.DenseOfDiagonalArray(
            Singular.Select(s => new Complex(weight * p * Math.Pow(s, p - 1), 0)).ToArray());
        return _u * core * _v!.ConjugateTranspose();
    }

    /// <summary>The weight of a block of degree d in the implied penalty at p = 2/L: d^((L-1)/L) = d^(1 - p/2).
    /// </summary>
    public static double Weight(int degree, double p) => Math.Pow(degree, 1 - p / 2);

    /// <summary>A row-major d x d block as a matrix.</summary>
    public static Matrix<Complex> ToMatrix(Complex[] block, int d) =>
        Matrix<Complex>.Build.Dense(d, d, (i, j) => block[i * d + j]);

    /// <summary>The blocks of y_n x_n for every point: [point][irrep] as matrices.</summary>
    public static Matrix<Complex>[][] PointBlocks(GroupFourier fourier, Dataset data)
    {
        int dim = data.Dimension;
        var signed = data.SignedFeatures();
        var blocks = fourier.NewBlocks();
        var result = new Matrix<Complex>[data.Count][];
        for (int n = 0; n < data.Count; n++)
        {
            fourier.Forward(signed.AsSpan(n * dim, dim), blocks);
            result[n] = blocks.Select((b, t) => ToMatrix(b, fourier.Irreps[t].Dimension)).ToArray();
        }
        return result;
    }

    /// <summary>The blocks of a real function as matrices.</summary>
    public static Matrix<Complex>[] Blocks(GroupFourier fourier, ReadOnlySpan<double> f)
    {
        var blocks = fourier.NewBlocks();
        fourier.Forward(f, blocks);
        return blocks.Select((b, t) => ToMatrix(b, fourier.Irreps[t].Dimension)).ToArray();
    }

    /// <summary>Re and Im of every entry, row-major (the rows of the conditions; over all blocks their squares sum to
    /// the squared norm of the real function, by Parseval).</summary>
    public static IEnumerable<double> Rows(Matrix<Complex> m)
    {
        foreach (var z in m.ToRowMajorArray()) { yield return z.Real; yield return z.Imaginary; }
    }
}
