using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Models;
using ImplicitBias.Engine.Training.Kernels;

namespace ImplicitBias.Engine.Training;

/// <summary>
/// Gradient descent on L_P(w) = sum_n l(y_n &lt;x_n, P(w)&gt;) (eq. 4, 7) for any parameterization,
/// with the step rule of the settings, log-spaced records and three stopping rules (steps, wall
/// clock, log-loss target, and an optional convergence test at records). Deterministic: the same
/// model, data, initial w and settings give the same iterates bit for bit (also whatever the number
/// of threads). Allocates only when recording.
/// <para>No range wall. Margins grow without bound (geometrically under the default step rule), so
/// nothing is allowed to depend on their size as a double: the data is divided by its largest point
/// norm (<see cref="UnitScale"/>), and the parameters are carried as w = 2^k w' with ||w'|| kept
/// between 1/2 and 2 by exact power-of-two rescaling. The margins of w are 2^(nu k) those of w'
/// (nu the homogeneity degree); the kernel evaluates the loss at margins times that factor, capped
/// at 2^(+-1000): beyond it every weight exp(-2^1000 (m_n - m_min)) of a point not tied with the
/// smallest margin is 0 in doubles anyway, so weights, gradient and step are those of the true
/// scale, and log L = 2^(nu k - capped) times the value at the cap, exactly. The step rule works in
/// the same scaled coordinates (<see cref="StepRule.Multiplier"/>). Because every rescaling is by a
/// power of two, the iterates are bit for bit those of the unscaled iteration wherever that one is
/// representable.</para>
/// The numerics of a step live in a <see cref="StepKernel"/>: <see cref="Train"/> uses the fastest
/// one for the model (<see cref="StepKernels.Create"/>), <see cref="TrainGeneric"/> the generic one
/// (Predictor and PullBack of the parameterization), its slow twin; both run this same loop.
/// </summary>
public static class GradientDescent
{
    /// <summary>
    /// Trains from <paramref name="initial"/> (not modified) and returns the end state and the records.
    /// <paramref name="converged"/>, if given, is called at every record; true stops the run as
    /// <see cref="TrainingOutcome.Converged"/>.
    /// </summary>
    public static TrainingResult Train(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default, Func<TrainingRecord, bool>? converged = null)
    {
        Check(model, data, initial);
        var scaled = UnitScale.Of(data, out double dataScale);
        using var kernel = StepKernels.Create(model, scaled, initial);
        return Run(kernel, scaled, settings, onRecord, cancel, dataScale, converged);
    }

    /// <summary>As <see cref="Train"/>, always with the generic kernel (the slow, obviously correct twin).</summary>
    public static TrainingResult TrainGeneric(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default, Func<TrainingRecord, bool>? converged = null)
    {
        Check(model, data, initial);
        var scaled = UnitScale.Of(data, out double dataScale);
        using var kernel = new GenericStepKernel(model, scaled, initial);
        return Run(kernel, scaled, settings, onRecord, cancel, dataScale, converged);
    }

    private static void Check(IParameterization model, Dataset data, ReadOnlySpan<double> initial)
    {
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but dataset {data.Name} has D = {data.Dimension}.");
        if (initial.Length != model.ParameterCount)
            throw new ArgumentException($"model {model.Name} has {model.ParameterCount} parameters but the initial vector has {initial.Length}.");
    }

    /// <summary>The kernel's margin factor is capped at 2^(+-this) (see the class summary).</summary>
    public const int MarginScaleCap = 1000;

    /// <summary>
    /// The training loop over any kernel (which it does not dispose). <paramref name="data"/> is the
    /// data the kernel was built on; <paramref name="dataScale"/> R says it is the input divided by R
    /// (<see cref="UnitScale"/>), so that records are reported in the input's coordinates.
    /// </summary>
    public static TrainingResult Run(
        StepKernel kernel, Dataset data, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default, double dataScale = 1,
        Func<TrainingRecord, bool>? converged = null)
    {
        if (kernel.Dimension != data.Dimension)
            throw new ArgumentException($"kernel {kernel.Name} is for D = {kernel.Dimension} but dataset {data.Name} has D = {data.Dimension}.");
        var z = data.SignedFeatures();
        double scale2 = Math.Pow(data.MaxPointNorm(), 2);
        int nu = kernel.Degree;
        var beta = new double[kernel.Dimension];
        double ln2 = Math.Log(2);

        var records = new List<TrainingRecord>();
        var schedule = new LogSchedule(settings.RecordsPerDecade);
        double[]? previousDirection = null;
        var clock = Stopwatch.StartNew();
        long step = 0, k = 0; // w = 2^k w'
        var floor = (settings.Step as SettlingStep)?.Start();
        // The settling floor looks at the direction on its own log-spaced schedule, so that the iterates do
        // not depend on how often the caller records.
        var floorSchedule = new LogSchedule(StepFloor.ObservationsPerDecade);
        var floorBeta = new double[kernel.Dimension];
        double marginScale = 1, logLossAtScale = 0, parameterNormSquared = 0;
        TrainingOutcome outcome;

        // The true log L: above the cap, the kernel's value at the capped scale times the rest of 2^(nu k),
        // exactly (log L is then -2^(nu k) times a margin); below it, the value itself (margins ~ 0, log L ~ log N).
        double TrueLogLoss() => nu * k > MarginScaleCap ? ScaledStep.Power2(logLossAtScale, nu * k - MarginScaleCap) : logLossAtScale;

        TrainingRecord Record()
        {
            kernel.CopyBeta(beta); // P(w')
            double norm = Geometry.Norm(beta);
            var direction = Geometry.Normalize(beta);
            double angle = previousDirection is null ? double.NaN : Geometry.Angle(previousDirection, direction);
            previousDirection = direction;
            // beta = 0 has no direction, norm or margin: NaN, written as empty cells / null.
            double margin = double.NaN, smoothed = double.NaN, logNorm = double.NaN;
            if (norm > 0)
            {
                // Input coordinates: beta_in = 2^(nu k) P(w') / R. Above the cap -log L = 2^(nu k - cap) (-log L at
                // scale), below it -log L is the value at scale; so -log L / ||beta_in|| = that / (2^(nu k) ||P(w')|| / R).
                margin = Geometry.NormalizedMargin(z, beta) * dataScale;
                long rest = nu * k > MarginScaleCap ? MarginScaleCap : nu * k; // 2^rest: the part of 2^(nu k) not in -log L
                smoothed = ScaledStep.Power2(-logLossAtScale, -rest) / norm * dataScale; // scale down first: -log L at scale may be near 1e300
                logNorm = Math.Log(norm) + nu * k * ln2 - Math.Log(dataScale);
            }
            double logW = parameterNormSquared > 0 ? 0.5 * Math.Log(parameterNormSquared) + k * ln2 - Math.Log(dataScale) / nu : double.NaN;
            var record = new TrainingRecord(step, clock.Elapsed.TotalSeconds, TrueLogLoss(), logNorm, smoothed, margin, logW, angle,
                settings.RecordDirections ? direction : null,
                settings.RecordDirections ? UnitaryDft.Magnitudes(direction) : null);
            records.Add(record);
            onRecord?.Invoke(record);
            return record;
        }

        long previousK = 0;
        double lastMultiplier = 0;

        void Rescale(int j)
        {
            kernel.Scale(Math.ScaleB(1.0, -j));
            k += j;
        }

        void Evaluate(bool rescale = true)
        {
            // Keep ||w'|| in [1/2, 2] by exact powers of two.
            parameterNormSquared = kernel.ParameterNormSquared();
            if (rescale && !(parameterNormSquared >= 1e-280 && parameterNormSquared <= 1e280))
            {
                // ||w'||^2 left (or nearly left) the double range, as a start at scale 1e200 or 1e-200 does:
                // bring the largest entry to about 1 first, from the parameters themselves.
                var w = new double[kernel.ParameterCount];
                kernel.CopyParameters(w);
                double largest = 0;
                foreach (var v in w) largest = Math.Max(largest, Math.Abs(v));
                if (largest > 0 && double.IsFinite(largest)) Rescale(Math.ILogB(largest));
                parameterNormSquared = kernel.ParameterNormSquared();
            }
            if (rescale && (parameterNormSquared > 4 || parameterNormSquared < 0.25) && parameterNormSquared > 0 && double.IsFinite(parameterNormSquared))
            {
                int j = (int)Math.Round(0.5 * Math.Log2(parameterNormSquared));
                Rescale(j);
                parameterNormSquared = Math.ScaleB(parameterNormSquared, -2 * j);
            }
            // Only large factors are capped (margins of 2^1000 and more decide nothing more); a factor below
            // 2^-1000 makes the margins vanish, where log L is log N whatever the factor: capped from below too,
            // and then not scaled back (TrueLogLoss).
            marginScale = Math.ScaleB(1.0, (int)Math.Clamp(nu * k, -MarginScaleCap, MarginScaleCap));
            logLossAtScale = kernel.Evaluate(settings.Loss, marginScale);
        }

        // The last step crossed the log-loss target: redo it as the fraction f of itself that lands on the
        // target (regula falsi, Illinois variant, on f in [0, 1]), so that runs compared "at equal loss"
        // are compared at the same loss, not at wherever their last steps happened to end.
        void LandOnTarget()
        {
            double target = settings.LogLossTarget;
            kernel.StepBack(); // the iterate before the crossing step, as it was then: in the scale 2^previousK
            k = previousK;
            Evaluate(rescale: false);
            kernel.Gradient();
            double lo = 0, hi = 1, fLo = TrueLogLoss() - target, fHi = double.NaN;
            double At(double f) { kernel.Step(lastMultiplier * f); Evaluate(rescale: false); double v = TrueLogLoss() - target; kernel.StepBack(); return v; }
            fHi = At(1);
            int side = 0;
            for (int i = 0; i < 100 && hi - lo > 1e-15; i++)
            {
                double f = double.IsFinite(fLo) && double.IsFinite(fHi) && fLo != fHi ? (lo * fHi - hi * fLo) / (fHi - fLo) : 0.5 * (lo + hi);
                if (!(f > lo && f < hi)) f = 0.5 * (lo + hi);
                double v = At(f);
                if (v > 0) { lo = f; fLo = v; if (side == -1) fHi *= 0.5; side = -1; }
                else { hi = f; fHi = v; if (side == 1) fLo *= 0.5; side = 1; if (v == 0) break; }
            }
            kernel.Step(lastMultiplier * hi); // the smallest fraction found at or below the target
            Evaluate(rescale: false);
        }

        while (true)
        {
            Evaluate();
            if (!double.IsFinite(logLossAtScale) || !kernel.PredictorIsFinite() || !double.IsFinite(parameterNormSquared))
            {
                // Divergence: step back to the last finite iterate (in its own scale 2^previousK) and stop there.
                // (Before the first step there is nothing to go back to: the start itself is recorded.)
                if (step > 0)
                {
                    kernel.StepBack();
                    k = previousK;
                    Evaluate();
                    step--;
                }
                outcome = TrainingOutcome.NonFinite;
                Record();
                break;
            }
            double logLoss = TrueLogLoss();
            bool stop = true;
            if (logLoss <= settings.LogLossTarget && settings.LogLossTarget > double.NegativeInfinity)
            {
                if (step > 0) LandOnTarget();
                outcome = TrainingOutcome.LossTargetReached;
            }
            else if (step >= settings.MaxSteps) outcome = TrainingOutcome.StepLimit;
            else if ((step & 15) == 0 && clock.Elapsed.TotalSeconds >= settings.TimeLimitSeconds) outcome = TrainingOutcome.TimeLimit;
            else if ((step & 15) == 0 && cancel.IsCancellationRequested) outcome = TrainingOutcome.Cancelled;
            else { stop = false; outcome = default; }
            if (stop) { Record(); break; }
            if (step == schedule.Next)
            {
                var record = Record();
                schedule.Advance(step);
                if (converged is not null && converged(record)) { outcome = TrainingOutcome.Converged; break; }
            }

            if (floor is not null && step == floorSchedule.Next)
            {
                // theta = log(-log L) from the parts, also where log L itself is not a double.
                double theta = logLossAtScale < 0 ? Math.Log(-logLossAtScale) + Math.Max(0, nu * k - MarginScaleCap) * ln2 : double.NaN;
                kernel.CopyBeta(floorBeta);
                floor.Observe(theta, Geometry.Normalize(floorBeta));
                floorSchedule.Advance(step);
            }

            double gradientNormSquared = kernel.Gradient();
            if (!double.IsFinite(gradientNormSquared))
            {
                outcome = TrainingOutcome.NonFinite;
                Record();
                break;
            }
            double s = floor is null
                ? settings.Step.Multiplier(logLoss, parameterNormSquared, gradientNormSquared, nu, scale2, k)
                : floor.Multiplier(parameterNormSquared, gradientNormSquared, nu, k);
            previousK = k;
            lastMultiplier = s;
            if (floor is not null && floor.TakesMidpoint(parameterNormSquared, gradientNormSquared, nu, k))
            {
                // Explicit midpoint rule (SettlingStep.Midpoint): the gradient at w - (s/2) grad, then w <- w - s times it.
                kernel.Step(0.5 * s);
                Evaluate(rescale: false);
                kernel.Gradient();
                kernel.StepBack();
            }
            kernel.Step(s);
            step++;
        }
        var w = new double[kernel.ParameterCount];
        kernel.CopyParameters(w);
        var final = records[^1];
        return new TrainingResult(outcome, step, clock.Elapsed.TotalSeconds, Geometry.Normalize(w), final.LogParameterNorm,
            Geometry.Normalize(beta), final.LogBetaNorm, records);
    }
}
