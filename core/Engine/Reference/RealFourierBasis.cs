using System.Numerics;
using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Reference;

/// <summary>
/// An orthonormal real basis in which ||beta_hat||_1 is a sum of weighted group norms. For real beta
/// the unitary spectrum is Hermitian (beta_hat[D-k] = conj beta_hat[k]), so the coordinates
/// c = (Re b0, sqrt2 Re b1, sqrt2 Im b1, ..., sqrt2 Re bK, sqrt2 Im bK [, Re b(D/2) if D is even]),
/// K = ceil(D/2) - 1, are orthonormal (Parseval), and
/// ||beta_hat||_1 = |c0| + sqrt2 sum_k ||(c_2k-1, c_2k)||_2 [+ |c_D-1|]:
/// groups of one (weight 1) for the real frequencies 0 and D/2, groups of two (weight sqrt2) for
/// each conjugate pair, which is how a pair is counted twice.
/// </summary>
public static class RealFourierBasis
{
    /// <summary>The groups (first coordinate, size) and their weights for dimension D.</summary>
    public static (int[] Start, int[] Size, double[] Weight) Groups(int dimension)
    {
        var start = new List<int> { 0 }; var size = new List<int> { 1 }; var weight = new List<double> { 1 };
        int pairs = (dimension + 1) / 2 - 1;
        for (int k = 1; k <= pairs; k++) { start.Add(2 * k - 1); size.Add(2); weight.Add(Math.Sqrt(2)); }
        if (dimension % 2 == 0 && dimension > 1) { start.Add(dimension - 1); size.Add(1); weight.Add(1); }
        return (start.ToArray(), size.ToArray(), weight.ToArray());
    }

    /// <summary>The frequency k (0 .. D/2) that coordinate i belongs to.</summary>
    public static int Frequency(int dimension, int coordinate) => coordinate == 0 ? 0 : (coordinate + 1) / 2;

    /// <summary>c = Q beta.</summary>
    public static double[] Forward(ReadOnlySpan<double> beta)
    {
        int dim = beta.Length;
        var spectrum = UnitaryDft.Forward(beta);
        var c = new double[dim];
        c[0] = spectrum[0].Real;
        int pairs = (dim + 1) / 2 - 1;
        for (int k = 1; k <= pairs; k++) { c[2 * k - 1] = Math.Sqrt(2) * spectrum[k].Real; c[2 * k] = Math.Sqrt(2) * spectrum[k].Imaginary; }
        if (dim % 2 == 0 && dim > 1) c[dim - 1] = spectrum[dim / 2].Real;
        return c;
    }

    /// <summary>beta = Q' c (the inverse, Q being orthogonal).</summary>
    public static double[] Inverse(ReadOnlySpan<double> c)
    {
        int dim = c.Length;
        var spectrum = new Complex[dim];
        spectrum[0] = c[0];
        int pairs = (dim + 1) / 2 - 1;
        for (int k = 1; k <= pairs; k++)
        {
            spectrum[k] = new Complex(c[2 * k - 1], c[2 * k]) / Math.Sqrt(2);
            spectrum[dim - k] = Complex.Conjugate(spectrum[k]);
        }
        if (dim % 2 == 0 && dim > 1) spectrum[dim / 2] = c[dim - 1];
        return UnitaryDft.InverseReal(spectrum);
    }
}
