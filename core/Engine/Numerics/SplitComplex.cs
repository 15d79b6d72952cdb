using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ImplicitBias.Engine.Numerics;

/// <summary>Elementwise complex arithmetic on split arrays (real parts in one span, imaginary parts in another), with
/// Vector&lt;double&gt;: the per-layer spectra of a convolutional network.
/// (docs/performance.md, "SplitComplex")</summary>
public static class SplitComplex
{
    /// <summary>(outRe + i outIm) = (aRe + i aIm) (bRe + i bIm).</summary>
    public static void Multiply(ReadOnlySpan<double> aRe, ReadOnlySpan<double> aIm, ReadOnlySpan<double> bRe,
        ReadOnlySpan<double> bIm, Span<double> outRe, Span<double> outIm) =>
        MultiplyCore(aRe, aIm, bRe, bIm, 1.0, outRe, outIm);

    /// <summary>(outRe + i outIm) = (aRe + i aIm) conj(bRe + i bIm).</summary>
    public static void MultiplyConjugate(ReadOnlySpan<double> aRe, ReadOnlySpan<double> aIm, ReadOnlySpan<double> bRe,
        ReadOnlySpan<double> bIm, Span<double> outRe, Span<double> outIm) =>
        MultiplyCore(aRe, aIm, bRe, bIm, -1.0, outRe, outIm);

    /// <summary>a times (bRe + i sign bIm); negating is exact, so sign = -1 gives the conjugate product bit for
    /// bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MultiplyCore(ReadOnlySpan<double> aRe, ReadOnlySpan<double> aIm, ReadOnlySpan<double> bRe,
        ReadOnlySpan<double> bIm, double sign, Span<double> outRe, Span<double> outIm)
    {
        int n = outRe.Length, w = Vector<double>.Count, k = 0;
        if (aRe.Length < n || aIm.Length < n || bRe.Length < n || bIm.Length < n || outIm.Length < n)
            throw new ArgumentException("SplitComplex: spans of different lengths.");
        ref double ar = ref MemoryMarshal.GetReference(aRe); ref double ai = ref MemoryMarshal.GetReference(aIm);
        ref double br = ref MemoryMarshal.GetReference(bRe); ref double bi = ref MemoryMarshal.GetReference(bIm);
        ref double or = ref MemoryMarshal.GetReference(outRe); ref double oi = ref MemoryMarshal.GetReference(outIm);
        var vs = new Vector<double>(sign);
        for (; k <= n - w; k += w)
        {
            var a = Vector.LoadUnsafe(ref ar, (nuint)k); var b = Vector.LoadUnsafe(ref ai, (nuint)k);
            var c = Vector.LoadUnsafe(ref br, (nuint)k); var e = vs * Vector.LoadUnsafe(ref bi, (nuint)k);
            (a * c - b * e).StoreUnsafe(ref or, (nuint)k);
            (a * e + b * c).StoreUnsafe(ref oi, (nuint)k);
        }
        for (; k < n; k++)
        {
            double a = aRe[k], b = aIm[k], c = bRe[k], e = sign * bIm[k];
            outRe[k] = a * c - b * e; outIm[k] = a * e + b * c;
        }
    }

    /// <summary>sum_k weights[k] (re[k]^2 + im[k]^2).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double WeightedSquaredNorm(ReadOnlySpan<double> weights, ReadOnlySpan<double> re,
        ReadOnlySpan<double> im)
    {
        int n = re.Length, w = Vector<double>.Count, k = 0;
        if (weights.Length < n
            || im.Length < n) throw new
            ArgumentException("SplitComplex.WeightedSquaredNorm: spans of different lengths.");
        ref double rc = ref MemoryMarshal.GetReference(weights);
        ref double rr = ref MemoryMarshal.GetReference(re); ref double ri = ref MemoryMarshal.GetReference(im);
        var acc = Vector<double>.Zero;
        for (; k <= n - w; k += w)
        {
            var a = Vector.LoadUnsafe(ref rr, (nuint)k); var b = Vector.LoadUnsafe(ref ri, (nuint)k);
            acc += Vector.LoadUnsafe(ref rc, (nuint)k) * (a * a + b * b);
        }
        double sum = Vector.Sum(acc);
        for (; k < n; k++) sum += weights[k] * (re[k] * re[k] + im[k] * im[k]);
        return sum;
    }
}
