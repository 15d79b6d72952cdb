using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Reference;

/// <summary>The rows z_n = y_n x_n of a dataset as unit vectors u_n and norms ||z_n|| = Norm_n 2^Exponent_n, computed
/// without overflow or underflow: each row is first scaled by the power of two of its largest entry (exact).
/// (docs/reference-solvers.md, "UnitRows")</summary>
internal sealed class UnitRows
{
    /// <summary>N and D.</summary>
    public int Count { get; }
    public int Dimension { get; }
    /// <summary>The power-of-two-scaled rows z_n 2^-Exponent_n (largest entry in [1, 2)), row-major: exact multiples of
    /// the z_n.</summary>
    public double[] Scaled { get; }
    /// <summary>u_n = z_n / ||z_n||, row-major (0 for a zero row).</summary>
    public double[] Unit { get; }
    /// <summary>||Scaled_n||, in [1, sqrt D] (0 for a zero row).</summary>
    public double[] Norm { get; }
    /// <summary>The exponent of row n's largest entry (0 for a zero row).</summary>
    public int[] Exponent { get; }

    public UnitRows(Dataset data)
    {
        Count = data.Count; Dimension = data.Dimension;
        Scaled = data.SignedFeatures();
        Unit = new double[Scaled.Length];
        Norm = new double[Count];
        Exponent = new int[Count];
        for (int n = 0; n < Count; n++)
        {
            var row = Scaled.AsSpan(n * Dimension, Dimension);
            double top = 0;
            foreach (var v in row) top = Math.Max(top, Math.Abs(v));
            if (top == 0) continue;
            int e = Math.ILogB(top);
            for (int j = 0; j < row.Length; j++) row[j] = Math.ScaleB(row[j], -e);
            double norm = Geometry.Norm(row);
            Exponent[n] = e; Norm[n] = norm;
            for (int j = 0; j < row.Length; j++) Unit[n * Dimension + j] = row[j] / norm;
        }
    }

    /// <summary>The scaled row n (a positive multiple of z_n, exact).</summary>
    public ReadOnlySpan<double> ScaledRow(int n) => Scaled.AsSpan(n * Dimension, Dimension);

    /// <summary>u_n.</summary>
    public ReadOnlySpan<double> UnitRow(int n) => Unit.AsSpan(n * Dimension, Dimension);

    /// <summary>||z_a|| / ||z_b|| as a double (0 or infinity only when the ratio leaves the double range).</summary>
    public double Ratio(int a, int b) => Math.ScaleB(Norm[a] / Norm[b], Exponent[a] - Exponent[b]);
}
