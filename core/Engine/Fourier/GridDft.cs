using System.Numerics;

namespace ImplicitBias.Engine.Fourier;

/// <summary>The unitary DFT of the group Z_M x Z_N (<see cref="Grid"/>, row-major): z_hat[k1, k2] = (M N)^-1/2 sum_{p1,
/// p2} z[p1, p2] exp(-2 pi i (p1 k1 / M + p2 k2 / N)), the 1-D <see cref="UnitaryDft"/> along every row, then along
/// every column (separable). (docs/performance.md, "GridDft")</summary>
public static class GridDft
{
    /// <summary>The spectrum of a real signal on the grid.</summary>
    public static Complex[] Forward(Grid grid, ReadOnlySpan<double> signal)
    {
        var buffer = new Complex[signal.Length];
        for (int i = 0; i < signal.Length; i++) buffer[i] = new Complex(signal[i], 0);
        ForwardInPlace(grid, buffer);
        return buffer;
    }

    /// <summary>Transforms a complex signal on the grid in place.</summary>
    public static void ForwardInPlace(Grid grid, Complex[] buffer) => Separable(grid, buffer,
        UnitaryDft.ForwardInPlace);

    /// <summary>The inverse transform in place (the conjugate transpose of the forward one).</summary>
    public static void InverseInPlace(Grid grid, Complex[] buffer) => Separable(grid, buffer,
        UnitaryDft.InverseInPlace);

    /// <summary>The real signal of a Hermitian spectrum (imaginary round-off dropped).</summary>
    public static double[] InverseReal(Grid grid, ReadOnlySpan<Complex> spectrum)
    {
        var buffer = spectrum.ToArray();
        InverseInPlace(grid, buffer);
        return buffer.Select(c => c.Real).ToArray();
    }

    /// <summary>|z_hat| on the grid.</summary>
    public static double[] Magnitudes(Grid grid, ReadOnlySpan<double> signal) =>
        Forward(grid, signal).Select(c => c.Magnitude).ToArray();

    /// <summary>The flat index of -k (the conjugate partner of frequency k; for real z, z_hat[-k] = conj
    /// z_hat[k]).</summary>
    public static int Negative(Grid grid, int k) => grid.Subtract(0, k);

    private static void Separable(Grid grid, Complex[] buffer, Action<Complex[]> transform)
    {
        if (buffer.Length != grid.Count) throw new
            ArgumentException($"a signal on the grid {grid} has {grid.Count} entries (got {buffer.Length}).");
        int m = grid.Rows, n = grid.Columns;
        if (m == 1) { transform(buffer); return; }
        var row = new Complex[n];
        for (int i = 0; i < m; i++)
        {
            Array.Copy(buffer, i * n, row, 0, n);
            transform(row);
            Array.Copy(row, 0, buffer, i * n, n);
        }
        var column = new Complex[m];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++) column[i] = buffer[i * n + j];
            transform(column);
            for (int i = 0; i < m; i++) buffer[i * n + j] = column[i];
        }
    }
}
