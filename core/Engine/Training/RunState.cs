using ImplicitBias.Engine.Numerics;
using System.Runtime.CompilerServices;
using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Training;

/// <summary>The control of one training run (everything of <see cref="GradientDescent"/> but the arithmetic of a step):
/// the scale w = 2^k w' with its exact power-of-two rescaling, the margin scale cap, the settling floor on its own log
/// schedule, records on a log schedule, the stopping rules. (docs/training.md, "RunState")</summary>
public sealed class RunState
{
    private readonly Stepper _kernel;
    private readonly TrainingSettings _settings;
    private readonly Action<TrainingRecord>? _onRecord;
    private readonly CancellationToken _cancel;
    private readonly double _dataScale;
    private readonly Func<TrainingRecord, bool>? _converged;
    private readonly double[] _z, _beta, _floorBeta;
    private readonly double _scale2;
    private readonly double _handOverLogLoss; // -e^(hand-over theta) of the late phase; NaN without one
    private readonly int _nu;
    private static readonly double Ln2 = Math.Log(2);
    private readonly List<TrainingRecord> _records = [];
    private readonly LogSchedule _schedule, _floorSchedule;
    private readonly StepFloor? _floor;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double[]? _previousDirection;
    private long _step, _k, _previousK, _marginK; // w = 2^k w'; the margin scale is that of k = _marginK
    private double _marginScale = 1, _logLossAtScale, _parameterNormSquared, _logLoss, _lastMultiplier;
    private bool _midpoint;
    private TrainingOutcome _outcome;

    /// <summary>A run on <paramref name="kernel"/> (its parameters are the start); <paramref name="data"/> is the data
    /// the kernel was built on, <paramref name="dataScale"/> R says it is the input divided by R
    /// (<see cref="UnitScale"/>).</summary>
    public RunState(Stepper kernel, Dataset data, TrainingSettings settings, Action<TrainingRecord>? onRecord = null,
        CancellationToken cancel = default, double dataScale = 1, Func<TrainingRecord, bool>? converged = null)
    {
        if (kernel.Dimension != data.Dimension)
            throw new ArgumentException($"kernel {kernel.Name} is for D = {kernel.Dimension} but dataset " +
                                        $"{data.Name} has D = {data.Dimension}.");
        _kernel = kernel; _settings = settings; _onRecord = onRecord; _cancel = cancel; _dataScale =
            dataScale; _converged = converged;
        _z = data.SignedFeatures();
        _scale2 = Math.Pow(data.MaxPointNorm(), 2);
        _nu = kernel.Degree;
        _handOverLogLoss = settings.Late is { } late ? -Math.Exp(late.HandOverTheta) : double.NaN;
        _beta = new double[kernel.Dimension];
        _floorBeta = new double[kernel.Dimension];
        _schedule = new LogSchedule(settings.RecordsPerDecade);
        _floor = (settings.Step as SettlingStep)?.Start();
        // The settling floor looks at the direction on its own log-spaced schedule, so that the iterates do
        // not depend on how often the caller records.
        _floorSchedule = new LogSchedule(StepFloor.ObservationsPerDecade);
    }

    /// <summary>The margin factor 2^(nu k), capped, that the kernel's next Evaluate takes (set by
    /// <see cref="Prepare"/>).</summary>
    public double MarginScale => _marginScale;
    /// <summary>The multiplier of the next Step (set by <see cref="AfterGradient"/>).</summary>
    public double Multiplier => _lastMultiplier;
    /// <summary>Whether the next step is a midpoint step (SettlingStep.Midpoint while the cap binds; set by
    /// <see cref="AfterGradient"/>): the kernel steps by Multiplier/2, takes the gradient there, steps back, then steps
    /// by Multiplier with that gradient. (docs/training.md, "RunState.Midpoint")</summary>
    public bool Midpoint => _midpoint;
    /// <summary>Set once the run has stopped.</summary>
    public TrainingResult? Result { get; private set; }

    // The true log L: above the cap, the kernel's value at the capped scale times the rest of 2^(nu k),
    // exactly (log L is then -2^(nu k) times a margin); below it, the value itself (margins ~ 0, log L ~ log N).
    private double TrueLogLoss() => _nu * _k > GradientDescent.MarginScaleCap ? ScaledStep.Power2(_logLossAtScale,
        _nu * _k - GradientDescent.MarginScaleCap) : _logLossAtScale;

    /// <summary>Phase 1: given ||w'||^2 of the current parameters (the kernel's ParameterNormSquared), keeps ||w'|| in
    /// [1/2, 2] by exact powers of two (rescaling the kernel) and sets <see cref="MarginScale"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Prepare(double parameterNormSquared, bool rescale = true)
    {
        _parameterNormSquared = parameterNormSquared;
        if (rescale && !(_parameterNormSquared >= 1e-280 && _parameterNormSquared <= 1e280))
        {
            // ||w'||^2 left (or nearly left) the double range, as a start at scale 1e200 or 1e-200 does:
            // bring the largest entry to about 1 first, from the parameters themselves.
            var w = new double[_kernel.ParameterCount];
            _kernel.CopyParameters(w);
            double largest = 0;
            foreach (var v in w) largest = Math.Max(largest, Math.Abs(v));
            if (largest > 0 && double.IsFinite(largest)) Rescale(Math.ILogB(largest));
            _parameterNormSquared = _kernel.ParameterNormSquared();
        }
        if (rescale && (_parameterNormSquared > 4 || _parameterNormSquared < 0.25) && _parameterNormSquared > 0
            && double.IsFinite(_parameterNormSquared))
        {
            int j = (int)Math.Round(0.5 * Math.Log2(_parameterNormSquared));
            Rescale(j);
            _parameterNormSquared = Math.ScaleB(_parameterNormSquared, -2 * j);
        }
        // Only large factors are capped (margins of 2^1000 and more decide nothing more); a factor below
        // 2^-1000 makes the margins vanish, where log L is log N whatever the factor: capped from below too,
        // and then not scaled back (TrueLogLoss).
        // the factor changes only with k (computed once per change: the hot loop of a batch is short)
        if (_k != _marginK)
        {
            _marginScale = Math.ScaleB(1.0,
                (int)Math.Clamp(_nu * _k, -GradientDescent.MarginScaleCap, GradientDescent.MarginScaleCap));
            _marginK = _k;
        }
    }

    private void Rescale(int j)
    {
        _kernel.Scale(Math.ScaleB(1.0, -j));
        _k += j;
    }

    /// <summary>Prepare and Evaluate on the run's own kernel (the rare paths; the hot loop calls the phases).</summary>
    private void Evaluate(bool rescale = true)
    {
        Prepare(_kernel.ParameterNormSquared(), rescale);
        _logLossAtScale = _kernel.Evaluate(_settings.Loss, _marginScale);
    }

    /// <summary>Phase 2: takes the kernel's log L at <see cref="MarginScale"/>; checks the stopping rules (stepping
    /// back from a non-finite iterate, landing on the log-loss target), records, shows the floor the direction. False
    /// when the run has stopped (<see cref="Result"/> is then set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool AfterEvaluate(double logLossAtScale)
    {
        _logLossAtScale = logLossAtScale;
        if (!double.IsFinite(_logLossAtScale) || !_kernel.PredictorIsFinite()
            || !double.IsFinite(_parameterNormSquared))
        {
            // Divergence: step back to the last finite iterate (in its own scale 2^previousK) and stop there.
            // (Before the first step there is nothing to go back to: the start itself is recorded.)
            if (_step > 0)
            {
                _kernel.StepBack();
                _k = _previousK;
                Evaluate();
                _step--;
            }
            return Stop(TrainingOutcome.NonFinite);
        }
        _logLoss = TrueLogLoss();
        var target = _settings.LogLossTarget;
        if (_logLoss <= target && target > double.NegativeInfinity)
        {
            if (_step > 0) LandOnTarget();
            return Stop(TrainingOutcome.LossTargetReached);
        }
        // never true without a late phase (NaN)
        if (_logLoss <= _handOverLogLoss) return Stop(TrainingOutcome.HandOver);
        if (_step >= _settings.MaxSteps) return Stop(TrainingOutcome.StepLimit);
        if ((_step & 15) == 0
            && _clock.Elapsed.TotalSeconds >= _settings.TimeLimitSeconds) return Stop(TrainingOutcome.TimeLimit);
        if ((_step & 15) == 0 && _cancel.IsCancellationRequested) return Stop(TrainingOutcome.Cancelled);
        if (_step == _schedule.Next)
        {
            var record = Record();
            _schedule.Advance(_step);
            if (_converged is not null && _converged(record)) return Finish(TrainingOutcome.Converged);
        }
        if (_floor is not null && _step == _floorSchedule.Next)
        {
            // theta = log(-log L) from the parts, also where log L itself is not a double.
            double theta = _logLossAtScale < 0 ? Math.Log(-_logLossAtScale) + Math.Max(0,
                _nu * _k - GradientDescent.MarginScaleCap) * Ln2 : double.NaN;
            _kernel.CopyBeta(_floorBeta);
            _floor.Observe(theta, Geometry.Normalize(_floorBeta));
            _floorSchedule.Advance(_step);
        }
        return true;
    }

    /// <summary>Phase 3: takes ||grad||^2 from the kernel's Gradient and sets <see cref="Multiplier"/>; false when the
    /// run has stopped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool AfterGradient(double gradientNormSquared)
    {
        if (!double.IsFinite(gradientNormSquared)) return Stop(TrainingOutcome.NonFinite);
        _lastMultiplier = _floor is null
            ? _settings.Step.Multiplier(_logLoss, _parameterNormSquared, gradientNormSquared, _nu, _scale2, _k)
            : _floor.Step(_logLoss, _parameterNormSquared, gradientNormSquared, _nu, _k, out _midpoint);
        _previousK = _k;
        return true;
    }

    /// <summary>Phase 4: the kernel took the step with <see cref="Multiplier"/>.</summary>
    public void AfterStep() => _step++;

    /// <summary>The whole loop on the run's own kernel (a run alone).</summary>
    public TrainingResult Run()
    {
        while (true)
        {
            Prepare(_kernel.ParameterNormSquared());
            if (!AfterEvaluate(_kernel.Evaluate(_settings.Loss, _marginScale))) break;
            if (!AfterGradient(_kernel.Gradient())) break;
            // Explicit midpoint rule (SettlingStep.Midpoint): the gradient at w - (s/2) grad, then w <- w - s times it,
            // at the margin scale of w (a half step does not rescale; nothing reads the midpoint's log L or norms).
            if (_midpoint) _kernel.MidpointStep(_settings.Loss, _marginScale, _lastMultiplier);
            else _kernel.Step(_lastMultiplier);
            AfterStep();
        }
        return Result!;
    }

    private bool Stop(TrainingOutcome outcome)
    {
        Record();
        return Finish(outcome);
    }

    private bool Finish(TrainingOutcome outcome)
    {
        _outcome = outcome;
        var w = new double[_kernel.ParameterCount];
        _kernel.CopyParameters(w);
        var final = _records[^1];
        Result = new TrainingResult(_outcome, _step, _clock.Elapsed.TotalSeconds, Geometry.Normalize(w),
            final.LogParameterNorm,
            Geometry.Normalize(_beta), final.LogBetaNorm, _records,
            LogUnitScaledParameterNorm: 0.5 * Math.Log(_parameterNormSquared) + _k * Ln2);
        return false;
    }

    private TrainingRecord Record()
    {
        _kernel.CopyBeta(_beta); // P(w')
        double norm = Geometry.Norm(_beta);
        var direction = Geometry.Normalize(_beta);
        double angle = _previousDirection is null ? double.NaN : Geometry.Angle(_previousDirection, direction);
        _previousDirection = direction;
        // beta = 0 has no direction, norm or margin: NaN, written as empty cells / null.
        double margin = double.NaN, smoothed = double.NaN, logNorm = double.NaN;
        long nuK = _nu * _k;
        if (norm > 0)
        {
            // Input coordinates: beta_in = 2^(nu k) P(w') / R. Above the cap -log L = 2^(nu k - cap) (-log L at
            // scale), below it -log L is the value at scale; so -log L / ||beta_in|| = that / (2^(nu k) ||P(w')|| / R).
            margin = Geometry.NormalizedMargin(_z, _beta) * _dataScale;
            // 2^rest: the part of 2^(nu k) not in -log L
            long rest = nuK > GradientDescent.MarginScaleCap ? GradientDescent.MarginScaleCap : nuK;
            // -log L at scale may be near 1e300, 2^-rest far outside the range
            smoothed = ScaledStep.Quotient(-_logLossAtScale, norm, _dataScale, -rest);
            logNorm = Math.Log(norm) + nuK * Ln2 - Math.Log(_dataScale);
        }
        double logW = _parameterNormSquared > 0 ? 0.5 * Math.Log(_parameterNormSquared) + _k * Ln2
            - Math.Log(_dataScale) / _nu : double.NaN;
        var record = new TrainingRecord(_step, _clock.Elapsed.TotalSeconds, TrueLogLoss(), logNorm, smoothed, margin,
            logW, angle,
            _settings.RecordDirections ? direction : null,
            _settings.RecordDirections ? UnitaryDft.Magnitudes(direction) : null);
        _records.Add(record);
        _onRecord?.Invoke(record);
        return record;
    }

    // The last step crossed the log-loss target: redo it as the fraction f of itself that lands on the
    // target (regula falsi, Illinois variant, on f in [0, 1]), so that runs compared "at equal loss"
    // are compared at the same loss, not at wherever their last steps happened to end.
    private void LandOnTarget()
    {
        double target = _settings.LogLossTarget;
        _kernel.StepBack(); // the iterate before the crossing step, as it was then: in the scale 2^previousK
        _k = _previousK;
        Evaluate(rescale: false);
        _kernel.Gradient();
        double lo = 0, hi = 1, fLo = TrueLogLoss() - target, fHi;
        double At(double f) { _kernel.Step(_lastMultiplier * f); Evaluate(rescale: false); double v = TrueLogLoss()
            - target; _kernel.StepBack(); return v; }
        fHi = At(1);
        int side = 0;
        for (int i = 0; i < 100 && hi - lo > 1e-15; i++)
        {
            double f = double.IsFinite(fLo) && double.IsFinite(fHi) && fLo != fHi ? (lo * fHi - hi * fLo) / (fHi - fLo)
                : 0.5 * (lo + hi);
            if (!(f > lo && f < hi)) f = 0.5 * (lo + hi);
            double v = At(f);
            if (v > 0) { lo = f; fLo = v; if (side == -1) fHi *= 0.5; side = -1; }
            else { hi = f; fHi = v; if (side == 1) fLo *= 0.5; side = 1; if (v == 0) break; }
        }
        _kernel.Step(_lastMultiplier * hi); // the smallest fraction found at or below the target
        Evaluate(rescale: false);
    }
}
