using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Training.Late;

/// <summary>Steps of the direction equation du/dtau = F(u, tau) (<see cref="DirectionFlow"/>) with the loss weights
/// computed from the margins at their true scale s = e^tau: the exact flow, for as long as doubles resolve those
/// weights. (docs/late-phase.md, "StiffFlowStepper")</summary>
public sealed class StiffFlowStepper
{
    /// <summary>Stiff couplings h kappa p_n below this are left out of the implicit part.</summary>
    public const double CouplingCutoff = 1e-12;

    private readonly DirectionFlow _flow;
    private readonly ILoss _loss;
    private readonly int _n, _p, _nu;
    private readonly double[] _mu, _margins, _weights, _force, _x;
    private double[] _rows = [];
    private Matrix<double> _gram = Matrix<double>.Build.Dense(1, 1);
    private readonly List<int> _coupled = [];
    private double _kappa, _muBar;
    private (double[] Force, double[] Weights, double Kappa) _start = ([], [], 0);

    /// <summary>Steps of the flow of <paramref name="flow"/> under <paramref name="loss"/>.</summary>
    public StiffFlowStepper(DirectionFlow flow, ILoss loss)
    {
        _flow = flow; _loss = loss;
        _n = flow.Count; _p = flow.ParameterCount; _nu = flow.Degree;
        _mu = new double[_n]; _margins = new double[_n]; _weights = new double[_n];
        _force = new double[_p]; _x = new double[_p];
    }

    /// <summary>The margins mu(u) of the last evaluation.</summary>
    public ReadOnlySpan<double> Margins => _mu;
    /// <summary>The normalized loss weights p of the last evaluation (they sum to 1).</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>theta = log(-log L) at w = e^(tau / nu) u, and (as state of this instance) the margins and normalized
    /// weights there. NaN while L &gt;= 1.</summary>
    public double Evaluate(ReadOnlySpan<double> u, double tau)
    {
        _flow.Margins(u, _mu);
        double s = Math.Exp(tau);
        for (int n = 0; n < _n; n++) _margins[n] = s * _mu[n];
        double logLoss = _loss.LogLossAndWeights(_margins, _weights);
        double total = 0;
        foreach (var q in _weights) total += q;
        for (int n = 0; n < _n; n++) _weights[n] /= total;
        _muBar = Simd.Dot(_mu, _weights);
        _kappa = s / (_nu * _nu * _muBar);
        return logLoss < 0 ? Math.Log(-logLoss) : double.NaN;
    }

    /// <summary>F(u, tau) = P_u J p / (nu^2 mu . p) into <paramref name="velocity"/>.</summary>
    public void Velocity(ReadOnlySpan<double> u, double tau, Span<double> velocity)
    {
        Evaluate(u, tau);
        _flow.TangentCombination(u, _weights, velocity);
        double scale = 1.0 / (_nu * _nu * _muBar);
        for (int i = 0; i < _p; i++) velocity[i] *= scale;
    }

    /// <summary>One step of size h from (u, tau): writes the extrapolated direction at tau + h into
    /// <paramref name="next"/> and returns the error estimate. (docs/late-phase.md, "StiffFlowStepper.Step")</summary>
    public double Step(ReadOnlySpan<double> u, double tau, double h, Span<double> next)
    {
        Linearize(u, tau, h);
        var levels = new double[Levels][];
        for (int k = 1; k <= Levels; k++)
        {
            var v = u.ToArray();
            for (int j = 0; j < k; j++)
            {
                double t = tau + j * h / k;
                if (j > 0) Velocity(v, t, _force);
                else if (k > 1) Restore();
                Solve(v, h / k, v);
            }
            levels[k - 1] = v;
        }
        // Aitken-Neville on n_k = k: T_{k,j+1} = T_{k,j} + (T_{k,j} - T_{k-1,j}) / (n_k / n_{k-j} - 1).
        var table = levels.Select(l => l.ToArray()).ToArray();
        double[] secondBest = table[^1];
        for (int j = 1; j < Levels; j++)
        {
            for (int k = Levels - 1; k >= j; k--)
            {
                double factor = 1.0 / ((double)(k + 1) / (k + 1 - j) - 1);
                for (int i = 0; i < _p; i++) table[k][i] += factor * (table[k][i] - table[k - 1][i]);
            }
            if (j == Levels - 2) secondBest = table[^1].ToArray();
        }
        double error = 0;
        for (int i = 0; i < _p; i++)
        {
            double d = table[^1][i] - secondBest[i];
            error += d * d;
            next[i] = table[^1][i];
        }
        DirectionFlow.Normalize(next);
        return Math.Sqrt(error);
    }

    /// <summary>Euler substeps per extrapolation level (1, 2, ..., Levels): the result's order.</summary>
    public const int Levels = 3;

    /// <summary>One plain linearly implicit Euler step (no extrapolation), the method's definition: the slow twin of
    /// <see cref="Step"/>'s parts.</summary>
    public void EulerStep(ReadOnlySpan<double> u, double tau, double h, Span<double> next)
    {
        Linearize(u, tau, h);
        Solve(u, h, next);
    }

    // F, kappa, the coupled points and their tangent gradients (and Gram matrix) at (u, tau), for steps up to h.
    private void Linearize(ReadOnlySpan<double> u, double tau, double h)
    {
        Velocity(u, tau, _force);
        _coupled.Clear();
        for (int n = 0; n < _n; n++)
            if (h * _kappa * _weights[n] > CouplingCutoff) _coupled.Add(n);
        int m = _coupled.Count;
        if (_rows.Length < m * _p) _rows = new double[m * _p];
        _flow.TangentGradients(u, _coupled, _rows);
        _start = (_force.ToArray(), _weights.ToArray(), _kappa);
        _gram = Matrix<double>.Build.Dense(m, m);
        for (int a = 0; a < m; a++)
            for (int b = a; b < m; b++)
                _gram[a, b] = _gram[b, a] = Simd.Dot(_rows.AsSpan(a * _p, _p), _rows.AsSpan(b * _p, _p));
    }

    // F, the weights and kappa at the step's start, as Linearize left them (each level's first substep starts there).
    private void Restore()
    {
        _start.Force.CopyTo(_force, 0);
        _start.Weights.CopyTo(_weights, 0);
        _kappa = _start.Kappa;
    }

    // next = normalize(v + x), (I + B K B^T) x = h F, K = h kappa (diag p - p p^T) on the coupled points, B and G from
    // the last Linearize, kappa, p and F from the last Velocity.
    private void Solve(ReadOnlySpan<double> v, double h, Span<double> next)
    {
        int m = _coupled.Count;
        for (int i = 0; i < _p; i++) _x[i] = h * _force[i];
        if (m > 0)
        {
            var rows = _rows.AsSpan(0, m * _p);
            var k = Matrix<double>.Build.Dense(m, m);
            var bx = Vector<double>.Build.Dense(m);
            for (int a = 0; a < m; a++)
            {
                bx[a] = Simd.Dot(rows.Slice(a * _p, _p), _x);
                double pa = _weights[_coupled[a]];
                for (int b = 0; b < m; b++)
                    k[a, b] = h * _kappa * ((a == b ? pa : 0) - pa * _weights[_coupled[b]]);
            }
            var system = Matrix<double>.Build.DenseIdentity(m) + k * _gram;
            var y = system.LU().Solve(k * bx);
            for (int a = 0; a < m; a++)
            {
                var ra = rows.Slice(a * _p, _p);
                for (int i = 0; i < _p; i++) _x[i] -= y[a] * ra[i];
            }
        }
        for (int i = 0; i < _p; i++) next[i] = v[i] + _x[i];
        DirectionFlow.Normalize(next);
    }
}
