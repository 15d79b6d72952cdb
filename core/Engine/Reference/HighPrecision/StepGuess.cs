namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>Starting stage values for Newton's iteration from known states of a step (the start, and the stages of a
/// step already taken): their interpolating polynomial in time for the slow motion, and for the stiff part the
/// exponents s (mu_n - mu_r) of the points that carry weight at the start. (docs/late-phase.md, "StepGuess")</summary>
public sealed class StepGuess
{
    private readonly FlowField _field;
    private readonly BigFloat[] _nodes;       // times of the known states, in units of h from tau
    private readonly BigFloat[][] _states;
    private readonly BigFloat[][] _exponents; // per known state, s (mu_n - mu_r) for n in _others
    private readonly BigFloat _tau, _h;
    private readonly int _reference;
    private readonly int[] _others;

    /// <summary>Known states <paramref name="states"/> at times tau + nodes * h; the first is the start.</summary>
    public StepGuess(FlowField field, BigFloat tau, BigFloat h, BigFloat[] nodes, BigFloat[][] states)
    {
        _field = field; _tau = tau; _h = h; _nodes = nodes; _states = states;
        var mu = field.Margins(BigVector.Normalize(states[0]));
        var scale = BigFloatMath.Exp(tau);
        var active = field.Active(mu, scale);
        _reference = Enumerable.Range(0, mu.Length).Aggregate((a, b) => mu[b] < mu[a] ? b : a);
        _others = Enumerable.Range(0, mu.Length).Where(n => active[n] && n != _reference).ToArray();
        _exponents = new BigFloat[states.Length][];
        for (int k = 0; k < states.Length; k++)
        {
            var s = BigFloatMath.Exp(tau + nodes[k] * h);
            var gaps = SlidingProjection.Gaps(field, states[k], _reference, _others);
            _exponents[k] = gaps.Select(g => s * g).ToArray();
        }
    }

    /// <summary>A guess from the start alone: the start, with its exponents kept (gaps scaled by e^-(t -
    /// tau)).</summary>
    public static StepGuess FromStart(FlowField field, BigFloat tau, BigFloat h, BigFloat[] start) =>
        new(field, tau, h, [BigFloat.Zero(start[0].Precision)], [start]);

    /// <summary>The guess at time tau + theta h.</summary>
    public BigFloat[] At(BigFloat theta)
    {
        int count = _nodes.Length, p = _states[0][0].Precision;
        var weights = new BigFloat[count];
        for (int k = 0; k < count; k++)
        {
            var w = BigFloat.One(p);
            for (int m = 0; m < count; m++)
                if (m != k) w = w * (theta - _nodes[m]) / (_nodes[k] - _nodes[m]);
            weights[k] = w;
        }
        var slow = BigVector.Zeros(_states[0].Length, p);
        for (int k = 0; k < count; k++) slow = BigVector.AddScaled(slow, weights[k], _states[k]);
        if (_others.Length == 0) return slow;
        var scale = BigFloatMath.Exp(_tau + theta * _h);
        var target = new BigFloat[_others.Length];
        for (int a = 0; a < target.Length; a++)
        {
            var x = BigFloat.Zero(p);
            for (int k = 0; k < count; k++) x += weights[k] * _exponents[k][a];
            target[a] = x / scale;
        }
        var gradients = SlidingProjection.GapGradients(_field, slow, _reference, _others);
        return SlidingProjection.Apply(_field, slow, BigVector.Zeros(slow.Length, p), _reference, _others, gradients,
            target);
    }
}
