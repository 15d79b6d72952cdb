using System.Numerics;

namespace ImplicitBias.Engine.Fourier;

/// <summary>
/// The spectrum of a real signal of length D is Hermitian (z_hat[D-k] = conj(z_hat[k])), so the
/// H = floor(D/2) + 1 coefficients k = 0..D/2 determine it, and Im z_hat[0] = 0 (and Im z_hat[D/2] = 0
/// for even D). The packed form holds exactly D reals:
/// [Re z_hat[0], ..., Re z_hat[H-1], Im z_hat[1], ..., Im z_hat[D-H]].
/// With <see cref="InnerProductWeights"/> c (1 for k = 0 and k = D/2, 2 for the others, whose
/// mirror image is not stored), &lt;a, b&gt; = Re sum_k a_hat[k] conj(b_hat[k]) = sum_i packed_a[i] c[i] packed_b[i]
/// (Parseval, unitary DFT).
/// </summary>
public static class HalfSpectrum
{
    /// <summary>H = floor(D/2) + 1 stored complex coefficients.</summary>
    public static int Count(int dimension) => dimension / 2 + 1;

    /// <summary>The packed spectrum of a real signal.</summary>
    public static void Pack(ReadOnlySpan<double> signal, Span<double> packed)
    {
        var spectrum = UnitaryDft.Forward(signal);
        int d = signal.Length, h = Count(d);
        for (int k = 0; k < h; k++) packed[k] = spectrum[k].Real;
        for (int k = 1; k <= d - h; k++) packed[h + k - 1] = spectrum[k].Imaginary;
    }

    /// <summary>Weights c of the packed inner product (length D): 1 at k = 0 and k = D/2 (even D), else 2.</summary>
    public static double[] InnerProductWeights(int dimension)
    {
        int h = Count(dimension);
        var c = new double[dimension];
        Array.Fill(c, 2.0);
        c[0] = 1;
        if (dimension % 2 == 0 && dimension >= 2) c[h - 1] = 1;
        return c;
    }

    /// <summary>The half spectrum (H complex values) of a real signal, as real and imaginary parts; exact zeros where the imaginary part must vanish.</summary>
    public static void Forward(ReadOnlySpan<double> signal, Span<double> re, Span<double> im)
    {
        var spectrum = UnitaryDft.Forward(signal);
        int d = signal.Length, h = Count(d);
        for (int k = 0; k < h; k++)
        {
            re[k] = spectrum[k].Real;
            im[k] = k == 0 || 2 * k == d ? 0.0 : spectrum[k].Imaginary;
        }
    }

    /// <summary>The real signal of length D whose half spectrum is (re, im).</summary>
    public static void InverseReal(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> signal)
    {
        int d = signal.Length, h = Count(d);
        var full = new Complex[d];
        for (int k = 0; k < h; k++) full[k] = new Complex(re[k], im[k]);
        for (int k = h; k < d; k++) full[k] = Complex.Conjugate(full[d - k]);
        UnitaryDft.InverseInPlace(full);
        for (int i = 0; i < d; i++) signal[i] = full[i].Real;
    }
}
