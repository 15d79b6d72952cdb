using System.Numerics;

namespace ImplicitBias.Engine.Groups;

/// <summary>
/// Products of small square complex matrices stored row-major (the Fourier blocks of functions on a group), with
/// the adjoints written into the loops so that no block is copied. The result must not alias an input.
/// </summary>
public static class ComplexBlock
{
    /// <summary>c = a b.</summary>
    public static void Multiply(ReadOnlySpan<Complex> a, ReadOnlySpan<Complex> b, Span<Complex> c, int d) =>
        Product(a, b, c, d, false, false);

    /// <summary>c = a^* b.</summary>
    public static void MultiplyAdjointLeft(ReadOnlySpan<Complex> a, ReadOnlySpan<Complex> b, Span<Complex> c, int d) =>
        Product(a, b, c, d, true, false);

    /// <summary>c = a b^*.</summary>
    public static void MultiplyAdjointRight(ReadOnlySpan<Complex> a, ReadOnlySpan<Complex> b, Span<Complex> c, int d) =>
        Product(a, b, c, d, false, true);

    /// <summary>Sets <paramref name="c"/> to the d x d identity.</summary>
    public static void Identity(Span<Complex> c, int d)
    {
        c.Slice(0, d * d).Clear();
        for (int i = 0; i < d; i++) c[i * d + i] = Complex.One;
    }

    private static void Product(ReadOnlySpan<Complex> a, ReadOnlySpan<Complex> b, Span<Complex> c, int d,
        bool adjointA, bool adjointB)
    {
        for (int i = 0; i < d; i++)
            for (int j = 0; j < d; j++)
            {
                Complex sum = 0;
                for (int k = 0; k < d; k++)
                {
                    var x = adjointA ? Complex.Conjugate(a[k * d + i]) : a[i * d + k];
                    var y = adjointB ? Complex.Conjugate(b[j * d + k]) : b[k * d + j];
                    sum += x * y;
                }
                c[i * d + j] = sum;
            }
    }
}
