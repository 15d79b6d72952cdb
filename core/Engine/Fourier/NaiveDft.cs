using System.Numerics;

namespace ImplicitBias.Engine.Fourier;

/// <summary>The definition of <see cref="UnitaryDft"/> written out as an O(D^2) sum: the slow, obviously correct twin
/// that the fast transform is tested against.</summary>
public static class NaiveDft
{
    /// <summary>z_hat[k] = (1/sqrt(D)) sum_p z[p] exp(-2 pi i p k / D).</summary>
    public static Complex[] Forward(ReadOnlySpan<Complex> signal)
    {
        int d = signal.Length;
        var result = new Complex[d];
        double scale = 1 / Math.Sqrt(d);
        for (int k = 0; k < d; k++)
        {
            Complex sum = Complex.Zero;
            for (int p = 0; p < d; p++)
                sum += signal[p] * Complex.FromPolarCoordinates(1, -2 * Math.PI * ((long)p * k % d) / d);
            result[k] = scale * sum;
        }
        return result;
    }

    /// <summary>z[p] = (1/sqrt(D)) sum_k z_hat[k] exp(+2 pi i p k / D).</summary>
    public static Complex[] Inverse(ReadOnlySpan<Complex> spectrum)
    {
        int d = spectrum.Length;
        var result = new Complex[d];
        double scale = 1 / Math.Sqrt(d);
        for (int p = 0; p < d; p++)
        {
            Complex sum = Complex.Zero;
            for (int k = 0; k < d; k++)
                sum += spectrum[k] * Complex.FromPolarCoordinates(1, 2 * Math.PI * ((long)p * k % d) / d);
            result[p] = scale * sum;
        }
        return result;
    }

    /// <summary>The 2-D unitary DFT on a grid M x N (row-major): z_hat[k] = (M N)^-1/2 sum_p z[p] exp(-2 pi i (p1 k1 /
    /// M + p2 k2 / N)).</summary>
    public static Complex[] Forward(Grid grid, ReadOnlySpan<Complex> signal) => OnGrid(grid, signal, -1);

    /// <summary>Its inverse: z[p] = (M N)^-1/2 sum_k z_hat[k] exp(+2 pi i (p1 k1 / M + p2 k2 / N)).</summary>
    public static Complex[] Inverse(Grid grid, ReadOnlySpan<Complex> spectrum) => OnGrid(grid, spectrum, +1);

    private static Complex[] OnGrid(Grid grid, ReadOnlySpan<Complex> input, int sign)
    {
        int m = grid.Rows, n = grid.Columns, d = grid.Count;
        var result = new Complex[d];
        double scale = 1 / Math.Sqrt(d);
        for (int k = 0; k < d; k++)
        {
            Complex sum = Complex.Zero;
            for (int p = 0; p < d; p++)
            {
                // The phase in turns, p1 k1 / M + p2 k2 / N, with the products reduced exactly first.
                double turns = (double)((long)(p / n) * (k / n) % m) / m + (double)((long)(p % n) * (k % n) % n) / n;
                sum += input[p] * Complex.FromPolarCoordinates(1, sign * 2 * Math.PI * turns);
            }
            result[k] = scale * sum;
        }
        return result;
    }
}
