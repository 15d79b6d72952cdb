using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Reference;

namespace ImplicitBias.Engine.Training.Late;

/// <summary>The direction equation (<see cref="DirectionFlow"/>) in its limit of large scale: the sliding mode on the
/// active set. (docs/late-phase.md, "SlidingFlowStepper")</summary>
public sealed class SlidingFlowStepper
{
    /// <summary>A point whose margin is within this of the active margin joins the active set.</summary>
    public const double JoinTolerance = 1e-13;
    /// <summary>A step that takes a point's margin this far below the active margin is retried shorter.</summary>
    public const double OvershootTolerance = 1e-10;
    /// <summary>An unweighted active point whose margin rose this far above the active margin leaves.</summary>
    public const double LeaveTolerance = 1e-12;

    /// <summary>The largest h lambda allowed (Bogacki-Shampine's real stability interval reaches about 2.5).</summary>
    public const double StabilityLimit = 1.5;

    private readonly DirectionFlow _flow;
    private readonly int _n, _p, _nu;
    private readonly double[] _mu, _k1, _k2, _k3, _k4, _stage, _next, _correction;
    private double[] _rows = [];
    private List<int> _active = [];
    private double[] _lambda = [];
    private double _activeMargin;

    /// <summary>A stepper at direction <paramref name="u"/> (unit) with the given active points.</summary>
    public SlidingFlowStepper(DirectionFlow flow, ReadOnlySpan<double> u, IEnumerable<int> active)
    {
        _flow = flow; _n = flow.Count; _p = flow.ParameterCount; _nu = flow.Degree;
        _mu = new double[_n];
        _k1 = new double[_p]; _k2 = new double[_p]; _k3 = new double[_p]; _k4 = new double[_p];
        _stage = new double[_p]; _next = new double[_p]; _correction = new double[_p];
        Direction = u.ToArray();
        _active = active.Distinct().Order().ToList();
        if (_active.Count == 0) throw new ArgumentException("the sliding mode needs at least one active point.");
        Velocity(Direction, _k1);
        Project(Direction);
        Velocity(Direction, _k1);
    }

    /// <summary>The points the sliding mode starts with at direction u and clock tau: those whose loss weight exp(-s
    /// gap) is above e^-28 (about 1e-12; gap = mu_n - mu_min, s = e^tau), or whose gap is within
    /// <see cref="JoinTolerance"/>. (docs/late-phase.md, "SlidingFlowStepper.ActiveAt")</summary>
    public static List<int> ActiveAt(DirectionFlow flow, ReadOnlySpan<double> u, double tau)
    {
        var mu = new double[flow.Count];
        flow.Margins(u, mu);
        double min = mu.Min(), reach = Math.Max(28 * Math.Exp(-tau), JoinTolerance);
        return Enumerable.Range(0, mu.Length).Where(n => mu[n] - min <= reach).ToList();
    }

    /// <summary>The stepper's state (direction, active set, weights, velocity), to go back to
    /// (<see cref="Restore"/>).</summary>
    public sealed record State(double[] Direction, List<int> Active, double[] Lambda, double[] Velocity, double Margin);

    /// <summary>A copy of the state now.</summary>
    public State Save() => new(Direction.ToArray(), _active.ToList(), _lambda.ToArray(), _k1.ToArray(), _activeMargin);

    /// <summary>Goes back to a saved state (a step that passed a target is retried shorter).</summary>
    public void Restore(State state)
    {
        state.Direction.CopyTo(Direction, 0);
        _active = state.Active.ToList();
        _lambda = state.Lambda.ToArray();
        state.Velocity.CopyTo(_k1, 0);
        _activeMargin = state.Margin;
    }

    /// <summary>The current direction u.</summary>
    public double[] Direction { get; }
    /// <summary>The active points (held at the smallest margin).</summary>
    public IReadOnlyList<int> Active => _active;
    /// <summary>The active points' weights (the minimum-norm point's convex weights, same order as
    /// <see cref="Active"/>).</summary>
    public IReadOnlyList<double> ActiveWeights => _lambda;
    /// <summary>The active margin mu . p at the current direction.</summary>
    public double ActiveMargin => _activeMargin;
    /// <summary>||du/dtau|| at the current direction.</summary>
    public double Speed => Math.Sqrt(Simd.Dot(_k1, _k1));

    /// <summary>Tries a step of h: true and the direction advanced when the error estimate is at most
    /// <paramref name="tolerance"/>; either way <paramref name="error"/> is the estimate and
    /// <paramref name="suggested"/> the next step size to try.</summary>
    public bool TryStep(double h, double tolerance, out double error, out double suggested)
    {
        var u = Direction;
        Stage(u, h / 2, _k1, _stage); Velocity(_stage, _k2);
        Stage(u, 3 * h / 4, _k2, _stage); Velocity(_stage, _k3);
        for (int i = 0; i < _p; i++) _next[i] = u[i] + h * (2.0 / 9 * _k1[i] + 1.0 / 3 * _k2[i] + 4.0 / 9 * _k3[i]);
        DirectionFlow.Normalize(_next);
        Velocity(_next, _k4);
        double sum = 0;
        for (int i = 0; i < _p; i++)
        {
            double e = h * (-5.0 / 72 * _k1[i] + 1.0 / 12 * _k2[i] + 1.0 / 9 * _k3[i] - 1.0 / 8 * _k4[i]);
            sum += e * e;
        }
        error = Math.Sqrt(sum);
        suggested = h * Math.Clamp(0.9 * Math.Cbrt(tolerance / Math.Max(error, 1e-300)), 0.2, 4.0);
        // Stay inside the method's stability interval (about 2.5 / lambda on the negative axis): near the limit the
        // error estimate alone lets h grow until a decaying mode turns unstable and the direction hovers at the
        // tolerance around its fixed point (measured: 1e-7 rad for linear models at tolerance 1e-7). lambda is
        // estimated as ||k4 - k1|| / ||u_next - u|| along the step (Hairer and Wanner's stiffness estimate).
        double moved = 0, change = 0;
        for (int i = 0; i < _p; i++)
        {
            moved += (_next[i] - u[i]) * (_next[i] - u[i]);
            change += (_k4[i] - _k1[i]) * (_k4[i] - _k1[i]);
        }
        if (moved > 0 && change > 0) suggested = Math.Min(suggested, StabilityLimit * Math.Sqrt(moved / change));
        if (!(error <= tolerance)) { Velocity(u, _k1); return false; }
        // A point that crossed the active margin well inside the step: retry with the step cut at the crossing.
        double fraction = Crossing(u);
        if (fraction < 1)
        {
            suggested = h * Math.Max(0.05, fraction);
            Velocity(u, _k1);
            return false;
        }
        _next.CopyTo(Direction, 0);
        UpdateActiveSet();
        Project(Direction);
        Velocity(Direction, _k1);
        return true;
    }

    // The smallest fraction of the step at which a point outside the active set met the active margin, if one ended
    // more than OvershootTolerance below it (linear in the margins' gaps at the two ends); 1 otherwise. _mu holds the
    // margins at _next (the last Velocity call) on entry.
    private double Crossing(double[] u)
    {
        var end = _mu.ToArray();
        double endMargin = _activeMargin;
        double fraction = 1;
        bool over = false;
        for (int n = 0; n < _n; n++)
            if (!_active.Contains(n) && end[n] - endMargin < -OvershootTolerance) over = true;
        if (!over) return 1;
        Velocity(u, _k1);
        for (int n = 0; n < _n; n++)
        {
            if (_active.Contains(n)) continue;
            double before = _mu[n] - _activeMargin, after = end[n] - endMargin;
            if (after < -OvershootTolerance && before > 0) fraction = Math.Min(fraction, before / (before - after));
        }
        return Math.Min(fraction, 0.999);
    }

    // At the new direction (margins and weights of its Velocity call in _mu, _lambda): points at the active margin
    // join,
    // unweighted points above it leave.
    private void UpdateActiveSet()
    {
        var next = new List<int>();
        for (int j = 0; j < _active.Count; j++)
            if (_lambda[j] > 0 || _mu[_active[j]] - _activeMargin <= LeaveTolerance) next.Add(_active[j]);
        for (int n = 0; n < _n; n++)
            if (!_active.Contains(n) && _mu[n] - _activeMargin <= JoinTolerance) next.Add(n);
        next.Sort();
        if (!next.SequenceEqual(_active)) { _active = next; Velocity(Direction, _k1); }
    }

    // _stage = normalize(u + a k).
    private void Stage(double[] u, double a, double[] k, double[] stage)
    {
        for (int i = 0; i < _p; i++) stage[i] = u[i] + a * k[i];
        DirectionFlow.Normalize(stage);
    }

    /// <summary>du/dtau = B p / (nu^2 mu . p) at u over the active set, p the minimum-norm point's weights; sets the
    /// margins, the weights and the active margin.</summary>
    public void Velocity(ReadOnlySpan<double> u, Span<double> velocity)
    {
        _flow.Margins(u, _mu);
        int m = _active.Count;
        if (_rows.Length < m * _p) _rows = new double[m * _p];
        _flow.TangentGradients(u, _active, _rows);
        var rows = m * _p == _rows.Length ? _rows : _rows[..(m * _p)];
        var guess = new List<int>();
        for (int j = 0; j < _lambda.Length && j < m; j++) if (_lambda[j] > 0) guess.Add(j);
        var wolfe = MinNormPoint.Solve(rows, m, _p, relativeTolerance: 1e-15, zeroTolerance: 0, corralGuess: guess);
        _lambda = wolfe.Lambda;
        double margin = 0;
        for (int j = 0; j < m; j++) margin += _lambda[j] * _mu[_active[j]];
        _activeMargin = margin;
        double scale = 1.0 / (_nu * _nu * margin);
        for (int i = 0; i < _p; i++) velocity[i] = scale * wolfe.Point[i];
    }

    // Gauss-Newton onto the manifold where the weighted active points share one margin: the minimum-norm tangent
    // correction delta = B^T a with (B B^T) a = t - mu over the weighted points, t their weighted mean (the choice
    // that minimizes ||delta||), by a pseudo-inverse; two passes.
    private void Project(double[] u)
    {
        for (int pass = 0; pass < 2; pass++)
        {
            var weighted = new List<int>();
            for (int j = 0; j < _active.Count; j++) if (_lambda[j] > 0) weighted.Add(j);
            int m = weighted.Count;
            if (m < 2) return;
            double worst = 0;
            var residual = new double[m];
            for (int a = 0; a < m; a++)
            {
                residual[a] = _activeMargin - _mu[_active[weighted[a]]];
                worst = Math.Max(worst, Math.Abs(residual[a]));
            }
            if (worst <= 1e-15 * Math.Abs(_activeMargin)) return;
            var points = weighted.Select(j => _active[j]).ToList();
            var rows = new double[m * _p];
            _flow.TangentGradients(u, points, rows);
            var gram = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(m, m);
            for (int a = 0; a < m; a++)
                for (int b = a; b < m; b++)
                    gram[a, b] = gram[b, a] = Simd.Dot(rows.AsSpan(a * _p, _p), rows.AsSpan(b * _p, _p));
            var coefficients = gram.PseudoInverse()
                * MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(residual);
            Array.Clear(_correction);
            for (int a = 0; a < m; a++)
                for (int i = 0; i < _p; i++) _correction[i] += coefficients[a] * rows[a * _p + i];
            for (int i = 0; i < _p; i++) u[i] += _correction[i];
            DirectionFlow.Normalize(u);
            Velocity(u, _k1);
        }
    }
}
