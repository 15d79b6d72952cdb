using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Models;
using ImplicitBias.Engine.Training.Kernels;

namespace ImplicitBias.Engine.Training;

/// <summary>
/// Gradient descent on L_P(w) = sum_n l(y_n &lt;x_n, P(w)&gt;) (eq. 4, 7) for any parameterization,
/// with the step rule of the settings, log-spaced records and three stopping rules (steps, wall
/// clock, log-loss target). Deterministic: the same model, data, initial w and settings give the
/// same iterates bit for bit (also whatever the number of threads). Allocates only when recording.
/// The numerics of a step live in a <see cref="StepKernel"/>: <see cref="Train"/> uses the fastest
/// one for the model (<see cref="StepKernels.Create"/>), <see cref="TrainGeneric"/> the generic one
/// (Predictor and PullBack of the parameterization), its slow twin; both run this same loop.
/// </summary>
public static class GradientDescent
{
    /// <summary>Trains from <paramref name="initial"/> (not modified) and returns the end state and the records.</summary>
    public static TrainingResult Train(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default)
    {
        Check(model, data, initial);
        using var kernel = StepKernels.Create(model, data, initial);
        return Run(kernel, data, settings, onRecord, cancel);
    }

    /// <summary>As <see cref="Train"/>, always with the generic kernel (the slow, obviously correct twin).</summary>
    public static TrainingResult TrainGeneric(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default)
    {
        Check(model, data, initial);
        using var kernel = new GenericStepKernel(model, data, initial);
        return Run(kernel, data, settings, onRecord, cancel);
    }

    private static void Check(IParameterization model, Dataset data, ReadOnlySpan<double> initial)
    {
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but dataset {data.Name} has D = {data.Dimension}.");
        if (initial.Length != model.ParameterCount)
            throw new ArgumentException($"model {model.Name} has {model.ParameterCount} parameters but the initial vector has {initial.Length}.");
    }

    /// <summary>log L below which leaving the double range means the margins outgrew it (RangeLimit), not divergence (NonFinite).</summary>
    public const double RangeLimitLogLoss = -1e100;

    private static TrainingOutcome OutOfRange(double lastFiniteLogLoss) =>
        lastFiniteLogLoss < RangeLimitLogLoss ? TrainingOutcome.RangeLimit : TrainingOutcome.NonFinite;

    /// <summary>The training loop over any kernel (which it does not dispose).</summary>
    public static TrainingResult Run(
        StepKernel kernel, Dataset data, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default)
    {
        if (kernel.Dimension != data.Dimension)
            throw new ArgumentException($"kernel {kernel.Name} is for D = {kernel.Dimension} but dataset {data.Name} has D = {data.Dimension}.");
        var z = data.SignedFeatures();
        double scale2 = Math.Pow(data.MaxPointNorm(), 2);
        var beta = new double[kernel.Dimension];

        var records = new List<TrainingRecord>();
        var schedule = new LogSchedule(settings.RecordsPerDecade);
        double[]? previousDirection = null;
        var clock = Stopwatch.StartNew();
        long step = 0;
        TrainingOutcome outcome;

        void Record(double logLoss)
        {
            kernel.CopyBeta(beta);
            var direction = Geometry.Normalize(beta);
            double angle = previousDirection is null ? double.NaN : Geometry.Angle(previousDirection, direction);
            previousDirection = direction;
            var record = new TrainingRecord(step, clock.Elapsed.TotalSeconds, logLoss,
                Geometry.NormalizedMargin(z, beta), Geometry.Norm(beta), Math.Sqrt(kernel.ParameterNormSquared()), angle,
                settings.RecordDirections ? direction : null,
                settings.RecordDirections ? UnitaryDft.Magnitudes(direction) : null);
            records.Add(record);
            onRecord?.Invoke(record);
        }

        while (true)
        {
            double logLoss = kernel.Evaluate(settings.Loss);
            if (!double.IsFinite(logLoss) || !kernel.PredictorIsFinite())
            {
                // Step back to the last finite iterate and stop there.
                kernel.StepBack();
                logLoss = kernel.Evaluate(settings.Loss);
                step--;
                outcome = OutOfRange(logLoss);
                Record(logLoss);
                break;
            }
            bool stop = true;
            if (logLoss <= settings.LogLossTarget) outcome = TrainingOutcome.LossTargetReached;
            else if (step >= settings.MaxSteps) outcome = TrainingOutcome.StepLimit;
            else if ((step & 15) == 0 && clock.Elapsed.TotalSeconds >= settings.TimeLimitSeconds) outcome = TrainingOutcome.TimeLimit;
            else if ((step & 15) == 0 && cancel.IsCancellationRequested) outcome = TrainingOutcome.Cancelled;
            else { stop = false; outcome = default; }
            if (stop) { Record(logLoss); break; }
            if (step == schedule.Next) { Record(logLoss); schedule.Advance(step); }

            double gradientNormSquared = kernel.Gradient(), parameterNormSquared = kernel.ParameterNormSquared();
            if (!double.IsFinite(gradientNormSquared) || !double.IsFinite(parameterNormSquared))
            {
                // ||w||^2 or ||grad||^2 left the double range (margins near 1e300 after geometric
                // growth, or 1e154 for a linear model): this state is finite but no step can be computed from it.
                outcome = OutOfRange(logLoss);
                Record(logLoss);
                break;
            }
            double s = settings.Step.Multiplier(logLoss, parameterNormSquared, gradientNormSquared, kernel.Degree, scale2);
            kernel.Step(s);
            step++;
        }
        var w = new double[kernel.ParameterCount];
        kernel.CopyParameters(w);
        kernel.CopyBeta(beta);
        return new TrainingResult(outcome, step, clock.Elapsed.TotalSeconds, w, beta, records);
    }
}
