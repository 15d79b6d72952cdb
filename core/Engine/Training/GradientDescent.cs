using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Training.Batch;
using ImplicitBias.Engine.Steppers;
using ImplicitBias.Engine.Training.Late;

namespace ImplicitBias.Engine.Training;

/// <summary>Gradient descent on L_P(w) = sum_n l(y_n &lt;x_n, P(w)&gt;) (eq. 4, 7) for any parameterization, with the
/// step rule of the settings, log-spaced records and three stopping rules (steps, wall clock, log-loss target, and an
/// optional convergence test at records). (docs/training.md, "GradientDescent")</summary>
public static class GradientDescent
{
    /// <summary>Trains from <paramref name="initial"/> (not modified) and returns the end state and the records.
    /// <paramref name="converged"/>, if given, is called at every record; true stops the run as
    /// <see cref="TrainingOutcome.Converged"/>.</summary>
    public static TrainingResult Train(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default,
            Func<TrainingRecord, bool>? converged = null)
    {
        Check(model, data, initial, settings);
        var scaled = UnitScale.Of(data, out double dataScale);
        if (NetworkFamilies.LanesApply(model, settings.Loss, data.Count, data.Dimension))
        {
            // Small runs of the product networks get the bits of a lane of their batch kernel, so that a run has the
            // same bits alone and in a batch (BatchTrainer).
            using var alone = NetworkFamilies.Alone(model, scaled, initial);
            return Late(Run(alone, scaled, settings, onRecord, cancel, dataScale, converged));
        }
        using var kernel = NetworkFamilies.Stepper(model, scaled, initial);
        return Late(Run(kernel, scaled, settings, onRecord, cancel, dataScale, converged));

        TrainingResult Late(TrainingResult r) => ContinueLate(model, scaled, dataScale, settings, r, onRecord, cancel,
            converged);
    }

    /// <summary>As <see cref="Train"/>, always with the generic kernel (the slow, obviously correct twin).</summary>
    public static TrainingResult TrainGeneric(
        IParameterization model, Dataset data, ReadOnlySpan<double> initial, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default,
            Func<TrainingRecord, bool>? converged = null)
    {
        Check(model, data, initial, settings);
        var scaled = UnitScale.Of(data, out double dataScale);
        using var kernel = new GenericStepper(model, scaled, initial);
        var result = Run(kernel, scaled, settings, onRecord, cancel, dataScale, converged);
        return ContinueLate(model, scaled, dataScale, settings, result, onRecord, cancel, converged);
    }

    /// <summary>A run's result as it stands, or, if its explicit phase handed over (outcome HandOver), the run
    /// continued by the late phase (<see cref="LatePhase"/>) on <paramref name="scaled"/>, the unit-scaled data it was
    /// trained on.</summary>
    public static TrainingResult ContinueLate(IParameterization model, Dataset scaled, double dataScale,
        TrainingSettings settings,
        TrainingResult result, Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default,
        Func<TrainingRecord, bool>? converged = null) =>
        result.Outcome == TrainingOutcome.HandOver
            ? LatePhase.Continue(model, scaled, dataScale, settings, result, onRecord, cancel, converged)
            : result;

    /// <summary>Usage errors, and data whose points' norms differ too much to train on
    /// (<see cref="UnitScale.SpreadProblem"/>; a run of 0 steps, the record of a refused run, is allowed).</summary>
    private static void Check(IParameterization model, Dataset data, ReadOnlySpan<double> initial,
        TrainingSettings settings)
    {
        if (settings.MaxSteps > 0 && UnitScale.SpreadProblem(data) is { } problem) throw new ArgumentException(problem);
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but dataset {data.Name} " +
                                        $"has D = {data.Dimension}.");
        if (initial.Length != model.ParameterCount)
            throw new ArgumentException($"model {model.Name} has {model.ParameterCount} parameters but the initial " +
                                        $"vector has {initial.Length}.");
    }

    /// <summary>The kernel's margin factor is capped at 2^(+-this) (see the class summary).</summary>
    public const int MarginScaleCap = 1000;

    /// <summary>The training loop over any kernel (which it does not dispose). <paramref name="data"/> is the data the
    /// kernel was built on; <paramref name="dataScale"/> R says it is the input divided by R (<see cref="UnitScale"/>),
    /// so that records are reported in the input's coordinates.</summary>
    public static TrainingResult Run(
        Stepper kernel, Dataset data, TrainingSettings settings,
        Action<TrainingRecord>? onRecord = null, CancellationToken cancel = default, double dataScale = 1,
        Func<TrainingRecord, bool>? converged = null) =>
        new RunState(kernel, data, settings, onRecord, cancel, dataScale, converged).Run();
}
