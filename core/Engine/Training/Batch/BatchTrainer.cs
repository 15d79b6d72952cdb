using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Training.Batch;

/// <summary>One run of a batch: its data (as given; divided by its scale here, as <see cref="GradientDescent.Train"/>
/// does), initial parameters, settings and callbacks. <paramref name="Done"/> receives the result when the run stops.
/// (docs/training.md, "BatchJob")</summary>
public sealed record BatchJob(
    Dataset Data,
    double[] Initial,
    TrainingSettings Settings,
    Action<TrainingResult> Done,
    Action<TrainingRecord>? OnRecord = null,
    Func<TrainingRecord, bool>? Converged = null,
    Networks.IParameterization? Model = null);

/// <summary>Trains many runs of one product network (convolutional, diagonal, linear or fully connected; the same
/// depth, widths and D, any N up to the batch's, exponential loss) in lockstep on one thread, eight per Vector512 lane
/// group (a <see cref="LaneStepper"/>, runs with fewer points padded). (docs/training.md, "BatchTrainer")</summary>
public static class BatchTrainer
{
    /// <summary>Trains jobs taken from <paramref name="next"/> (null: none left; called from this thread only) in the
    /// lanes of <paramref name="kernel"/> (empty; <see cref="Networks.NetworkFamilies.Lanes"/>), until every job taken
    /// is done. (docs/training.md, "BatchTrainer.Train")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Train(LaneStepper kernel, Func<BatchJob?> next, CancellationToken cancel = default)
    {
        int capacity = kernel.Capacity, lanes = LaneStepper.Lanes, groups = kernel.Groups;
        var states = new RunState?[capacity];
        var jobs = new BatchJob?[capacity];
        var scaledData = new (Dataset Data, double Scale)[capacity];
        int active = 0;

        void Fill(int lane)
        {
            states[lane] = null; jobs[lane] = null;
            if (cancel.IsCancellationRequested || next() is not { } job) return;
            var scaled = UnitScale.Of(job.Data, out double dataScale);
            if (job.Settings.Late is not null && job.Model is null)
                throw new ArgumentException("a batch job with a late phase needs its Model (the late phase runs it " +
                                            "alone).");
            scaledData[lane] = (scaled, dataScale);
            kernel.Load(lane, scaled, job.Initial);
            states[lane] = new RunState(new LaneView(kernel, lane), scaled, job.Settings, job.OnRecord, cancel,
                dataScale, job.Converged);
            jobs[lane] = job;
            active++;
        }

        void Complete(int lane)
        {
            var job = jobs[lane]!; var result = states[lane]!.Result!;
            var (scaled, dataScale) = scaledData[lane];
            active--;
            Fill(lane); // the lane is free before the callback runs, so a failing callback leaves the batch consistent
            if (result.Outcome == TrainingOutcome.HandOver)
                result = GradientDescent.ContinueLate(job.Model!, scaled, dataScale, job.Settings, result,
                    job.OnRecord, cancel, job.Converged);
            job.Done(result);
        }

        for (int lane = 0; lane < capacity; lane++) Fill(lane);
        // Each phase runs over every group before the next phase (the per-lane control in between), so that
        // the groups' arithmetic, independent of each other, comes back to back and overlaps in the core.
        var multipliers = new double[capacity];
        var take = new bool[capacity];
        var evaluated = new bool[capacity];
        var halves = new double[capacity];
        var midpoint = new bool[capacity];
        var busy = new bool[groups];
        while (active > 0)
        {
            for (int g = 0; g < groups; g++)
            {
                int first = g * lanes;
                busy[g] = false;
                for (int j = first; j < first + lanes; j++)
                {
                    var state = states[j];
                    evaluated[j] = state is not null;
                    // no lane keeps a flag of its previous step (or of the run before it)
                    take[j] = false; midpoint[j] = false;
                    if (state is null) continue;
                    state.Prepare(kernel.CachedParameterNormSquared(j));
                    kernel.SetMarginScale(j, state.MarginScale);
                    busy[g] = true;
                }
            }
            kernel.Evaluate(0, groups, busy);
            for (int j = 0; j < capacity; j++)
                if (evaluated[j] && !states[j]!.AfterEvaluate(kernel.LogLoss(j))) { evaluated[j] = false; Complete(j); }
            for (int g = 0; g < groups; g++) if (busy[g]) kernel.Gradient(g);
            bool anyMidpoint = false;
            for (int j = 0; j < capacity; j++)
            {
                if (!evaluated[j]) continue;
                var state = states[j]!;
                if (state.AfterGradient(kernel.GradientNormSquared(j))) { multipliers[j] = state.Multiplier; take[j] =
                    true; }
                else Complete(j);
                // Midpoint steps (RunState.Midpoint) as a run alone takes them: half a step in those lanes, the
                // gradient there, then the full step from the start; the other lanes' gradients are recomputed at
                // unchanged parameters (same bits).
                midpoint[j] = take[j] && states[j]!.Midpoint;
                halves[j] = 0.5 * multipliers[j];
                anyMidpoint |= midpoint[j];
            }
            if (anyMidpoint)
            {
                for (int g = 0; g < groups; g++)
                {
                    var m = midpoint.AsSpan(g * lanes, lanes);
                    busy[g] = m.Contains(true);
                    if (busy[g]) kernel.Step(g, halves.AsSpan(g * lanes, lanes), m, default, norm: false);
                }
                // The gradient at the midpoint is all that is used: no log L, no ||grad||^2, no ||w||^2 there.
                kernel.Evaluate(0, groups, busy, logLoss: false);
                for (int g = 0; g < groups; g++) if (busy[g]) kernel.Gradient(g, norm: false);
            }
            for (int g = 0; g < groups; g++)
            {
                var t = take.AsSpan(g * lanes, lanes);
                // Midpoint lanes step from where they were before their half step (Step's back mask).
                if (t.Contains(true)) kernel.Step(g, multipliers.AsSpan(g * lanes, lanes), t,
                    midpoint.AsSpan(g * lanes, lanes));
            }
            for (int j = 0; j < capacity; j++) if (take[j]) states[j]!.AfterStep();
        }
    }
}
