using System.Numerics;

namespace ImplicitBias.Engine.Fourier;

/// <summary>The half spectrum of real signals on a <see cref="Grid"/> Z_M x Z_N.
/// (docs/performance.md, "GridHalfSpectrum")</summary>
public sealed class GridHalfSpectrum
{
    private readonly int[] _representatives;    // H flat frequencies
    private readonly int[] _imaginaryOf;        // for each imaginary slot s (D - H of them): the representative index
    // for each representative index: its imaginary slot in the packed vector, or -1
    private readonly int[] _slotOf;

    /// <summary>The half spectrum of signals on <paramref name="grid"/>.</summary>
    public GridHalfSpectrum(Grid grid)
    {
        grid.Check();
        Grid = grid;
        var reps = new List<int>();
        for (int k = 0; k < grid.Count; k++) if (k <= Negate(k)) reps.Add(k);
        _representatives = reps.ToArray();
        _slotOf = new int[_representatives.Length];
        var imaginary = new List<int>();
        for (int r = 0; r < _representatives.Length; r++)
        {
            bool self = Negate(_representatives[r]) == _representatives[r];
            _slotOf[r] = self ? -1 : _representatives.Length + imaginary.Count;
            if (!self) imaginary.Add(r);
        }
        _imaginaryOf = imaginary.ToArray();
    }

    /// <summary>The grid of the signals.</summary>
    public Grid Grid { get; }
    /// <summary>Number of representatives H (stored complex coefficients).</summary>
    public int Count => _representatives.Length;
    /// <summary>The flat frequency index of representative r.</summary>
    public int Frequency(int r) => _representatives[r];
    /// <summary>True when representative r is its own conjugate (its coefficient is real).</summary>
    public bool IsSelfConjugate(int r) => _slotOf[r] < 0;
    /// <summary>The position of representative r's imaginary part in the packed vector, or -1 when it is
    /// self-conjugate.</summary>
    public int ImaginarySlot(int r) => _slotOf[r];
    /// <summary>The representative whose imaginary part sits at packed position <paramref name="slot"/> (H ..
    /// D-1).</summary>
    public int RepresentativeOfSlot(int slot) => _imaginaryOf[slot - Count];

    private int Negate(int k) => Grid.Subtract(0, k);

    /// <summary>The packed spectrum (D reals) of a real signal.</summary>
    public void Pack(ReadOnlySpan<double> signal, Span<double> packed)
    {
        var spectrum = GridDft.Forward(Grid, signal);
        int h = Count;
        for (int r = 0; r < h; r++) packed[r] = spectrum[_representatives[r]].Real;
        for (int s = 0; s < _imaginaryOf.Length; s++) packed[h
            + s] = spectrum[_representatives[_imaginaryOf[s]]].Imaginary;
    }

    /// <summary>Weights c of the packed inner product (length D): 1 at self-conjugate representatives, else
    /// 2.</summary>
    public double[] InnerProductWeights()
    {
        var c = new double[Grid.Count];
        Array.Fill(c, 2.0);
        for (int r = 0; r < Count; r++) if (IsSelfConjugate(r)) c[r] = 1;
        return c;
    }

    /// <summary>The half spectrum (H complex values) of a real signal, as real and imaginary parts; exact zeros where
    /// the imaginary part must vanish.</summary>
    public void Forward(ReadOnlySpan<double> signal, Span<double> re, Span<double> im)
    {
        var spectrum = GridDft.Forward(Grid, signal);
        for (int r = 0; r < Count; r++)
        {
            var z = spectrum[_representatives[r]];
            re[r] = z.Real;
            im[r] = IsSelfConjugate(r) ? 0.0 : z.Imaginary;
        }
    }

    /// <summary>The real signal whose half spectrum is (re, im).</summary>
    public void InverseReal(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> signal)
    {
        int d = Grid.Count;
        var full = new Complex[d];
        var stored = new bool[d];
        for (int r = 0; r < Count; r++) { full[_representatives[r]] = new Complex(re[r],
            im[r]); stored[_representatives[r]] = true; }
        for (int k = 0; k < d; k++) if (!stored[k]) full[k] = Complex.Conjugate(full[Negate(k)]);
        GridDft.InverseInPlace(Grid, full);
        for (int i = 0; i < d; i++) signal[i] = full[i].Real;
    }
}
