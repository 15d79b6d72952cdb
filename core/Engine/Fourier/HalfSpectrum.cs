
namespace ImplicitBias.Engine.Fourier;

/// <summary>The spectrum of a real signal of length D is Hermitian (z_hat[D-k] = conj(z_hat[k])), so the H = floor(D/2)
/// + 1 coefficients k = 0..D/2 determine it, and Im z_hat[0] = 0 (and Im z_hat[D/2] = 0 for even D).
/// (docs/performance.md, "HalfSpectrum")</summary>
public static class HalfSpectrum
{
    /// <summary>H = floor(D/2) + 1 stored complex coefficients.</summary>
    public static int Count(int dimension) => dimension / 2 + 1;

    private static GridHalfSpectrum Line(int dimension) => new(Grid.Line(dimension));

    /// <summary>The packed spectrum of a real signal.</summary>
    public static void Pack(ReadOnlySpan<double> signal, Span<double> packed) => Line(signal.Length).Pack(signal,
        packed);

    /// <summary>Weights c of the packed inner product (length D): 1 at k = 0 and k = D/2 (even D), else 2.</summary>
    public static double[] InnerProductWeights(int dimension) => Line(dimension).InnerProductWeights();

    /// <summary>The half spectrum (H complex values) of a real signal, as real and imaginary parts; exact zeros where
    /// the imaginary part must vanish.</summary>
    public static void Forward(ReadOnlySpan<double> signal, Span<double> re,
        Span<double> im) => Line(signal.Length).Forward(signal, re, im);

    /// <summary>The real signal of length D whose half spectrum is (re, im).</summary>
    public static void InverseReal(ReadOnlySpan<double> re, ReadOnlySpan<double> im,
        Span<double> signal) => Line(signal.Length).InverseReal(re, im, signal);
}
