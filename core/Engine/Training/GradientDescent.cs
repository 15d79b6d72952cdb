using System.Diagnostics;
using System.Numerics.Tensors;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Models;

namespace ImplicitBias.Engine.Training;

/// <summary>
/// Gradient descent on L_P(w) = sum_n l(y_n &lt;x_n, P(w)&gt;) (eq. 4, 7) for any parameterization,
/// with the step rule of the settings, log-spaced records and three stopping rules (steps, wall
/// clock, log-loss target). Deterministic: the same model, data, initial w and settings give the
/// same iterates bit for bit. Allocates only when recording.
/// </summary>
public static class GradientDescent
{
    /// <summary>Trains from <paramref name="initial"/> (not modified) and returns the end state and the records.</summary>
    public static TrainingResult Train(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default)
    {
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but dataset {data.Name} has D = {data.Dimension}.");
        if (initial.Length != model.ParameterCount)
            throw new ArgumentException($"model {model.Name} has {model.ParameterCount} parameters but the initial vector has {initial.Length}.");

        int d = data.Dimension, count = data.Count;
        var z = data.SignedFeatures();
        double scale2 = Math.Pow(data.MaxPointNorm(), 2);
        var w = initial.ToArray();
        var wPrevious = new double[w.Length];
        var beta = new double[d];
        var margins = new double[count];
        var weights = new double[count];
        var gradBeta = new double[d];
        var gradW = new double[w.Length];

        var records = new List<TrainingRecord>();
        var schedule = new LogSchedule(settings.RecordsPerDecade);
        double[]? previousDirection = null;
        var clock = Stopwatch.StartNew();
        long step = 0;
        TrainingOutcome outcome;

        void Record(double logLoss)
        {
            var direction = Geometry.Normalize(beta);
            double angle = previousDirection is null ? double.NaN : Geometry.Angle(previousDirection, direction);
            previousDirection = direction;
            var record = new TrainingRecord(step, clock.Elapsed.TotalSeconds, logLoss,
                Geometry.NormalizedMargin(z, beta), Geometry.Norm(beta), Geometry.Norm(w), angle,
                settings.RecordDirections ? direction : null,
                settings.RecordDirections ? UnitaryDft.Magnitudes(direction) : null);
            records.Add(record);
            onRecord?.Invoke(record);
        }

        double Evaluate()
        {
            model.Predictor(w, beta);
            for (int n = 0; n < count; n++) margins[n] = TensorPrimitives.Dot(z.AsSpan(n * d, d), beta);
            return settings.Loss.LogLossAndWeights(margins, weights);
        }

        while (true)
        {
            double logLoss = Evaluate();
            if (!double.IsFinite(logLoss) || !AllFinite(beta))
            {
                // Step back to the last finite iterate and stop there.
                wPrevious.CopyTo(w, 0);
                logLoss = Evaluate();
                step--;
                outcome = TrainingOutcome.NonFinite;
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

            // grad_beta log L = -sum_n weights_n y_n x_n ; then pull back through P.
            Array.Clear(gradBeta);
            for (int n = 0; n < count; n++) TensorPrimitives.MultiplyAdd(z.AsSpan(n * d, d), -weights[n], gradBeta, gradBeta);
            model.PullBack(w, gradBeta, gradW);
            double s = settings.Step.Multiplier(logLoss, TensorPrimitives.Dot<double>(w, w), model.Degree, scale2);
            w.CopyTo(wPrevious, 0);
            TensorPrimitives.MultiplyAdd(gradW, -s, w, w);
            step++;
        }
        return new TrainingResult(outcome, step, clock.Elapsed.TotalSeconds, w, beta.ToArray(), records);
    }

    private static bool AllFinite(ReadOnlySpan<double> v)
    {
        foreach (var x in v) if (!double.IsFinite(x)) return false;
        return true;
    }
}
