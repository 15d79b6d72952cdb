using ImplicitBias.Engine.Numerics;
using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Networks;

namespace ImplicitBias.Engine.Training.Late;

/// <summary>The late phase of a run: from the explicit rule's hand-over (the data fit, theta = log(-log L) at
/// <see cref="LatePhaseSettings.HandOverTheta"/>) the gradient flow is followed in the clock tau = log ||w||^nu by
/// <see cref="StiffFlowStepper"/>. (docs/late-phase.md, "LatePhase")</summary>
public sealed class LatePhase
{
    private readonly IParameterization _model;
    private readonly Dataset _data;
    private readonly double _dataScale;
    private readonly TrainingSettings _settings;
    private readonly LatePhaseSettings _late;
    private readonly Action<TrainingRecord>? _onRecord;
    private readonly CancellationToken _cancel;
    private readonly Func<TrainingRecord, bool>? _converged;
    private readonly TrainingResult _explicit;
    private readonly List<TrainingRecord> _records;
    private readonly DirectionFlow _flow;
    private readonly double[] _z;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly LogSchedule _schedule;
    private double _nextThetaRecord;
    private double[]? _previousDirection;
    private long _step, _stiffSteps, _slidingSteps, _rejected;
    private double _slidingFrom = double.NaN;

    private LatePhase(IParameterization model, Dataset data, double dataScale, TrainingSettings settings,
        TrainingResult handOver, Action<TrainingRecord>? onRecord, CancellationToken cancel,
            Func<TrainingRecord, bool>? converged)
    {
        _model = model; _data = data; _dataScale = dataScale; _settings = settings; _late = settings.Late!;
        _onRecord = onRecord; _cancel = cancel; _converged = converged; _explicit = handOver;
        _records = handOver.Records.ToList();
        _z = data.SignedFeatures();
        _flow = new DirectionFlow(FlowModel(model), _z);
        _step = handOver.Steps;
        _schedule = new LogSchedule(settings.RecordsPerDecade);
        _schedule.Advance(_step);
        _previousDirection = handOver.Direction;
        _nextThetaRecord = handOver.Final.LogNegativeLogLoss * ThetaRecordFactor;
    }

    /// <summary>Continues <paramref name="handOver"/> (outcome <see cref="TrainingOutcome.HandOver"/>) on
    /// <paramref name="data"/>, the unit-scaled data it was trained on (<paramref name="dataScale"/> R as in
    /// <see cref="GradientDescent.Run"/>), and returns the whole run's result.</summary>
    public static TrainingResult Continue(IParameterization model, Dataset data, double dataScale,
        TrainingSettings settings,
        TrainingResult handOver, Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default,
        Func<TrainingRecord, bool>? converged = null)
    {
        if (handOver.Outcome != TrainingOutcome.HandOver || settings.Late is null)
            throw new ArgumentException("the late phase continues a run that handed over (outcome HandOver, " +
                                        "settings with Late).");
        return new LatePhase(model, data, dataScale, settings, handOver, onRecord, cancel, converged).Run();
    }

    /// <summary>The model the flow is evaluated with (<see cref="INetworkFamily.FlowModel"/>).</summary>
    public static IParameterization FlowModel(IParameterization model) =>
        NetworkFamilies.Of(model)?.FlowModel(model) ?? model;

    /// <summary>Below this speed ||du/dtau|| the direction is at its limit (outcome Stationary): what is left to move
    /// is at most the speed over the rate of approach, 1e-9 rad for rates of 0.001 and more.
    /// (docs/late-phase.md, "LatePhase.StationarySpeed")</summary>
    public const double StationarySpeed = 1e-12;

    /// <summary>A speed below this that has not fallen for <see cref="FloorSteps"/> sliding steps is the rounding floor
    /// of the speed itself (measured 1e-14 to 1e-13 on small runs, higher on some deep ones): the direction is at its
    /// limit to at most that speed over the rate of approach (outcome Stationary).</summary>
    public const double FloorSpeed = 1e-10;
    /// <summary>Sliding steps without a new smallest speed that make a speed below <see cref="FloorSpeed"/> a
    /// floor.</summary>
    public const int FloorSteps = 2000;

    // The smallest speed so far and the sliding steps since it was reached.
    private double _slowest = double.PositiveInfinity;
    private long _sinceSlowest;

    private bool AtSpeedFloor(double speed)
    {
        if (speed < _slowest) { _slowest = speed; _sinceSlowest = 0; return false; }
        return ++_sinceSlowest >= FloorSteps && speed < FloorSpeed;
    }

    // Rounding jitter around the limit (a Stationary test).
    private readonly JitterWindow _jitter = new();

    /// <summary>The longest sliding step in tau: a clock for directions that no longer move.</summary>
    public const double MaxSlidingStep = 100;

    /// <summary>theta records are log-spaced with this ratio (twenty per decade).</summary>
    private static readonly double ThetaRecordFactor = Math.Pow(10, 0.05);

    private double Seconds => _explicit.Seconds + _clock.Elapsed.TotalSeconds;
    private double ThetaTarget => Math.Min(_settings.ThetaTarget,
        _settings.LogLossTarget > double.NegativeInfinity ? Math.Log(-_settings.LogLossTarget)
            : double.PositiveInfinity);

    private TrainingResult Run()
    {
        int nu = _model.Degree;
        var u = _explicit.Parameters.ToArray();
        // tau = nu log ||w|| in the unit-scaled data's coordinates (records carry log ||w|| in the input's).
        double tau = nu * (double.IsFinite(_explicit.LogUnitScaledParameterNorm)
            ? _explicit.LogUnitScaledParameterNorm
            : _explicit.LogParameterNorm + Math.Log(_dataScale) / nu);
        var stiff = new StiffFlowStepper(_flow, _settings.Loss);
        double theta = stiff.Evaluate(u, tau), h = 1e-3, target = ThetaTarget;
        var next = new double[u.Length];
        TrainingOutcome? outcome = null;
        while (outcome is null && theta < _late.SlidingTheta)
        {
            if ((outcome = Stops(theta, target)) is not null) break;
            double error = stiff.Step(u, tau, h, next), tolerance = _late.StiffTolerance(theta);
            double factor = Math.Clamp(0.9 * Math.Cbrt(tolerance / Math.Max(error, 1e-300)), 0.2, 4.0);
            if (!double.IsFinite(error)) { outcome = TrainingOutcome.NonFinite; break; }
            if (error > tolerance) { h *= factor; _rejected++; continue; }
            double reached = stiff.Evaluate(next, tau + h);
            if (reached > target + 1e-12) { h *= Math.Clamp((target - theta) / (reached - theta), 0.01,
                0.999); _rejected++; continue; }
            next.CopyTo(u, 0); tau += h; theta = reached; _step++; _stiffSteps++; h *= factor;
            if (Recorded(u, tau,
                theta) is { } r && _converged is not null && _converged(r)) outcome = TrainingOutcome.Converged;
            if (h < 1e-13) outcome = TrainingOutcome.NonFinite;
        }
        SlidingFlowStepper? sliding = null;
        if (outcome is null)
        {
            var active = SlidingFlowStepper.ActiveAt(_flow, u, tau);
            sliding = new SlidingFlowStepper(_flow, u, active);
            _slidingFrom = theta;
            theta = tau + Math.Log(sliding.ActiveMargin);
        }
        while (outcome is null && sliding is not null)
        {
            if ((outcome = Stops(theta, target)) is not null) break;
            // theta moves with tau to first order: lands on the target. At most MaxSlidingStep: at a direction that is
            // stationary to rounding (a KKT point reached exactly, as two points in D = 2 do) the error estimate is 0.
            double step = Math.Min(Math.Min(h, MaxSlidingStep), Math.Max(target - theta, 1e-12));
            var before = sliding.Save();
            if (!sliding.TryStep(step, _late.Tolerance, out double error, out double suggested))
            {
                if (!double.IsFinite(error)) { outcome = TrainingOutcome.NonFinite; break; }
                h = suggested; _rejected++;
                if (h < 1e-13) outcome = TrainingOutcome.NonFinite;
                continue;
            }
            double reached = tau + step + Math.Log(sliding.ActiveMargin);
            if (reached > target + 1e-12 * Math.Max(1, target))
            {
                // Passed the target: back, and retry with the step that lands on it (secant in tau).
                sliding.Restore(before);
                h = step * Math.Clamp((target - theta) / (reached - theta), 0.01, 0.999);
                _rejected++;
                continue;
            }
            tau += step; theta = reached; h = suggested; _step++; _slidingSteps++;
            if (Recorded(sliding.Direction, tau,
                theta) is { } r && _converged is not null && _converged(r)) outcome = TrainingOutcome.Converged;
            // Not short-circuited: the floor and jitter tests count every step.
            else if (sliding.Speed < StationarySpeed | AtSpeedFloor(sliding.Speed)
                     | _jitter.Add(sliding.Direction, sliding.Speed))
                outcome = TrainingOutcome.Stationary;
        }
        var final = sliding?.Direction ?? u;
        if (_records[^1].Step != _step) Record(final, tau, theta);
        var beta = Geometry.Normalize(_model.Predictor(final));
        var last = _records[^1];
        var summary = new LatePhaseSummary(_explicit.Steps, _explicit.Final.LogNegativeLogLoss, _stiffSteps,
            _slidingSteps, _rejected,
            _slidingFrom, sliding?.Active.Count ?? 0, sliding?.ActiveWeights.Count(w => w > 0) ?? 0,
                _clock.Elapsed.TotalSeconds,
            sliding?.Speed ?? double.NaN);
        return new TrainingResult(outcome ?? TrainingOutcome.NonFinite, _step, Seconds, final.ToArray(),
            last.LogParameterNorm, beta,
            last.LogBetaNorm, _records, summary);
    }

    private TrainingOutcome? Stops(double theta, double target)
    {
        if (theta >= target - 1e-12) return TrainingOutcome.LossTargetReached;
        if (_step >= _settings.MaxSteps) return TrainingOutcome.StepLimit;
        if (Seconds >= _settings.TimeLimitSeconds) return TrainingOutcome.TimeLimit;
        if (_cancel.IsCancellationRequested) return TrainingOutcome.Cancelled;
        return null;
    }

    // A record when the step count or theta reached its schedule; null otherwise.
    private TrainingRecord? Recorded(double[] u, double tau, double theta)
    {
        if (_step < _schedule.Next && theta < _nextThetaRecord) return null;
        _schedule.Advance(_step);
        while (_nextThetaRecord <= theta) _nextThetaRecord *= ThetaRecordFactor;
        return Record(u, tau, theta);
    }

    /// <summary>The record at direction u, clock tau and theta, in the input's coordinates (as <see cref="RunState"/>
    /// records).</summary>
    private TrainingRecord Record(double[] u, double tau, double theta)
    {
        var beta = _model.Predictor(u);
        double norm = Geometry.Norm(beta);
        var direction = Geometry.Normalize(beta);
        double angle = _previousDirection is null ? double.NaN : Geometry.Angle(_previousDirection, direction);
        _previousDirection = direction;
        int nu = _model.Degree;
        double logBetaNorm = tau + Math.Log(norm) - Math.Log(_dataScale);
        double logW = tau / nu - Math.Log(_dataScale) / nu;
        double margin = Geometry.NormalizedMargin(_z, beta) * _dataScale;
        var record = new TrainingRecord(_step, Seconds, -Math.Exp(theta), logBetaNorm, Math.Exp(theta - logBetaNorm),
            margin, logW, angle,
            _settings.RecordDirections ? direction : null,
            _settings.RecordDirections ? UnitaryDft.Magnitudes(direction) : null);
        _records.Add(record);
        _onRecord?.Invoke(record);
        return record;
    }
}
