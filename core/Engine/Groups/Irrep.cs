using System.Numerics;

namespace ImplicitBias.Engine.Groups;

/// <summary>
/// The Frobenius-Schur type of an irreducible representation: real (equivalent to a real orthogonal one,
/// indicator +1), complex (not equivalent to its conjugate, 0) or quaternionic (equivalent to its conjugate but
/// not to a real one, -1).
/// </summary>
public enum IrrepType { Real, Complex, Quaternionic }

/// <summary>
/// One irreducible unitary representation rho of a <see cref="FiniteGroup"/>: a d x d unitary matrix per element
/// (row-major), its character and its Frobenius-Schur type. Real-type irreps are stored real orthogonal.
/// </summary>
public sealed class Irrep
{
    internal Irrep(Complex[][] matrices, int dimension, IrrepType type)
    {
        Matrices = matrices; Dimension = dimension; Type = type;
        Character = matrices
            .Select(m => Enumerable.Range(0, dimension).Aggregate(Complex.Zero, (s, i) => s + m[i * dimension + i]))
            .ToArray();
    }

    /// <summary>The degree d_rho.</summary>
    public int Dimension { get; }
    /// <summary>rho(g) for each element g, row-major d x d: Matrices[g][i * d + j] = rho(g)_ij.</summary>
    public Complex[][] Matrices { get; }
    /// <summary>chi(g) = tr rho(g) for each element.</summary>
    public Complex[] Character { get; }
    /// <summary>Real, complex or quaternionic (from the Frobenius-Schur indicator).</summary>
    public IrrepType Type { get; }
    /// <summary>True when every rho(g) has zero imaginary part (real-type irreps are made so).</summary>
    public bool IsReal => Matrices.All(m => m.All(z => z.Imaginary == 0));

    /// <summary>
    /// The entry-wise conjugate representation g -> conj(rho(g)) (for real predictors the partner block).
    /// </summary>
    internal Irrep Conjugate() =>
        new(Matrices.Select(m => m.Select(Complex.Conjugate).ToArray()).ToArray(), Dimension, Type);

    /// <summary>The Frobenius-Schur indicator (1/|G|) sum_g chi(g^2): 1 real, 0 complex, -1 quaternionic.</summary>
    public static double Indicator(FiniteGroup group, IReadOnlyList<Complex> character)
    {
        Complex sum = 0;
        for (int g = 0; g < group.Order; g++) sum += character[group.Multiply(g, g)];
        return sum.Real / group.Order;
    }

    /// <summary>"d=2 real" etc.</summary>
    public override string ToString() => $"d={Dimension} {Type.ToString().ToLowerInvariant()}";
}
