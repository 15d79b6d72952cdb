using System.Numerics;
using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Theory;

/// <summary>Where a bridge penalty ||.||_p is taken: on beta itself or on its unitary DFT beta_hat.</summary>
public enum PenaltyDomain
{
    /// <summary>||beta||_p (diagonal networks, Lemma 6).</summary>
    Time,
    /// <summary>||beta_hat||_p (convolutional networks, eq. 10 and Lemma 7).</summary>
    Fourier,
}

/// <summary>
/// The independent coordinates of a real vector in a <see cref="PenaltyDomain"/>, as complex
/// "entries" with a multiplicity, so that the time and the Fourier domain share one code path.
/// Time: entry d is v[d] (imaginary part 0), multiplicity 1. Fourier: the spectrum of a real v is
/// Hermitian (v_hat[D-k] = conj(v_hat[k])), so only the half spectrum k = 0 .. floor(D/2) is
/// independent; entry k stands for itself and its conjugate partner D-k, so it has multiplicity 2
/// unless k = 0 or k = D/2 (even D), which are their own partners and real.
/// Then every full-domain sum over d of f(v[d]) with f(conj z) = f(z) equals sum_k multiplicity[k] f(entry[k]).
/// </summary>
public static class DomainEntries
{
    /// <summary>Number of independent entries for dimension D.</summary>
    public static int Count(int dimension, PenaltyDomain domain) =>
        domain == PenaltyDomain.Time ? dimension : dimension / 2 + 1;

    /// <summary>The entries of a real vector v.</summary>
    public static Complex[] Of(ReadOnlySpan<double> v, PenaltyDomain domain)
    {
        if (domain == PenaltyDomain.Time)
        {
            var t = new Complex[v.Length];
            for (int i = 0; i < v.Length; i++) t[i] = new Complex(v[i], 0);
            return t;
        }
        var spectrum = UnitaryDft.Forward(v);
        return spectrum.AsSpan(0, Count(v.Length, domain)).ToArray();
    }

    /// <summary>1 or 2 (see the class summary).</summary>
    public static int Multiplicity(int entry, int dimension, PenaltyDomain domain) =>
        domain == PenaltyDomain.Time || entry == 0 || 2 * entry == dimension ? 1 : 2;

    /// <summary>The full-domain indices an entry stands for: {d} in time, {k, D-k} (or {k}) in Fourier.</summary>
    public static IEnumerable<int> FullIndices(int entry, int dimension, PenaltyDomain domain)
    {
        yield return entry;
        if (Multiplicity(entry, dimension, domain) == 2) yield return dimension - entry;
    }

    /// <summary>
    /// The real vector whose entries are <paramref name="entries"/> (inverse of <see cref="Of"/>):
    /// in Fourier the Hermitian spectrum is completed from the half spectrum and inverted.
    /// The imaginary parts of self-conjugate entries are ignored.
    /// </summary>
    public static double[] ToVector(ReadOnlySpan<Complex> entries, int dimension, PenaltyDomain domain)
    {
        if (entries.Length != Count(dimension, domain))
            throw new ArgumentException($"{entries.Length} entries do not describe a vector of D = {dimension} in the {domain} domain.");
        if (domain == PenaltyDomain.Time)
        {
            var t = new double[dimension];
            for (int i = 0; i < dimension; i++) t[i] = entries[i].Real;
            return t;
        }
        var spectrum = new Complex[dimension];
        for (int k = 0; k < entries.Length; k++)
        {
            bool self = Multiplicity(k, dimension, domain) == 1;
            spectrum[k] = self ? new Complex(entries[k].Real, 0) : entries[k];
            if (!self) spectrum[dimension - k] = Complex.Conjugate(entries[k]);
        }
        return UnitaryDft.InverseReal(spectrum);
    }
}
