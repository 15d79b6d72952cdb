using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Reference;

/// <summary>An orthonormal real basis in which ||beta_hat||_1 is a sum of weighted group norms, on any grid Z_M x Z_N
/// (<see cref="GridDft"/>; a 1-D signal is the grid 1 x D). (docs/reference-solvers.md, "RealFourierBasis")</summary>
public static class RealFourierBasis
{
    /// <summary>The groups (first coordinate, size) and their weights for dimension D (1-D).</summary>
    public static (int[] Start, int[] Size, double[] Weight) Groups(int dimension) => Groups(Grid.Line(dimension));

    /// <summary>The groups (first coordinate, size) and their weights on a grid.</summary>
    public static (int[] Start, int[] Size, double[] Weight) Groups(Grid grid)
    {
        var start = new List<int>(); var size = new List<int>(); var weight = new List<double>();
        int next = 0;
        foreach (var (_, self) in Layout(grid))
        {
            start.Add(next); size.Add(self ? 1 : 2); weight.Add(self ? 1 : Math.Sqrt(2));
            next += self ? 1 : 2;
        }
        return (start.ToArray(), size.ToArray(), weight.ToArray());
    }

    /// <summary>The frequency k (0 .. D/2) that coordinate i belongs to (1-D).</summary>
    public static int Frequency(int dimension, int coordinate) => coordinate == 0 ? 0 : (coordinate + 1) / 2;

    /// <summary>c = Q beta (1-D).</summary>
    public static double[] Forward(ReadOnlySpan<double> beta) => Forward(beta, Grid.Line(beta.Length));

    /// <summary>beta = Q' c (1-D; the inverse, Q being orthogonal).</summary>
    public static double[] Inverse(ReadOnlySpan<double> c) => Inverse(c, Grid.Line(c.Length));

    /// <summary>c = Q beta on a grid.</summary>
    public static double[] Forward(ReadOnlySpan<double> beta, Grid grid)
    {
        var spectrum = GridDft.Forward(grid, beta);
        var c = new double[beta.Length];
        int i = 0;
        foreach (var (k, self) in Layout(grid))
        {
            if (self) c[i++] = spectrum[k].Real;
            else { c[i++] = Math.Sqrt(2) * spectrum[k].Real; c[i++] = Math.Sqrt(2) * spectrum[k].Imaginary; }
        }
        return c;
    }

    /// <summary>beta = Q' c on a grid.</summary>
    public static double[] Inverse(ReadOnlySpan<double> c, Grid grid)
    {
        if (c.Length != grid.Count) throw new
            ArgumentException($"{c.Length} coordinates do not describe a signal on the grid {grid}.");
        var spectrum = new Complex[c.Length];
        int i = 0;
        foreach (var (k, self) in Layout(grid))
        {
            if (self) { spectrum[k] = c[i++]; continue; }
            spectrum[k] = new Complex(c[i], c[i + 1]) / Math.Sqrt(2);
            spectrum[GridDft.Negative(grid, k)] = Complex.Conjugate(spectrum[k]);
            i += 2;
        }
        return GridDft.InverseReal(grid, spectrum);
    }

    /// <summary>The independent frequencies in flat order: self-conjugate ones and the first member of each
    /// pair.</summary>
    public static IEnumerable<(int Frequency, bool Self)> Layout(Grid grid)
    {
        for (int k = 0; k < grid.Count; k++)
        {
            int negative = GridDft.Negative(grid, k);
            if (negative >= k) yield return (k, negative == k);
        }
    }
}
