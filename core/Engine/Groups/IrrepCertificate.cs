using System.Numerics;

namespace ImplicitBias.Engine.Groups;

/// <summary>The residuals of one irrep: homomorphism, unitarity, its rows' orthonormality, its type.</summary>
public sealed record IrrepResiduals(int Dimension, IrrepType Type, double Homomorphism, double Unitarity,
                                    double Orthogonality, double Indicator, double Imaginary);

/// <summary>
/// A certificate that a list of matrices is the complete set of irreducible unitary representations of a group,
/// recomputed from the table alone: max ||rho(g) rho(h) - rho(gh)||, max ||rho(g)^* rho(g) - I|| (entries), Schur
/// orthogonality as max |F F^* - I| for the transform F with rows sqrt(d/|G|) rho_ij(.) (orthonormal entry functions
/// are irreducible and pairwise inequivalent), sum d^2 = |G| (complete), and the Frobenius-Schur indicator of each.
/// </summary>
public sealed record IrrepCertificate(int Order, int ClassCount, int SumOfSquares, IReadOnlyList<IrrepResiduals> Irreps)
{
    /// <summary>
    /// The largest residual of all irreps (homomorphism, unitarity, orthogonality, indicator off its type).
    /// </summary>
    public double Worst => Irreps.Count == 0 ? double.PositiveInfinity :
        Irreps.Max(r => new[] { r.Homomorphism, r.Unitarity, r.Orthogonality, Math.Abs(r.Indicator - Expected(r.Type)),
                                r.Type == IrrepType.Real ? r.Imaginary : 0 }.Max());

    /// <summary>
    /// True when all residuals are at most <paramref name="tolerance"/>, sum d^2 = |G| and there is one irrep per
    /// class.
    /// </summary>
    public bool Passes(double tolerance) => SumOfSquares == Order && Irreps.Count == ClassCount && Worst <= tolerance;

    /// <summary>Checks <paramref name="irreps"/> against <paramref name="group"/>'s table. O(|G|^3).</summary>
    public static IrrepCertificate Check(FiniteGroup group, IReadOnlyList<Irrep> irreps)
    {
        int n = group.Order;
        var rows = new List<(int Irrep, Complex[] Values)>(); // sqrt(d/|G|) rho_ij(g) over g
        foreach (var (rho, t) in irreps.Select((r, t) => (r, t)))
        {
            double a = Math.Sqrt((double)rho.Dimension / n);
            for (int e = 0; e < rho.Dimension * rho.Dimension; e++)
                rows.Add((t, Enumerable.Range(0, n).Select(g => a * rho.Matrices[g][e]).ToArray()));
        }
        var orthogonality = new double[irreps.Count];
        for (int p = 0; p < rows.Count; p++)
            for (int q = p; q < rows.Count; q++)
            {
                Complex sum = 0;
                for (int g = 0; g < n; g++) sum += rows[p].Values[g] * Complex.Conjugate(rows[q].Values[g]);
                double r = (sum - (p == q ? 1 : 0)).Magnitude;
                orthogonality[rows[p].Irrep] = Math.Max(orthogonality[rows[p].Irrep], r);
                orthogonality[rows[q].Irrep] = Math.Max(orthogonality[rows[q].Irrep], r);
            }
        var residuals = irreps.Select((rho, t) => new IrrepResiduals(rho.Dimension, rho.Type, Homomorphism(group, rho),
            Unitarity(rho), orthogonality[t], Irrep.Indicator(group, rho.Character),
            rho.Matrices.Max(m => m.Max(z => Math.Abs(z.Imaginary))))).ToList();
        return new IrrepCertificate(n, group.Classes.Length, irreps.Sum(r => r.Dimension * r.Dimension), residuals);
    }

    private static double Expected(IrrepType type) =>
        type switch { IrrepType.Real => 1, IrrepType.Complex => 0, _ => -1 };

    private static double Homomorphism(FiniteGroup group, Irrep rho)
    {
        int d = rho.Dimension;
        var product = new Complex[d * d];
        double worst = 0;
        for (int g = 0; g < group.Order; g++)
            for (int h = 0; h < group.Order; h++)
            {
                ComplexBlock.Multiply(rho.Matrices[g], rho.Matrices[h], product, d);
                var gh = rho.Matrices[group.Multiply(g, h)];
                for (int e = 0; e < d * d; e++) worst = Math.Max(worst, (product[e] - gh[e]).Magnitude);
            }
        return worst;
    }

    private static double Unitarity(Irrep rho)
    {
        int d = rho.Dimension;
        var product = new Complex[d * d];
        double worst = 0;
        foreach (var m in rho.Matrices)
        {
            ComplexBlock.MultiplyAdjointLeft(m, m, product, d);
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++) worst = Math.Max(worst, (product[i * d + j] - (i == j ? 1 : 0)).Magnitude);
        }
        return worst;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"|G| = {Order}, {Irreps.Count} irreps for {ClassCount} classes, sum d^2 = {SumOfSquares}, " +
        $"worst residual {Worst:E2}";
}
