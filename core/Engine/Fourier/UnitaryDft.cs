using System.Numerics;
using MathNet.Numerics.IntegralTransforms;
using MathNetFourier = MathNet.Numerics.IntegralTransforms.Fourier;

namespace ImplicitBias.Engine.Fourier;

/// <summary>The paper's discrete Fourier transform: unitary, 0-based, z_hat[k] = (1/sqrt(D)) sum_p z[p] omega^(p k)
/// with omega = exp(-2 pi i / D), for every D. This front end only translates conventions; the algorithm is Math.NET's
/// (radix-2 or Bluestein). Its slow twin is <see cref="NaiveDft"/>.</summary>
public static class UnitaryDft
{
    // Math.NET's default: negative exponent in the forward transform, 1/sqrt(D) both ways.
    private const FourierOptions Convention = FourierOptions.Default;

    /// <summary>The spectrum of a real signal.</summary>
    public static Complex[] Forward(ReadOnlySpan<double> signal)
    {
        var buffer = new Complex[signal.Length];
        for (int i = 0; i < signal.Length; i++) buffer[i] = new Complex(signal[i], 0);
        ForwardInPlace(buffer);
        return buffer;
    }

    /// <summary>Transforms a complex signal in place.</summary>
    public static void ForwardInPlace(Complex[] buffer)
    {
        if (buffer.Length > 1) MathNetFourier.Forward(buffer, Convention);
    }

    /// <summary>Inverse transform in place (conjugate transpose of the forward one).</summary>
    public static void InverseInPlace(Complex[] buffer)
    {
        if (buffer.Length > 1) MathNetFourier.Inverse(buffer, Convention);
    }

    /// <summary>The real signal whose spectrum is <paramref name="spectrum"/>. The spectrum must be Hermitian (z_hat[k]
    /// = conj(z_hat[D-k])); the imaginary round-off of the inverse is dropped.</summary>
    public static double[] InverseReal(ReadOnlySpan<Complex> spectrum)
    {
        var buffer = spectrum.ToArray();
        InverseInPlace(buffer);
        var result = new double[buffer.Length];
        for (int i = 0; i < buffer.Length; i++) result[i] = buffer[i].Real;
        return result;
    }

    /// <summary>|z_hat[k]| for a real signal z.</summary>
    public static double[] Magnitudes(ReadOnlySpan<double> signal)
    {
        var spectrum = Forward(signal);
        var result = new double[spectrum.Length];
        for (int i = 0; i < spectrum.Length; i++) result[i] = spectrum[i].Magnitude;
        return result;
    }
}
