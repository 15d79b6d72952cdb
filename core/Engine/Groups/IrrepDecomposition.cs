using System.Numerics;
using ImplicitBias.Engine.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Groups;

/// <summary>
/// The irreducible unitary representations of a finite group, computed numerically from its regular representation
/// L(g) e_h = e_{gh}: a random Hermitian element of the centre splits C^G into isotypic blocks (eigenspaces of
/// dimension d^2), then a random Hermitian element of the right action (the commutant) splits one block into d copies
/// of the irrep; rho(g) = V^* L(g) V on one copy. O(|G|^3). Real-type irreps are found in real arithmetic and so are
/// real orthogonal; of a complex pair rho, conj(rho) the second is stored as the entry-wise conjugate of the first.
/// Seeded, certified (<see cref="IrrepCertificate"/>) and retried with the next random draw if a check fails.
/// </summary>
public static class IrrepDecomposition
{
    /// <summary>
    /// The irreps of <paramref name="group"/>, sorted by degree, then by character (the trivial one first).
    /// </summary>
    public static IReadOnlyList<Irrep> Compute(FiniteGroup group, ulong seed = 1, double tolerance = 1e-9)
    {
        var rng = new SeededRandom(seed);
        string why = "";
        for (int attempt = 0; attempt < 5; attempt++)
        {
            var irreps = TryCompute(group, rng, out why);
            if (irreps == null) continue;
            var certificate = IrrepCertificate.Check(group, irreps);
            if (certificate.Passes(tolerance)) return irreps;
            why = $"the certificate failed: {certificate}";
        }
        throw new InvalidOperationException($"no irreps found for {group} in 5 attempts (last: {why}).");
    }

    private static List<Irrep>? TryCompute(FiniteGroup group, SeededRandom rng, out string why)
    {
        int n = group.Order;
        var blocks = IsotypicBlocks(group, rng, out why);
        if (blocks == null) return null;
        var characters = blocks.Select(b => Character(group, b.Basis, b.Degree)).ToList();
        var done = new Irrep?[blocks.Count];
        for (int t = 0; t < blocks.Count; t++)
        {
            if (done[t] != null) continue;
            double indicator = Irrep.Indicator(group, characters[t]);
            int rounded = (int)Math.Round(indicator);
            if (Math.Abs(indicator - rounded) > 1e-6)
            {
                why = $"Frobenius-Schur indicator {indicator} is not an integer.";
                return null;
            }
            var type = rounded == 1 ? IrrepType.Real : rounded == 0 ? IrrepType.Complex : IrrepType.Quaternionic;
            var rho = type == IrrepType.Real ? RealCopy(group, blocks[t].Basis, blocks[t].Degree, rng)
                                             : ComplexCopy(group, blocks[t].Basis, blocks[t].Degree, type, rng);
            if (rho == null) { why = "a commutant eigenvalue cluster was not separated."; return null; }
            done[t] = rho;
            if (type != IrrepType.Complex) continue;
            int partner = Enumerable.Range(0, blocks.Count).FirstOrDefault(u => u != t && done[u] == null &&
                characters[u].Zip(characters[t], (a, b) => (a - Complex.Conjugate(b)).Magnitude).Max() < 1e-6, -1);
            if (partner < 0) { why = "a complex irrep has no conjugate partner."; return null; }
            done[partner] = rho.Conjugate();
        }
        return done.Select(r => r!).OrderBy(r => r, Comparer<Irrep>.Create(Order)).ToList();
    }

    /// <summary>
    /// Eigenspaces of a random Hermitian central element sum_C z_C sum_(g in C) L(g), z_(C^-1) = conj z_C.
    /// </summary>
    private static List<(Matrix<Complex> Basis, int Degree)>? IsotypicBlocks(FiniteGroup group, SeededRandom rng,
        out string why)
    {
        int n = group.Order, k = group.Classes.Length;
        var z = new Complex[k];
        for (int c = 0; c < k; c++)
        {
            int inverse = group.ClassOf[group.Inverse(group.Classes[c][0])];
            if (inverse == c) z[c] = rng.NextGaussian();
            else if (c < inverse)
            {
                z[c] = new Complex(rng.NextGaussian(), rng.NextGaussian());
                z[inverse] = Complex.Conjugate(z[c]);
            }
        }
        var central = Matrix<Complex>.Build.Dense(n, n,
            (a, b) => z[group.ClassOf[group.Multiply(a, group.Inverse(b))]]);
        var evd = central.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Hermitian);
        var blocks = new List<(Matrix<Complex>, int)>();
        foreach (var (start, count) in Clusters(evd.EigenValues.Select(e => e.Real).ToArray()))
        {
            int d = (int)Math.Round(Math.Sqrt(count));
            if (d * d != count) { why = $"an isotypic block of dimension {count}, not a square."; return null; }
            blocks.Add((evd.EigenVectors.SubMatrix(0, n, start, count), d));
        }
        why = blocks.Count == k ? "" : $"{blocks.Count} isotypic blocks for {k} conjugacy classes.";
        return blocks.Count == k ? blocks : null;
    }

    /// <summary>Runs of sorted values whose neighbours differ by at most 1e-8 of the largest magnitude.</summary>
    private static List<(int Start, int Count)> Clusters(double[] values)
    {
        var order = Enumerable.Range(0, values.Length).OrderBy(i => values[i]).ToArray();
        if (order.Where((i, t) => i != t).Any())
            throw new InvalidOperationException("eigenvalues are expected in ascending order.");
        double tol = 1e-8 * Math.Max(values.Max(Math.Abs), 1e-300);
        var runs = new List<(int, int)>();
        int begin = 0;
        for (int i = 1; i <= values.Length; i++)
            if (i == values.Length || values[i] - values[i - 1] > tol) { runs.Add((begin, i - begin)); begin = i; }
        return runs;
    }

    /// <summary>chi(g) = tr(W^* L(g) W) / d on the isotypic block W (which holds d copies of the irrep).</summary>
    private static Complex[] Character(FiniteGroup group, Matrix<Complex> w, int d)
    {
        int n = group.Order;
        var onClass = group.Classes.Select(members =>
        {
            int g = members[0], inv = group.Inverse(g);
            Complex sum = 0;
            for (int a = 0; a < n; a++)
                for (int i = 0; i < w.ColumnCount; i++)
                    sum += Complex.Conjugate(w[a, i]) * w[group.Multiply(inv, a), i];
            return sum / d;
        }).ToArray();
        return Enumerable.Range(0, n).Select(g => onClass[group.ClassOf[g]]).ToArray();
    }

    /// <summary>
    /// One copy in a real-type block: a real basis of the block, split by a random symmetric right action.
    /// </summary>
    private static Irrep? RealCopy(FiniteGroup group, Matrix<Complex> w, int d, SeededRandom rng)
    {
        int n = group.Order, m = d * d;
        // The block is invariant under conjugation (its projector is real): W W^* X is real for real X.
        var x = Matrix<double>.Build.Dense(n, m, (_, _) => rng.NextGaussian());
        var projected = (w * (w.ConjugateTranspose() * x.Map(v => new Complex(v, 0)))).Map(v => v.Real);
        var basis = projected.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin).Q;
        var c = Enumerable.Range(0, n).Select(_ => rng.NextGaussian()).ToArray();
        var right = Matrix<double>.Build.Dense(n, n, (a, b) => c[group.Multiply(group.Inverse(a), b)]);
        var h = basis.Transpose() * (right + right.Transpose()) * basis;
        var v = IsolatedCopy(basis, h, d, MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
        return v == null ? null : Restrict(group, d, IrrepType.Real, (a, i) => new Complex(v[a, i], 0));
    }

    /// <summary>One copy in a complex or quaternionic block, split by a random Hermitian right action.</summary>
    private static Irrep? ComplexCopy(FiniteGroup group, Matrix<Complex> w, int d, IrrepType type, SeededRandom rng)
    {
        int n = group.Order;
        var c = Enumerable.Range(0, n).Select(_ => new Complex(rng.NextGaussian(), rng.NextGaussian())).ToArray();
        var right = Matrix<Complex>.Build.Dense(n, n, (a, b) => c[group.Multiply(group.Inverse(a), b)]);
        var h = w.ConjugateTranspose() * (right + right.ConjugateTranspose()) * w;
        var v = IsolatedCopy(w, h, d, MathNet.Numerics.LinearAlgebra.Symmetricity.Hermitian);
        return v == null ? null : Restrict(group, d, type, (a, i) => v[a, i]);
    }

    /// <summary>
    /// basis times the eigenvectors of the Hermitian h in its cluster of d equal eigenvalues farthest from the others
    /// (one copy of the irrep), or null if the clusters are not separated.
    /// </summary>
    private static Matrix<T>? IsolatedCopy<T>(Matrix<T> basis, Matrix<T> h, int d,
        MathNet.Numerics.LinearAlgebra.Symmetricity symmetricity) where T : struct, IEquatable<T>, IFormattable
    {
        var evd = h.Evd(symmetricity);
        int start = IsolatedCluster(evd.EigenValues.Select(e => e.Real).ToArray(), d);
        return start < 0 ? null : basis * evd.EigenVectors.SubMatrix(0, h.RowCount, start, d);
    }

    /// <summary>
    /// Sorted eigenvalues come in d runs of d equal values; the start of the run farthest from its neighbours, or -1
    /// if some run is not equal to 1e-8 of the largest magnitude.
    /// </summary>
    private static int IsolatedCluster(double[] values, int d)
    {
        double tol = 1e-8 * Math.Max(values.Max(Math.Abs), 1e-300);
        int best = -1; double isolation = -1;
        for (int start = 0; start < values.Length; start += d)
        {
            if (values[start + d - 1] - values[start] > tol) return -1;
            double below = start > 0 ? values[start] - values[start - 1] : double.PositiveInfinity;
            double above = start + d < values.Length
                ? values[start + d] - values[start + d - 1] : double.PositiveInfinity;
            double gap = Math.Min(below, above);
            if (gap > isolation) { isolation = gap; best = start; }
        }
        return isolation > tol ? best : -1;
    }

    /// <summary>rho(g)_ij = sum_b conj(V[g b, i]) V[b, j], the regular representation restricted to span V.</summary>
    private static Irrep Restrict(FiniteGroup group, int d, IrrepType type, Func<int, int, Complex> v)
    {
        int n = group.Order;
        var cols = Enumerable.Range(0, d).Select(i => Enumerable.Range(0, n).Select(a => v(a, i)).ToArray()).ToArray();
        var matrices = new Complex[n][];
        for (int g = 0; g < n; g++)
        {
            var m = new Complex[d * d];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < d; j++)
                {
                    Complex sum = 0;
                    for (int b = 0; b < n; b++) sum += Complex.Conjugate(cols[i][group.Multiply(g, b)]) * cols[j][b];
                    m[i * d + j] = sum;
                }
            matrices[g] = m;
        }
        return new Irrep(matrices, d, type);
    }

    /// <summary>
    /// By degree, then by the character's real and imaginary parts, largest first, element by element.
    /// </summary>
    private static int Order(Irrep a, Irrep b)
    {
        if (a.Dimension != b.Dimension) return a.Dimension.CompareTo(b.Dimension);
        for (int g = 0; g < a.Character.Length; g++)
        {
            int re = Math.Round(b.Character[g].Real, 9).CompareTo(Math.Round(a.Character[g].Real, 9));
            if (re != 0) return re;
            int im = Math.Round(b.Character[g].Imaginary, 9).CompareTo(Math.Round(a.Character[g].Imaginary, 9));
            if (im != 0) return im;
        }
        return 0;
    }
}
