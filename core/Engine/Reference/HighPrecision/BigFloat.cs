using System.Numerics;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>A binary floating-point number of arbitrary precision, Mantissa * 2^Exponent with |Mantissa| &lt;
/// 2^Precision: the number type of the high-precision flow (<see cref="HighPrecisionFlow"/>), which must resolve
/// margins to far below a double's rounding. (docs/late-phase.md, "BigFloat")</summary>
public readonly struct BigFloat : IComparable<BigFloat>, IComparable, IEquatable<BigFloat>
{
    /// <summary>The smallest precision accepted: every double converts exactly.</summary>
    public const int MinPrecision = 64;

    /// <summary>The signed integer significand (not normalized: trailing zero bits are kept).</summary>
    public BigInteger Mantissa { get; }
    /// <summary>The power of two the mantissa is scaled by.</summary>
    public int Exponent { get; }
    /// <summary>Bits of the significand that results of operations on this value are rounded to.</summary>
    public int Precision { get; }

    private BigFloat(BigInteger mantissa, int exponent, int precision)
    {
        Mantissa = mantissa; Exponent = exponent; Precision = precision;
    }

    private static readonly BigInteger[] Halves = Enumerable.Range(0, 4097).Select(k => BigInteger.One << k).ToArray();

    /// <summary>mantissa * 2^exponent rounded to <paramref name="precision"/> bits, to nearest with ties towards
    /// +infinity: floor((m + 2^(k-1)) / 2^k) in two's complement, two allocations. (A negative mantissa -2^j may keep
    /// one bit more than the precision: it is exact either way.)</summary>
    public static BigFloat Create(BigInteger mantissa, long exponent, int precision)
    {
        if (precision < MinPrecision)
            throw new ArgumentOutOfRangeException(nameof(precision),
                $"precision must be at least {MinPrecision} bits (got {precision}).");
        if (mantissa.IsZero) return new BigFloat(BigInteger.Zero, 0, precision);
        long excess = (long)mantissa.GetBitLength() - precision; // |m| - 1 for negative m: the same but at -2^j
        if (excess > 0)
        {
            var half = excess <= Halves.Length ? Halves[excess - 1] : BigInteger.One << (int)(excess - 1);
            mantissa = (mantissa + half) >> (int)excess;
            exponent += excess;
            if ((long)mantissa.GetBitLength() > precision) { mantissa >>= 1; exponent++; } // rounded up to 2^precision
        }
        return new BigFloat(mantissa, checked((int)exponent), precision);
    }

    /// <summary>0 at the given precision.</summary>
    public static BigFloat Zero(int precision) => Create(BigInteger.Zero, 0, precision);
    /// <summary>1 at the given precision.</summary>
    public static BigFloat One(int precision) => Create(BigInteger.One, 0, precision);
    /// <summary>An integer, exactly (when it has at most <paramref name="precision"/> bits).</summary>
    public static BigFloat FromInteger(BigInteger n, int precision) => Create(n, 0, precision);

    /// <summary>A finite double, exactly.</summary>
    public static BigFloat FromDouble(double x, int precision)
    {
        if (!double.IsFinite(x)) throw new ArgumentException($"only finite doubles convert (got {x}).");
        if (x == 0) return Zero(precision);
        // x = m 2^e with |m| < 2^53 an integer (also for subnormals: ILogB is their true exponent)
        int e = Math.ILogB(x) - 52;
        return Create(new BigInteger(Math.ScaleB(x, -e)), e, precision);
    }

    /// <summary>A decimal number such as "-1.25e-3" or ".6931", rounded to <paramref name="precision"/> bits
    /// (faithfully: digits over a power of ten at 64 extra bits, then rounded): for reference constants in
    /// tests.</summary>
    public static BigFloat Parse(string text, int precision)
    {
        var t = text.Trim().ToLowerInvariant();
        int exponent10 = 0, e = t.IndexOf('e');
        if (e >= 0) { exponent10 = int.Parse(t[(e + 1)..],
            System.Globalization.CultureInfo.InvariantCulture); t = t[..e]; }
        bool negative = t.StartsWith('-');
        t = t.TrimStart('-', '+');
        int dot = t.IndexOf('.');
        if (dot >= 0) { exponent10 -= t.Length - dot - 1; t = t.Remove(dot, 1); }
        if (t.Length == 0 || !t.All(char.IsAsciiDigit)) throw new FormatException($"'{text}' is not a decimal number.");
        var digits = BigInteger.Parse(t, System.Globalization.CultureInfo.InvariantCulture);
        if (negative) digits = -digits;
        var value = exponent10 >= 0
            ? FromInteger(digits * BigInteger.Pow(10, exponent10), precision + 64)
            : FromInteger(digits, precision + 64) / FromInteger(BigInteger.Pow(10, -exponent10), precision + 64);
        return value.WithPrecision(precision);
    }

    /// <summary>This value rounded to (or carried at) another precision.</summary>
    public BigFloat WithPrecision(int precision) => Create(Mantissa, Exponent, precision);

    /// <summary>-1, 0 or 1.</summary>
    public int Sign => Mantissa.Sign;
    /// <summary>True for 0.</summary>
    public bool IsZero => Mantissa.IsZero;
    /// <summary>|this| lies in [2^Top, 2^(Top + 1)); undefined (int.MinValue) for 0.</summary>
    public long Top => IsZero ? int.MinValue
        : Exponent + (long)(Mantissa.Sign > 0 ? Mantissa : BigInteger.Abs(Mantissa)).GetBitLength() - 1;

    /// <summary>Top or Top - 1 (the latter only for a negative power of two), without allocating.</summary>
    private long RoughTop => Exponent + (long)Mantissa.GetBitLength() - 1;

    /// <summary>this * 2^k, exactly.</summary>
    public BigFloat ScaleB(long k) => IsZero ? this : new BigFloat(Mantissa, checked((int)(Exponent + k)), Precision);
    /// <summary>|this|.</summary>
    public BigFloat Abs() => Sign < 0 ? -this : this;

    /// <summary>-a, exactly.</summary>
    public static BigFloat operator -(BigFloat a) => new(-a.Mantissa, a.Exponent, a.Precision);

    /// <summary>a + b, rounded.</summary>
    public static BigFloat operator +(BigFloat a, BigFloat b)
    {
        int p = Math.Max(a.Precision, b.Precision);
        if (a.IsZero) return b.WithPrecision(p);
        if (b.IsZero) return a.WithPrecision(p);
        long topA = a.RoughTop, topB = b.RoughTop;
        // The smaller is below a quarter of the larger's last bit at p bits: the larger is the faithful sum.
        if (topA - topB > p + 3) return a.WithPrecision(p);
        if (topB - topA > p + 3) return b.WithPrecision(p);
        return a.Exponent >= b.Exponent
            ? Create((a.Mantissa << (a.Exponent - b.Exponent)) + b.Mantissa, b.Exponent, p)
            : Create(a.Mantissa + (b.Mantissa << (b.Exponent - a.Exponent)), a.Exponent, p);
    }

    /// <summary>a - b, rounded.</summary>
    public static BigFloat operator -(BigFloat a, BigFloat b) => a + (-b);

    /// <summary>a * b, rounded.</summary>
    public static BigFloat operator *(BigFloat a, BigFloat b) =>
        Create(a.Mantissa * b.Mantissa, (long)a.Exponent + b.Exponent, Math.Max(a.Precision, b.Precision));

    /// <summary>a / b, faithfully rounded (a truncated quotient of p + 2 bits or more, rounded to p).</summary>
    public static BigFloat operator /(BigFloat a, BigFloat b)
    {
        if (b.IsZero) throw new DivideByZeroException("BigFloat division by zero.");
        int p = Math.Max(a.Precision, b.Precision);
        if (a.IsZero) return Zero(p);
        // At least p + 2 bits of quotient (the bit lengths of negative powers of two read one short: hence + 3).
        int shift = (int)Math.Max(0, p + 3 + (long)b.Mantissa.GetBitLength() - (long)a.Mantissa.GetBitLength());
        return Create((a.Mantissa << shift) / b.Mantissa, (long)a.Exponent - shift - b.Exponent, p);
    }

    /// <summary>a * n for a small integer n, rounded.</summary>
    public static BigFloat operator *(BigFloat a, int n) => Create(a.Mantissa * n, a.Exponent, a.Precision);
    /// <summary>n * a for a small integer n, rounded.</summary>
    public static BigFloat operator *(int n, BigFloat a) => a * n;
    /// <summary>a / n for a nonzero integer n, faithfully rounded.</summary>
    public static BigFloat operator /(BigFloat a, int n) => a / FromInteger(n, a.Precision);

    /// <summary>The nearest double (ties to even, as IEEE 754 rounds), infinity beyond the double range.</summary>
    public double ToDouble()
    {
        if (IsZero) return 0.0;
        bool negative = Sign < 0;
        var magnitude = BigInteger.Abs(Mantissa);
        long bits = (long)magnitude.GetBitLength(), top = Exponent + bits - 1;
        if (top > 1023) return negative ? double.NegativeInfinity : double.PositiveInfinity;
        long keep = top >= -1022 ? 53 : top + 1075; // significant bits a double has at this size (fewer when subnormal)
        if (keep < 0) return negative ? -0.0 : 0.0;   // below half the smallest subnormal
        long drop = bits - keep;
        var q = magnitude;
        long e = Exponent;
        if (drop > 0)
        {
            q = magnitude >> (int)drop;
            var rest = magnitude - (q << (int)drop);
            int c = rest.CompareTo(BigInteger.One << (int)(drop - 1));
            if (c > 0 || (c == 0 && !q.IsEven)) q += BigInteger.One;
            e += drop;
        }
        // q <= 2^53 is exact; the scaling is exact or overflows
        double r = Math.ScaleB((double)q, (int)Math.Clamp(e, -2000, 2000));
        return negative ? -r : r;
    }

    /// <summary>Compares values (not representations): by sign, then by size, then by the sign of the
    /// difference.</summary>
    public int CompareTo(BigFloat other)
    {
        if (Sign != other.Sign) return Sign.CompareTo(other.Sign);
        if (IsZero) return 0;
        long a = RoughTop, b = other.RoughTop;
        if (a - b >= 2) return Sign;
        if (b - a >= 2) return -Sign;
        return (this - other).Sign; // a rounded difference is 0 only when the exact one is
    }

    /// <summary>Compares with another BigFloat (F#'s comparison operators use this).</summary>
    public int CompareTo(object? obj) =>
        obj is BigFloat b ? CompareTo(b) : throw new ArgumentException("a BigFloat compares only with a BigFloat.");

    /// <summary>True when the values are equal.</summary>
    public bool Equals(BigFloat other) => CompareTo(other) == 0;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BigFloat b && Equals(b);
    /// <summary>Hash of the nearest double (equal values have equal hashes).</summary>
    public override int GetHashCode() => ToDouble().GetHashCode();
    /// <summary>The nearest double and the precision, e.g. "0.1 (128 bits)".</summary>
    public override string ToString() =>
        FormattableString.Invariant($"{ToDouble():R} ({Precision} bits)");

    /// <summary>a &lt; b.</summary>
    public static bool operator <(BigFloat a, BigFloat b) => a.CompareTo(b) < 0;
    /// <summary>a &gt; b.</summary>
    public static bool operator >(BigFloat a, BigFloat b) => a.CompareTo(b) > 0;
    /// <summary>a &lt;= b.</summary>
    public static bool operator <=(BigFloat a, BigFloat b) => a.CompareTo(b) <= 0;
    /// <summary>a &gt;= b.</summary>
    public static bool operator >=(BigFloat a, BigFloat b) => a.CompareTo(b) >= 0;
    /// <summary>a = b in value.</summary>
    public static bool operator ==(BigFloat a, BigFloat b) => a.Equals(b);
    /// <summary>a != b in value.</summary>
    public static bool operator !=(BigFloat a, BigFloat b) => !a.Equals(b);
}
