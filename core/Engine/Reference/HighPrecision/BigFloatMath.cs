using System.Collections.Concurrent;
using System.Numerics;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>Square root, exp and log of <see cref="BigFloat"/>, accurate to the argument's precision: each works with
/// guard bits beyond it (argument reduction, then a series) and rounds once at the end. Tested against Math.Sqrt,
/// Math.Exp, Math.Log and against identities at 300 bits (tests/Engine/Reference/HighPrecision/
/// TestHighPrecisionNumbers.fs).</summary>
public static class BigFloatMath
{
    private static readonly ConcurrentDictionary<int, BigFloat> Ln2Cache = new();

    /// <summary>sqrt(x) for x &gt;= 0: the integer square root of the mantissa shifted to 2p + 2 bits or more,
    /// rounded.</summary>
    public static BigFloat Sqrt(BigFloat x)
    {
        if (x.Sign < 0) throw new ArgumentOutOfRangeException(nameof(x), $"sqrt of a negative number ({x}).");
        int p = x.Precision;
        if (x.IsZero) return x;
        long bits = (long)x.Mantissa.GetBitLength();
        long shift = Math.Max(0, 2L * p + 4 - bits);
        if (((x.Exponent - shift) & 1) != 0) shift++;
        return BigFloat.Create(IntegerSqrt(x.Mantissa << (int)shift), (x.Exponent - shift) / 2, p);
    }

    /// <summary>floor(sqrt(n)) for n &gt;= 0, by Newton's iteration from above.</summary>
    private static BigInteger IntegerSqrt(BigInteger n)
    {
        if (n.IsZero) return n;
        var x = BigInteger.One << (int)((n.GetBitLength() + 1) / 2); // >= sqrt(n)
        while (true)
        {
            var y = (x + n / x) >> 1;
            if (y >= x) return x;
            x = y;
        }
    }

    /// <summary>log 2 to <paramref name="precision"/> bits: 2 atanh(1/3) = sum_k 2 / ((2k + 1) 3^(2k + 1)) in fixed
    /// point.</summary>
    public static BigFloat Ln2(int precision) => Ln2Cache.GetOrAdd(precision, p =>
    {
        int w = p + 32; // fixed point with 2^-w units; each of the ~w/3 terms is truncated by under one unit
        var one = BigInteger.One << w;
        var sum = BigInteger.Zero;
        var power = new BigInteger(3);
        for (int k = 0; ; k++)
        {
            var term = 2 * one / (power * (2 * k + 1));
            if (term.IsZero) break;
            sum += term;
            power *= 9;
        }
        return BigFloat.Create(sum, -w, p);
    });

    /// <summary>exp(x) for |x| &lt; 1e9: x = k log 2 + r with |r| &lt;= log 2 / 2, then r / 2^j (j about sqrt(p)) into
    /// the Taylor series, squared back j times, times 2^k.</summary>
    public static BigFloat Exp(BigFloat x)
    {
        int p = x.Precision;
        if (x.IsZero) return BigFloat.One(p);
        double approx = x.ToDouble();
        if (!(Math.Abs(approx) < 1e9))
            throw new ArgumentOutOfRangeException(nameof(x),
                $"exp({approx:G4}) leaves the exponent range of BigFloat.");
        long k = (long)Math.Round(approx / Math.Log(2));
        int j = (int)Math.Ceiling(Math.Sqrt(p));
        int w = p + j + 32; // each squaring doubles the relative error: j bits, and some for the series
        int kBits = (int)BigInteger.Abs(k).GetBitLength();
        var r = x.WithPrecision(w + kBits) - Ln2(w + kBits) * BigFloat.FromInteger(k, w + kBits);
        r = r.WithPrecision(w).ScaleB(-j);
        var sum = BigFloat.One(w);
        var term = BigFloat.One(w);
        for (int i = 1; ; i++)
        {
            term = term * r / i;
            if (term.IsZero || term.Top < -w - 2) break;
            sum += term;
        }
        for (int i = 0; i < j; i++) sum *= sum;
        return sum.ScaleB(k).WithPrecision(p);
    }

    /// <summary>log(x) for x &gt; 0: x = t 2^m with t in [sqrt(1/2), sqrt(2)), log t = 2 atanh(z), z = (t - 1) / (t +
    /// 1), |z| &lt;= 0.172 (about 5 bits a term).</summary>
    public static BigFloat Log(BigFloat x)
    {
        if (x.Sign <= 0) throw new ArgumentOutOfRangeException(nameof(x),
            $"log of a number that is not positive ({x}).");
        int p = x.Precision, w = p + 32;
        long m = x.Top;
        var t = x.WithPrecision(w).ScaleB(-m); // in [1, 2)
        if (t.ToDouble() > Math.Sqrt(2)) { t = t.ScaleB(-1); m++; }
        if (m == 0 && t.Equals(BigFloat.One(w))) return BigFloat.Zero(p);
        var z = (t - BigFloat.One(w)) / (t + BigFloat.One(w));
        var z2 = z * z;
        var sum = z;
        var power = z;
        for (int k = 1; ; k++)
        {
            power *= z2;
            var term = power / (2 * k + 1);
            if (term.IsZero || term.Top < sum.Top - w - 2) break;
            sum += term;
        }
        int mBits = (int)BigInteger.Abs(m).GetBitLength();
        var result = sum.ScaleB(1) + Ln2(w + mBits) * BigFloat.FromInteger(m, w + mBits);
        return result.WithPrecision(p);
    }
}
