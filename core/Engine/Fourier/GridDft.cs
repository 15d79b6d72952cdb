using System.Numerics;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Fourier;

/// <summary>
/// The unitary DFT on a grid Z_M x Z_N (row-major, <see cref="Grid"/>):
/// z_hat[k1, k2] = (MN)^-1/2 sum_{p1, p2} z[p1, p2] exp(-2 pi i (p1 k1 / M + p2 k2 / N)), computed as 1-D
/// unitary DFTs (<see cref="UnitaryDft"/>) along every row, then along every column. A 1 x D grid is the
/// 1-D DFT exactly. For real z the spectrum is Hermitian: z_hat[-k] = conj z_hat[k], -k the group negative
/// (<see cref="Negative"/>).
/// </summary>
public static class GridDft
{
    /// <summary>The spectrum of a real signal on the grid (flat, row-major).</summary>
    public static Complex[] Forward(ReadOnlySpan<double> signal, Grid grid)
    {
        var buffer = new Complex[signal.Length];
        for (int i = 0; i < buffer.Length; i++) buffer[i] = signal[i];
        Transform(buffer, grid, inverse: false);
        return buffer;
    }

    /// <summary>The real signal of a Hermitian spectrum (imaginary round-off dropped).</summary>
    public static double[] InverseReal(ReadOnlySpan<Complex> spectrum, Grid grid)
    {
        var buffer = spectrum.ToArray();
        Transform(buffer, grid, inverse: true);
        return buffer.Select(c => c.Real).ToArray();
    }

    /// <summary>|z_hat| on the grid.</summary>
    public static double[] Magnitudes(ReadOnlySpan<double> signal, Grid grid) =>
        Forward(signal, grid).Select(c => c.Magnitude).ToArray();

    /// <summary>The flat index of -k (the conjugate partner of frequency k).</summary>
    public static int Negative(int k, Grid grid) => grid.Subtract(0, k);

    private static void Transform(Complex[] buffer, Grid grid, bool inverse)
    {
        grid.Check();
        if (buffer.Length != grid.Count)
            throw new ArgumentException($"a signal on the grid {grid} needs {grid.Count} values (got {buffer.Length}).");
        int m = grid.Rows, n = grid.Columns;
        var row = new Complex[n];
        for (int i = 0; i < m; i++)
        {
            Array.Copy(buffer, i * n, row, 0, n);
            if (inverse) UnitaryDft.InverseInPlace(row); else UnitaryDft.ForwardInPlace(row);
            Array.Copy(row, 0, buffer, i * n, n);
        }
        if (m == 1) return;
        var column = new Complex[m];
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i < m; i++) column[i] = buffer[i * n + j];
            if (inverse) UnitaryDft.InverseInPlace(column); else UnitaryDft.ForwardInPlace(column);
            for (int i = 0; i < m; i++) buffer[i * n + j] = column[i];
        }
    }
}
