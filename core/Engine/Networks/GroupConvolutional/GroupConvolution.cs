using ImplicitBias.Engine.Groups;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// The paper's eq. (2) on a finite group: (x * w)(g) = |G|^-1/2 sum_h x(g h) w(h), a full-width group
/// cross-correlation (on C_n it is <see cref="Models.CircularCorrelation"/>). Direct O(|G|^2) sums over the
/// multiplication table: the group-domain definition the Fourier-domain network is tested against.
/// </summary>
public static class GroupConvolution
{
    /// <summary>result = x * w. <paramref name="result"/> must not alias the inputs.</summary>
    public static void Apply(FiniteGroup group, ReadOnlySpan<double> x, ReadOnlySpan<double> w, Span<double> result)
    {
        int n = group.Order;
        double scale = 1 / Math.Sqrt(n);
        for (int g = 0; g < n; g++)
        {
            double sum = 0;
            for (int h = 0; h < n; h++) sum += x[group.Multiply(g, h)] * w[h];
            result[g] = scale * sum;
        }
    }

    /// <summary>
    /// The adjoint of x -> x * w: result(a) = |G|^-1/2 sum_h u(a h^-1) w(h), so that
    /// &lt;x * w, u&gt; = &lt;x, Adjoint(u, w)&gt;.
    /// </summary>
    public static void Adjoint(FiniteGroup group, ReadOnlySpan<double> u, ReadOnlySpan<double> w, Span<double> result)
    {
        int n = group.Order;
        double scale = 1 / Math.Sqrt(n);
        for (int a = 0; a < n; a++)
        {
            double sum = 0;
            for (int h = 0; h < n; h++) sum += u[group.Multiply(a, group.Inverse(h))] * w[h];
            result[a] = scale * sum;
        }
    }

    /// <summary>The gradient in w of &lt;x * w, u&gt;: result(h) = |G|^-1/2 sum_g u(g) x(g h).</summary>
    public static void KernelGradient(FiniteGroup group, ReadOnlySpan<double> x, ReadOnlySpan<double> u,
        Span<double> result)
    {
        int n = group.Order;
        double scale = 1 / Math.Sqrt(n);
        for (int h = 0; h < n; h++)
        {
            double sum = 0;
            for (int g = 0; g < n; g++) sum += u[g] * x[group.Multiply(g, h)];
            result[h] = scale * sum;
        }
    }
}
