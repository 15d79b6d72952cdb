using System.Numerics;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Groups;

/// <summary>
/// The unitary Fourier transform on a finite group, f_hat(rho) = sqrt(d_rho/|G|) sum_g f(g) rho(g), one d x d block
/// per irrep (row-major), with inverse f(g) = sum_rho sqrt(d_rho/|G|) tr(rho(g)^* f_hat(rho)). Unitary (Parseval:
/// sum_g |f(g)|^2 = sum_rho ||f_hat(rho)||_F^2) because the entry functions sqrt(d/|G|) rho_ij are orthonormal.
/// On C_n, where rho_k(r^j) = e^(2 pi i jk/n), f_hat(rho_k) is the unitary DFT entry DFT[-k] (the irreps are
/// sorted by character, not by k).
/// Each transform is |G|^2 multiply-adds against the precomputed entry functions.
/// </summary>
public sealed class GroupFourier
{
    // _re[e], _im[e]: the e-th entry function sqrt(d/|G|) rho_ij(.) over the elements, entries of all irreps in order.
    private readonly double[][] _re, _im;
    private readonly int[] _offset; // first entry of each irrep

    /// <summary>
    /// The transform on <paramref name="group"/> with the given irreps (e.g. <see cref="IrrepDecomposition.Compute"/>).
    /// </summary>
    public GroupFourier(FiniteGroup group, IReadOnlyList<Irrep> irreps)
    {
        Group = group; Irreps = irreps;
        int n = group.Order;
        if (irreps.Sum(r => r.Dimension * r.Dimension) != n)
            throw new ArgumentException(
                $"the irreps' sum of d^2 is {irreps.Sum(r => r.Dimension * r.Dimension)}, not |G| = {n}.");
        _offset = new int[irreps.Count];
        _re = new double[n][]; _im = new double[n][];
        int entry = 0;
        for (int t = 0; t < irreps.Count; t++)
        {
            var rho = irreps[t];
            double a = Math.Sqrt((double)rho.Dimension / n);
            _offset[t] = entry;
            for (int e = 0; e < rho.Dimension * rho.Dimension; e++, entry++)
            {
                _re[entry] = Enumerable.Range(0, n).Select(g => a * rho.Matrices[g][e].Real).ToArray();
                _im[entry] = Enumerable.Range(0, n).Select(g => a * rho.Matrices[g][e].Imaginary).ToArray();
            }
        }
        Partner = irreps.Select((rho, t) => rho.Type switch
        {
            IrrepType.Real => t,
            IrrepType.Complex =>
                Enumerable.Range(0, irreps.Count).FirstOrDefault(u => u != t && IsConjugate(irreps[u], rho), -1),
            _ => -1,
        }).ToArray();
    }

    /// <summary>The transform on <paramref name="group"/> with its computed, certified irreps.</summary>
    public GroupFourier(FiniteGroup group) : this(group, IrrepDecomposition.Compute(group)) { }

    /// <summary>The group.</summary>
    public FiniteGroup Group { get; }
    /// <summary>The irreps, in the order of the blocks.</summary>
    public IReadOnlyList<Irrep> Irreps { get; }

    /// <summary>
    /// For each irrep, the irrep whose matrices are exactly its conjugates: itself for a real one (stored real), the
    /// other of its pair for a complex one, -1 for a quaternionic one (or a complex one stored without its conjugate).
    /// The transform of a real f has f_hat(Partner[t]) = conj(f_hat(t)).
    /// </summary>
    public int[] Partner { get; }

    private static bool IsConjugate(Irrep a, Irrep b) => a.Dimension == b.Dimension &&
        a.Matrices.Zip(b.Matrices).All(p => p.First.Zip(p.Second).All(z => z.First == Complex.Conjugate(z.Second)));

    /// <summary>New zero blocks, one d x d array per irrep.</summary>
    public Complex[][] NewBlocks() => Irreps.Select(r => new Complex[r.Dimension * r.Dimension]).ToArray();

    /// <summary>blocks = the transform of a real f.</summary>
    public void Forward(ReadOnlySpan<double> f, Complex[][] blocks)
    {
        for (int t = 0; t < Irreps.Count; t++)
            for (int e = 0; e < blocks[t].Length; e++)
                blocks[t][e] = new Complex(Simd.Dot(f, _re[_offset[t] + e]), Simd.Dot(f, _im[_offset[t] + e]));
    }

    /// <summary>The transform of a complex f, as Forward(Re f) + i Forward(Im f).</summary>
    public Complex[][] Forward(IReadOnlyList<Complex> f)
    {
        var (re, im) = (NewBlocks(), NewBlocks());
        Forward(f.Select(z => z.Real).ToArray(), re);
        Forward(f.Select(z => z.Imaginary).ToArray(), im);
        return re.Select((b, t) => b.Select((z, e) => z + Complex.ImaginaryOne * im[t][e]).ToArray()).ToArray();
    }

    /// <summary>
    /// f = the real part of the inverse transform of <paramref name="blocks"/> (all of f when the blocks are the
    /// transform of a real function): f(g) = sum_(rho, ij) sqrt(d/|G|) Re(conj(rho_ij(g)) f_hat_ij).
    /// </summary>
    public void InverseReal(Complex[][] blocks, Span<double> f)
    {
        f.Clear();
        for (int t = 0; t < Irreps.Count; t++)
            for (int e = 0; e < blocks[t].Length; e++)
            {
                Simd.AddScaled(f, blocks[t][e].Real, _re[_offset[t] + e]);
                Simd.AddScaled(f, blocks[t][e].Imaginary, _im[_offset[t] + e]);
            }
    }

    /// <summary>
    /// The complex inverse transform: Re as <see cref="InverseReal"/>, Im as InverseReal of -i times the blocks.
    /// </summary>
    public Complex[] Inverse(Complex[][] blocks)
    {
        int n = Group.Order;
        var (re, im) = (new double[n], new double[n]);
        InverseReal(blocks, re);
        InverseReal(blocks.Select(b => b.Select(z => -Complex.ImaginaryOne * z).ToArray()).ToArray(), im);
        return re.Select((x, g) => new Complex(x, im[g])).ToArray();
    }
}
