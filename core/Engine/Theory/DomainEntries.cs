using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Networks;

namespace ImplicitBias.Engine.Theory;

/// <summary>The independent coordinates of a real vector in a <see cref="PenaltyDomain"/>, as complex "entries" with a
/// multiplicity, so that the time and the Fourier domain share one code path. Time: entry d is v[d] (imaginary part 0),
/// multiplicity 1. (docs/theory-checks.md, "DomainEntries")</summary>
public static class DomainEntries
{
    /// <summary>Number of independent entries for dimension D.</summary>
    public static int Count(int dimension, PenaltyDomain domain) => EntrySpace.Line(dimension, domain).Count;

    /// <summary>The entries of a real vector v.</summary>
    public static Complex[] Of(ReadOnlySpan<double> v, PenaltyDomain domain) => EntrySpace.Line(v.Length, domain).Of(v);

    /// <summary>1 or 2 (see the class summary).</summary>
    public static int Multiplicity(int entry, int dimension, PenaltyDomain domain) => EntrySpace.Line(dimension,
        domain).Multiplicity(entry);

    /// <summary>The full-domain indices an entry stands for: {d} in time, {k, D-k} (or {k}) in Fourier.</summary>
    public static IEnumerable<int> FullIndices(int entry, int dimension,
        PenaltyDomain domain) => EntrySpace.Line(dimension, domain).FullIndices(entry);

    /// <summary>The real vector whose entries are <paramref name="entries"/> (inverse of <see cref="Of"/>): in Fourier
    /// the Hermitian spectrum is completed from the half spectrum and inverted. The imaginary parts of self-conjugate
    /// entries are ignored.</summary>
    public static double[] ToVector(ReadOnlySpan<Complex> entries, int dimension, PenaltyDomain domain) =>
        EntrySpace.Line(dimension, domain).ToVector(entries);
}

/// <summary>The entries of <see cref="DomainEntries"/> on a grid Z_M x Z_N (row-major): in time every d; in Fourier the
/// independent frequencies of the grid's unitary DFT (<see cref="GridDft"/>), each with its multiplicity.
/// (docs/theory-checks.md, "EntrySpace")</summary>
public sealed class EntrySpace
{
    private readonly int[] frequency; // entry j -> flat frequency k (Fourier)
    private readonly bool[] self;

    /// <summary>The entries of vectors on a grid in a domain.</summary>
    public EntrySpace(PenaltyDomain domain, Grid grid)
    {
        grid.Check();
        Domain = domain; Grid = grid;
        var layout = domain == PenaltyDomain.Fourier ? Reference.RealFourierBasis.Layout(grid).ToArray() : [];
        frequency = layout.Select(e => e.Frequency).ToArray();
        self = layout.Select(e => e.Self).ToArray();
    }

    /// <summary>The 1-D space of dimension D.</summary>
    public static EntrySpace Line(int dimension, PenaltyDomain domain) => new(domain, Grid.Line(dimension));

    /// <summary>Time or Fourier.</summary>
    public PenaltyDomain Domain { get; }

    /// <summary>The grid (D = Grid.Count).</summary>
    public Grid Grid { get; }

    /// <summary>Input dimension D.</summary>
    public int Dimension => Grid.Count;

    /// <summary>Number of independent entries.</summary>
    public int Count => Domain == PenaltyDomain.Time ? Grid.Count : frequency.Length;

    /// <summary>The entries of a real vector v on the grid.</summary>
    public Complex[] Of(ReadOnlySpan<double> v)
    {
        if (v.Length != Grid.Count) throw new
            ArgumentException($"a vector on the grid {Grid} needs {Grid.Count} values (got {v.Length}).");
        if (Domain == PenaltyDomain.Time)
        {
            var t = new Complex[v.Length];
            for (int i = 0; i < v.Length; i++) t[i] = new Complex(v[i], 0);
            return t;
        }
        var spectrum = GridDft.Forward(Grid, v);
        return frequency.Select(k => spectrum[k]).ToArray();
    }

    /// <summary>1 or 2.</summary>
    public int Multiplicity(int entry) => Domain == PenaltyDomain.Time || self[entry] ? 1 : 2;

    /// <summary>The full-domain indices an entry stands for: {d} in time, {k, -k} (or {k}) in Fourier.</summary>
    public IEnumerable<int> FullIndices(int entry)
    {
        if (Domain == PenaltyDomain.Time) { yield return entry; yield break; }
        yield return frequency[entry];
        if (!self[entry]) yield return GridDft.Negative(Grid, frequency[entry]);
    }

    /// <summary>The real vector whose entries are <paramref name="entries"/> (the Hermitian spectrum completed and
    /// inverted).</summary>
    public double[] ToVector(ReadOnlySpan<Complex> entries)
    {
        if (entries.Length != Count)
            throw new ArgumentException($"{entries.Length} entries do not describe a vector on the grid {Grid} in " +
                                        $"the {Domain} domain.");
        if (Domain == PenaltyDomain.Time)
        {
            var t = new double[Grid.Count];
            for (int i = 0; i < t.Length; i++) t[i] = entries[i].Real;
            return t;
        }
        var spectrum = new Complex[Grid.Count];
        for (int j = 0; j < entries.Length; j++)
        {
            int k = frequency[j];
            spectrum[k] = self[j] ? new Complex(entries[j].Real, 0) : entries[j];
            if (!self[j]) spectrum[GridDft.Negative(Grid, k)] = Complex.Conjugate(entries[j]);
        }
        return GridDft.InverseReal(Grid, spectrum);
    }
}
