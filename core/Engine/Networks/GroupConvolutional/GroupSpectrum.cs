using System.Numerics;
using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>Stored Fourier blocks of one kind and degree, packed from <paramref name="Offset"/>: entries (real), real
/// then imaginary parts (complex), or d^2 coordinates in the basis [block][k][entry] (quaternionic).
/// (docs/performance.md, "GroupSpectrum")</summary>
public sealed record BlockRun(IrrepType Kind, int Dimension, int Count, int Offset, double Weight, int[] Irreps,
    double[]? BasisRe = null, double[]? BasisIm = null)
{
    /// <summary>d^2.</summary>
    public int Entries => Dimension * Dimension;
    /// <summary>Packed coordinates of the run: Count d^2, twice that for complex blocks.</summary>
    public int PackedLength => Count * Entries * (Kind == IrrepType.Complex ? 2 : 1);
    /// <summary>True for real-type blocks (real arithmetic, no imaginary parts).</summary>
    public bool IsReal => Kind == IrrepType.Real;
}

/// <summary>|G| real coordinates of the group Fourier blocks of real functions, packed = Q f with Q^T C Q = I: complex
/// pairs kept as one block (weight 2; the partner is its conjugate), quaternionic blocks in a real basis.
/// (docs/performance.md, "GroupSpectrum")</summary>
public sealed class GroupSpectrum
{
    private readonly double[][] _rows; // Q, by rows: coordinate i as a function on G
    private readonly double[] _weights;

    /// <summary>The coordinates of <paramref name="fourier"/>'s blocks, runs sorted by kind and degree.</summary>
    public GroupSpectrum(GroupFourier fourier)
    {
        var group = fourier.Group;
        int n = group.Order;
        Order = n;
        var stored = new List<int>();
        for (int t = 0; t < fourier.Irreps.Count; t++)
        {
            var type = fourier.Irreps[t].Type;
            if (type == IrrepType.Complex && fourier.Partner[t] < 0)
                throw new NotSupportedException($"{group}: complex irrep {t} is stored without its conjugate.");
            if (type != IrrepType.Complex || t < fourier.Partner[t]) stored.Add(t);
        }
        var runs = new List<BlockRun>();
        var rows = new List<double[]>();
        var weights = new List<double>();
        foreach (var shape in stored.GroupBy(t => (fourier.Irreps[t].Type, fourier.Irreps[t].Dimension))
                     .OrderBy(s => s.Key.Type).ThenBy(s => s.Key.Dimension))
        {
            var (kind, d) = shape.Key;
            var members = shape.ToArray();
            double weight = kind == IrrepType.Complex ? 2 : 1;
            // Entry functions sqrt(d/|G|) rho_e(g) of each block, real and imaginary parts.
            var re = members.Select(t => Entries(fourier.Irreps[t], n, z => z.Real)).ToArray();
            var im = members.Select(t => Entries(fourier.Irreps[t], n, z => z.Imaginary)).ToArray();
            double[]? basisRe = null, basisIm = null;
            if (kind == IrrepType.Quaternionic)
                (basisRe, basisIm) = QuaternionicBases(members.Select(t => fourier.Irreps[t]).ToArray());
            var run = new BlockRun(kind, d, members.Length, rows.Count, weight, members, basisRe, basisIm);
            int dd = d * d;
            if (kind == IrrepType.Quaternionic)
                for (int q = 0; q < members.Length; q++)
                    for (int k = 0; k < dd; k++)
                        rows.Add(Enumerable.Range(0, n).Select(g => Enumerable.Range(0, dd).Sum(e =>
                            basisRe![(q * dd + k) * dd + e] * re[q][e][g] + basisIm![(q * dd + k) * dd + e] *
                            im[q][e][g])).ToArray());
            else
            {
                foreach (var block in re) rows.AddRange(block);
                if (kind == IrrepType.Complex) foreach (var block in im) rows.AddRange(block);
            }
            weights.AddRange(Enumerable.Repeat(weight, run.PackedLength));
            runs.Add(run);
        }
        if (rows.Count != n) throw new InvalidOperationException($"{group}: {rows.Count} coordinates, not {n}.");
        _rows = rows.ToArray(); _weights = weights.ToArray(); Runs = runs;
    }

    /// <summary>|G|, the number of coordinates.</summary>
    public int Order { get; }
    /// <summary>The runs of blocks, in packed order.</summary>
    public IReadOnlyList<BlockRun> Runs { get; }
    /// <summary>The weight c_i of each coordinate: &lt;f, h&gt; = sum_i c_i (Q f)_i (Q h)_i.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>packed = Q f: the coordinates of a real function on G. O(|G|^2).</summary>
    public void Pack(ReadOnlySpan<double> f, Span<double> packed)
    {
        for (int i = 0; i < Order; i++) packed[i] = Simd.Dot(_rows[i], f);
    }

    /// <summary>f = Q^T C packed: the function of given coordinates (the inverse of <see cref="Pack"/>).</summary>
    public void Unpack(ReadOnlySpan<double> packed, Span<double> f)
    {
        f.Slice(0, Order).Clear();
        for (int i = 0; i < Order; i++) Simd.AddScaled(f, _weights[i] * packed[i], _rows[i]);
    }

    /// <summary>
    /// The real layers w (L x |G|) of layers' packed coordinates <paramref name="packed"/> (L x |G|).
    /// </summary>
    public void UnpackLayers(ReadOnlySpan<double> packed, Span<double> w)
    {
        for (int l = 0; l < packed.Length / Order; l++)
            Unpack(packed.Slice(l * Order, Order), w.Slice(l * Order, Order));
    }

    /// <summary>f = Q^T weighted, for coordinates already multiplied by their weights (a packed predictor).</summary>
    public void UnpackWeighted(ReadOnlySpan<double> weighted, Span<double> f)
    {
        f.Slice(0, Order).Clear();
        for (int i = 0; i < Order; i++) Simd.AddScaled(f, weighted[i], _rows[i]);
    }

    private static double[][] Entries(Irrep rho, int n, Func<Complex, double> part)
    {
        double a = Math.Sqrt((double)rho.Dimension / n);
        return Enumerable.Range(0, rho.Dimension * rho.Dimension)
            .Select(e => Enumerable.Range(0, n).Select(g => a * part(rho.Matrices[g][e])).ToArray()).ToArray();
    }

    /// <summary>Per block, an orthonormal basis (in Re tr(X^* Y)) of the real span of rho(G), d^2 matrices, by
    /// Gram-Schmidt (twice) over rho(g) in element order.</summary>
    private static (double[] Re, double[] Im) QuaternionicBases(Irrep[] irreps)
    {
        int d = irreps[0].Dimension, dd = d * d;
        var re = new double[irreps.Length * dd * dd];
        var im = new double[re.Length];
        for (int q = 0; q < irreps.Length; q++)
        {
            var basis = new List<double[]>(); // vectors (Re entries, Im entries) of length 2 d^2
            foreach (var m in irreps[q].Matrices)
            {
                if (basis.Count == dd) break;
                var v = m.Select(z => z.Real).Concat(m.Select(z => z.Imaginary)).ToArray();
                for (int pass = 0; pass < 2; pass++)
                    foreach (var b in basis) Simd.AddScaled(v, -Simd.Dot(v, b), b);
                double norm = Math.Sqrt(Simd.Dot(v, v));
                if (norm < 1e-8) continue;
                basis.Add(v.Select(x => x / norm).ToArray());
            }
            if (basis.Count != dd)
                throw new InvalidOperationException($"a quaternionic irrep of degree {d} spans {basis.Count} != d^2.");
            for (int k = 0; k < dd; k++)
                for (int e = 0; e < dd; e++)
                {
                    re[(q * dd + k) * dd + e] = basis[k][e];
                    im[(q * dd + k) * dd + e] = basis[k][dd + e];
                }
        }
        return (re, im);
    }
}
