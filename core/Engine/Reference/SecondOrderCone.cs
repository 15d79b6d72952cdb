namespace ImplicitBias.Engine.Reference;

/// <summary>One second-order cone Q = { (u0, u1) : u0 &gt;= ||u1||_2 } as the interior-point solver needs it: the
/// Jordan product, its inverse, the Nesterov-Todd scaling and the longest step inside the cone.
/// (docs/reference-solvers.md, "SecondOrderCone")</summary>
public sealed class SecondOrderCone
{
    private readonly double[] v;
    private readonly double[] jv;
    private readonly double eta;

    /// <summary>The NT scaling for the interior pair (s, z) of one cone.</summary>
    public SecondOrderCone(ReadOnlySpan<double> s, ReadOnlySpan<double> z)
    {
        int n = s.Length;
        double sj = Math.Sqrt(JDot(s, s)), zj = Math.Sqrt(JDot(z, z));
        double sz = 0;
        for (int i = 0; i < n; i++) sz += s[i] * z[i];
        double gamma = Math.Sqrt((1 + sz / (sj * zj)) / 2);
        var w = new double[n];
        w[0] = (s[0] / sj + z[0] / zj) / (2 * gamma);
        for (int i = 1; i < n; i++) w[i] = (s[i] / sj - z[i] / zj) / (2 * gamma);
        eta = Math.Sqrt(sj / zj);
        v = new double[n]; jv = new double[n];
        double c = 1 / Math.Sqrt(2 * (1 + w[0]));
        v[0] = (w[0] + 1) * c; jv[0] = v[0];
        for (int i = 1; i < n; i++) { v[i] = w[i] * c; jv[i] = -v[i]; }
    }

    /// <summary>u0^2 - ||u1||^2 computed as (u0 - ||u1||)(u0 + ||u1||) when the vectors coincide.</summary>
    public static double JDot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double r = a[0] * b[0];
        for (int i = 1; i < a.Length; i++) r -= a[i] * b[i];
        return r;
    }

    /// <summary>y &lt;- W x.</summary>
    public void Apply(ReadOnlySpan<double> x, Span<double> y) => Householder(v, eta, x, y);

    /// <summary>y &lt;- W^-1 x.</summary>
    public void ApplyInverse(ReadOnlySpan<double> x, Span<double> y) => Householder(jv, 1 / eta, x, y);

    private static void Householder(double[] v, double scale, ReadOnlySpan<double> x, Span<double> y)
    {
        double d = 0;
        for (int i = 0; i < v.Length; i++) d += v[i] * x[i];
        y[0] = scale * (2 * v[0] * d - x[0]);
        for (int i = 1; i < v.Length; i++) y[i] = scale * (2 * v[i] * d + x[i]);
    }

    /// <summary>The Jordan product r = u o w = (u'w, u0 w1 + w0 u1).</summary>
    public static void Product(ReadOnlySpan<double> u, ReadOnlySpan<double> w, Span<double> r)
    {
        double d = 0;
        for (int i = 0; i < u.Length; i++) d += u[i] * w[i];
        for (int i = 1; i < u.Length; i++) r[i] = u[0] * w[i] + w[0] * u[i];
        r[0] = d;
    }

    /// <summary>Solves lambda o x = r for x (lambda in the interior).</summary>
    public static void Divide(ReadOnlySpan<double> lambda, ReadOnlySpan<double> r, Span<double> x)
    {
        double det = JDot(lambda, lambda), d = 0;
        for (int i = 1; i < lambda.Length; i++) d += lambda[i] * r[i];
        double x0 = (lambda[0] * r[0] - d) / det;
        for (int i = 1; i < lambda.Length; i++) x[i] = (r[i] - x0 * lambda[i]) / lambda[0];
        x[0] = x0;
    }

    /// <summary>The largest t with u + t d still in the cone (u in the interior); infinity if the ray never leaves
    /// it.</summary>
    public static double MaxStep(ReadOnlySpan<double> u, ReadOnlySpan<double> d)
    {
        // f(t) = a t^2 + 2 b t + c = J-norm of u + t d; the first positive root is where the ray leaves.
        double a = JDot(d, d), b = JDot(u, d), c = JDot(u, u);
        if (a == 0) return b < 0 ? -c / (2 * b) : double.PositiveInfinity;
        double disc = b * b - a * c;
        if (disc < 0) return double.PositiveInfinity;
        double q = -(b + (b >= 0 ? 1 : -1) * Math.Sqrt(disc));
        double r1 = q / a, r2 = q != 0 ? c / q : double.PositiveInfinity;
        double best = double.PositiveInfinity;
        if (r1 > 0) best = Math.Min(best, r1);
        if (r2 > 0) best = Math.Min(best, r2);
        return best;
    }
}
