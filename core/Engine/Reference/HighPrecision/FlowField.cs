using System.Collections.Concurrent;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>The exact direction flow of gradient flow on L(w) = sum_n exp(-y_n &lt;x_n, P(w)&gt;) for a homogeneous P
/// of degree nu, in <see cref="BigFloat"/>. With w = r u, ||u|| = 1, s = r^nu = e^tau, mu_n(u) = &lt;z_n, P(u)&gt; (z_n
/// = y_n x_n) and J = [grad mu_1(u) ... grad mu_N(u)]: (docs/late-phase.md, "FlowField")</summary>
public sealed class FlowField
{
    private readonly double[] _z;
    private readonly ConcurrentDictionary<int, BigFloat[][]> _rows = new();

    /// <summary>The field of <paramref name="model"/> on the signed features z_n = y_n x_n (count x D,
    /// row-major).</summary>
    public FlowField(IHighPrecisionModel model, double[] signedFeatures, int count)
    {
        if (count < 1 || signedFeatures.Length != count * model.Dimension)
            throw new ArgumentException($"{signedFeatures.Length} signed features do not make {count} rows of D = " +
                                        $"{model.Dimension}.");
        Model = model; _z = signedFeatures; Count = count;
    }

    /// <summary>The parameterization.</summary>
    public IHighPrecisionModel Model { get; }
    /// <summary>Number of points N.</summary>
    public int Count { get; }

    /// <summary>nu^2, the factor of mu . q in the field (and so in its Jacobian): ds/dt = nu^2 r^(2nu-2) mu .
    /// q.</summary>
    private int DegreeSquared => Model.Degree * Model.Degree;

    /// <summary>The rows z_n at a precision (exact: they are doubles).</summary>
    private BigFloat[][] Rows(int precision) => _rows.GetOrAdd(precision, p =>
        Enumerable.Range(0,
            Count).Select(n => BigVector.FromDoubles(_z.AsSpan(n * Model.Dimension, Model.Dimension), p)).ToArray());

    /// <summary>The row z_n at a precision.</summary>
    public BigFloat[] Row(int n, int precision) => Rows(precision)[n];

    /// <summary>mu_n = &lt;z_n, P(u)&gt; at the precision of u (u as given: normalize first).</summary>
    public BigFloat[] Margins(BigFloat[] u)
    {
        var beta = Model.Predictor(u);
        return Rows(u[0].Precision).Select(z => BigVector.Dot(z, beta)).ToArray();
    }

    /// <summary>The weights q_n = exp(-s (mu_n - min mu)) (1 at the smallest margin, 0 below 2^-(precision + 16)) and
    /// that smallest margin.</summary>
    public BigFloat[] Weights(BigFloat[] mu, BigFloat s, out BigFloat smallest)
    {
        smallest = mu.Min();
        double cutoff = (mu[0].Precision + 16) * Math.Log(2);
        var q = new BigFloat[mu.Length];
        for (int n = 0; n < mu.Length; n++)
        {
            var x = s * (mu[n] - smallest);
            q[n] = x.ToDouble() > cutoff ? BigFloat.Zero(x.Precision) : BigFloatMath.Exp(-x);
        }
        return q;
    }

    /// <summary>Which points carry weight (s (mu_n - min mu) within the cutoff of <see cref="Weights"/>), without
    /// exp.</summary>
    public bool[] Active(BigFloat[] mu, BigFloat s)
    {
        var smallest = mu.Min();
        double cutoff = (mu[0].Precision + 16) * Math.Log(2);
        return mu.Select(m => (s * (m - smallest)).ToDouble() <= cutoff).ToArray();
    }

    /// <summary>du/dtau at v / ||v|| and s = e^tau; throws where mu . q &lt;= 0 (there -log L does not grow with
    /// s).</summary>
    public BigFloat[] Velocity(BigFloat[] v, BigFloat s)
    {
        var u = BigVector.Normalize(v);
        var mu = Margins(u);
        var q = Weights(mu, s, out _);
        var rows = Rows(u[0].Precision);
        var y = BigVector.Zeros(Model.Dimension, u[0].Precision);
        var c = BigFloat.Zero(u[0].Precision);
        for (int n = 0; n < Count; n++)
        {
            if (q[n].IsZero) continue;
            y = BigVector.AddScaled(y, q[n], rows[n]);
            c += q[n] * mu[n];
        }
        if (c.Sign <= 0)
            throw new InvalidOperationException($"the direction flow is undefined here: mu . q = {c} <= 0 (the data " +
                                                $"is not yet fit).");
        var g = Model.PullBack(u, y);
        var radial = BigVector.Dot(u, g);
        var scale = c * DegreeSquared;
        return g.Select((gi, i) => (gi - radial * u[i]) / scale).ToArray();
    }

    /// <summary>d(velocity)/dv at v, analytically. With k_n = grad mu_n(u), q_n relative to the smallest margin, g =
    /// sum_n q_n k_n, c = sum_n q_n mu_n, a = u . g, F = (g - a u) / (nu^2 c):
    /// (docs/late-phase.md, "FlowField.Jacobian")</summary>
    public BigFloat[,] Jacobian(BigFloat[] v, BigFloat s)
    {
        int size = v.Length, p = v[0].Precision;
        var norm = BigVector.Norm(v);
        var u = v.Select(x => x / norm).ToArray();
        var mu = Margins(u);
        var q = Weights(mu, s, out _);
        var rows = Rows(p);
        var active = Enumerable.Range(0, Count).Where(n => !q[n].IsZero).ToArray();
        var k = active.Select(n => Model.PullBack(u, rows[n])).ToArray();
        var y = BigVector.Zeros(Model.Dimension, p);
        var g = BigVector.Zeros(size, p);
        var c = BigFloat.Zero(p);
        for (int a = 0; a < active.Length; a++)
        {
            int n = active[a];
            y = BigVector.AddScaled(y, q[n], rows[n]);
            g = BigVector.AddScaled(g, q[n], k[a]);
            c += q[n] * mu[n];
        }
        if (c.Sign <= 0)
            throw new InvalidOperationException($"the direction flow is undefined here: mu . q = {c} <= 0 (the data " +
                                                $"is not yet fit).");
        var radial = BigVector.Dot(u, g);
        var scale = c * DegreeSquared;
        var f = g.Select((gi, i) => (gi - radial * u[i]) / scale).ToArray();
        var hessian = Hessian(u, y);
        // dg/du and dc/du.
        var dg = new BigFloat[size, size];
        var dc = new BigFloat[size];
        var weighted = active.Select(n => s * q[n]).ToArray();
        for (int j = 0; j < size; j++)
        {
            var sum = g[j];
            for (int a = 0; a < active.Length; a++) sum -= weighted[a] * mu[active[a]] * k[a][j];
            dc[j] = sum;
            for (int i = 0; i < size; i++)
            {
                var entry = hessian[i, j];
                for (int a = 0; a < active.Length; a++) entry -= weighted[a] * k[a][i] * k[a][j];
                dg[i, j] = entry;
            }
        }
        // dF/du = ((I - u u^T) dg - u g^T - a I) / (nu^2 c) - F dc^T / c, then df/dv = dF/du (I - u u^T) / |v|.
        var dF = new BigFloat[size, size];
        for (int j = 0; j < size; j++)
        {
            var uDg = u[0] * dg[0, j];
            for (int i = 1; i < size; i++) uDg += u[i] * dg[i, j];
            for (int i = 0; i < size; i++)
            {
                var entry = dg[i, j] - u[i] * (uDg + g[j]);
                if (i == j) entry -= radial;
                dF[i, j] = entry / scale - f[i] * dc[j] / c;
            }
        }
        var jacobian = new BigFloat[size, size];
        for (int i = 0; i < size; i++)
        {
            var dFu = dF[i, 0] * u[0];
            for (int j = 1; j < size; j++) dFu += dF[i, j] * u[j];
            for (int j = 0; j < size; j++) jacobian[i, j] = (dF[i, j] - dFu * u[j]) / norm;
        }
        return jacobian;
    }

    /// <summary>The Hessian of &lt;y, P(u)&gt; in u by central differences of the pull-back with step 2^-(p/3): exact
    /// but for rounding (2^(-2p/3)) when nu &lt;= 3, and off by 2^(-2p/3) times the fourth derivatives
    /// otherwise.</summary>
    private BigFloat[,] Hessian(BigFloat[] u, BigFloat[] y)
    {
        int size = u.Length, p = u[0].Precision;
        var hessian = new BigFloat[size, size];
        if (Model.Degree == 1)
        {
            for (int i = 0; i < size; i++) for (int j = 0; j < size; j++) hessian[i, j] = BigFloat.Zero(p);
            return hessian;
        }
        long shift = p / 3;
        var step = BigFloat.One(p).ScaleB(-shift);
        for (int j = 0; j < size; j++)
        {
            var plus = (BigFloat[])u.Clone();
            var minus = (BigFloat[])u.Clone();
            plus[j] += step; minus[j] -= step;
            var up = Model.PullBack(plus, y);
            var down = Model.PullBack(minus, y);
            for (int i = 0; i < size; i++) hessian[i, j] = (up[i] - down[i]).ScaleB(shift - 1);
        }
        return hessian;
    }

    /// <summary>d(velocity)/dv by forward differences with step 2^-(p/2) / sqrt(s): the slow twin of
    /// <see cref="Jacobian"/>, accurate to about s^(3/2) 2^(-p/2) (good at small tau only; tests compare the two
    /// there).</summary>
    public BigFloat[,] DifferenceJacobian(BigFloat[] v, BigFloat s)
    {
        int size = v.Length, p = v[0].Precision;
        var velocity = Velocity(v, s);
        long shift = p / 2 + Math.Max(0, s.Top) / 2;
        var step = BigFloat.One(p).ScaleB(-shift);
        var jacobian = new BigFloat[size, size];
        for (int k = 0; k < size; k++)
        {
            var moved = (BigFloat[])v.Clone();
            moved[k] += step;
            var f = Velocity(moved, s);
            for (int i = 0; i < size; i++) jacobian[i, k] = (f[i] - velocity[i]).ScaleB(shift);
        }
        return jacobian;
    }

    /// <summary>-log L = s min mu - log sum_n q_n at u (normalized here) and s = e^tau.</summary>
    public BigFloat NegativeLogLoss(BigFloat[] u, BigFloat s)
    {
        var mu = Margins(BigVector.Normalize(u));
        var q = Weights(mu, s, out var smallest);
        var sum = q[0];
        for (int n = 1; n < q.Length; n++) sum += q[n];
        return s * smallest - BigFloatMath.Log(sum);
    }
}
