using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Training.Late;

/// <summary>Gradient flow of a homogeneous model, written for its direction u = w / ||w|| against the clock tau = log
/// s, s = ||w||^nu (the margins' scale). With mu_n(u) = y_n &lt;x_n, P(u)&gt;, margins m_n = s mu_n(u) and loss weights
/// q_n = -l'(m_n), the flow dw/dt = sum_n q_n grad m_n(w) is exactly (docs/late-phase.md, "DirectionFlow")</summary>
public sealed class DirectionFlow
{
    private readonly IParameterization _model;
    private readonly double[] _z; // rows z_n = y_n x_n of the unit-scaled data, N x D
    private readonly double[] _beta, _combination;

    /// <summary>The flow of <paramref name="model"/> on the rows <paramref name="signedFeatures"/> (N x D, y_n
    /// x_n).</summary>
    public DirectionFlow(IParameterization model, double[] signedFeatures)
    {
        if (signedFeatures.Length % model.Dimension != 0)
            throw new ArgumentException($"{signedFeatures.Length} feature values are not rows of D = " +
                                        $"{model.Dimension}.");
        _model = model; _z = signedFeatures;
        Count = signedFeatures.Length / model.Dimension;
        _beta = new double[model.Dimension];
        _combination = new double[model.Dimension];
    }

    /// <summary>The points N.</summary>
    public int Count { get; }
    /// <summary>The parameters P.</summary>
    public int ParameterCount => _model.ParameterCount;
    /// <summary>The homogeneity degree nu.</summary>
    public int Degree => _model.Degree;
    /// <summary>The model.</summary>
    public IParameterization Model => _model;
    /// <summary>The rows y_n x_n.</summary>
    public ReadOnlySpan<double> SignedFeatures => _z;

    /// <summary>mu_n(u) = z_n . P(u) for every n; returns P(u) (a buffer of this instance, valid until the next
    /// call).</summary>
    public ReadOnlySpan<double> Margins(ReadOnlySpan<double> u, Span<double> mu)
    {
        _model.Predictor(u, _beta);
        int d = _model.Dimension;
        for (int n = 0; n < Count; n++) mu[n] = Simd.Dot(_z.AsSpan(n * d, d), _beta);
        return _beta;
    }

    /// <summary>v = P_u J c = P_u PullBack(u, sum_n c_n z_n): the tangent part of the gradient of sum_n c_n
    /// mu_n.</summary>
    public void TangentCombination(ReadOnlySpan<double> u, ReadOnlySpan<double> c, Span<double> v)
    {
        int d = _model.Dimension;
        Array.Clear(_combination);
        for (int n = 0; n < Count; n++)
        {
            double cn = c[n];
            if (cn == 0) continue;
            var row = _z.AsSpan(n * d, d);
            for (int i = 0; i < d; i++) _combination[i] += cn * row[i];
        }
        _model.PullBack(u, _combination, v);
        Project(u, v);
    }

    /// <summary>The rows P_u grad mu_n(u) for the listed points, row-major (points.Count x P): each point's margin
    /// gradient with its component along u removed (that component only rescales w, so it does not move the
    /// direction).</summary>
    public void TangentGradients(ReadOnlySpan<double> u, IReadOnlyList<int> points, Span<double> rows)
    {
        int d = _model.Dimension, p = _model.ParameterCount;
        for (int j = 0; j < points.Count; j++)
        {
            var row = rows.Slice(j * p, p);
            _model.PullBack(u, _z.AsSpan(points[j] * d, d), row);
            Project(u, row);
        }
    }

    /// <summary>v &lt;- v - (u . v) u, for a unit u.</summary>
    public static void Project(ReadOnlySpan<double> u, Span<double> v)
    {
        double along = Simd.Dot(u, v);
        for (int i = 0; i < v.Length; i++) v[i] -= along * u[i];
    }

    /// <summary>u &lt;- u / ||u||.</summary>
    public static void Normalize(Span<double> u)
    {
        double norm = Geometry.Norm(u);
        for (int i = 0; i < u.Length; i++) u[i] /= norm;
    }
}
