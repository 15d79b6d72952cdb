using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Training.Batch;

/// <summary>
/// One run of a batch: its data (as given; divided by its scale here, as <see cref="GradientDescent.Train"/>
/// does), initial parameters, settings and callbacks. <paramref name="Done"/> receives the result when the run stops.
/// </summary>
public sealed record BatchJob(
    Dataset Data,
    double[] Initial,
    TrainingSettings Settings,
    Action<TrainingResult> Done,
    Action<TrainingRecord>? OnRecord = null,
    Func<TrainingRecord, bool>? Converged = null);

/// <summary>
/// Trains many runs of the convolutional network (same depth, N and D, exponential loss) in lockstep
/// on one thread, four per Vector256 lane group (<see cref="FourierLaneKernel"/>), each with its own
/// data, initialization, step rule, records and stopping (<see cref="RunState"/>). A run that stops
/// hands its result to its job's Done and its lane to the next job, without touching the other lanes.
/// Every run gets the bits it gets alone (<see cref="GradientDescent.Train"/> trains a run alone as a
/// batch of one): the lanes share only the vector instructions.
/// </summary>
public static class BatchTrainer
{
    /// <summary>
    /// Trains jobs taken from <paramref name="next"/> (null: none left; called from this thread only)
    /// in <paramref name="groups"/> groups of four lanes, until every job taken is done. Cancelling stops
    /// the runs in flight (outcome Cancelled) and takes no more jobs.
    /// </summary>
    public static void Train(int depth, int count, int dimension, int groups, Func<BatchJob?> next, CancellationToken cancel = default)
    {
        var kernel = new FourierLaneKernel(depth, count, dimension, groups);
        int capacity = kernel.Capacity, lanes = FourierLaneKernel.Lanes;
        var states = new RunState?[capacity];
        var jobs = new BatchJob?[capacity];
        int active = 0;

        void Fill(int lane)
        {
            states[lane] = null; jobs[lane] = null;
            if (cancel.IsCancellationRequested || next() is not { } job) return;
            var scaled = UnitScale.Of(job.Data, out double dataScale);
            kernel.Load(lane, scaled, job.Initial);
            states[lane] = new RunState(new FourierLane(kernel, lane), scaled, job.Settings, job.OnRecord, cancel, dataScale, job.Converged);
            jobs[lane] = job;
            active++;
        }

        void Complete(int lane)
        {
            var job = jobs[lane]!; var result = states[lane]!.Result!;
            active--;
            Fill(lane); // the lane is free before the callback runs, so a failing callback leaves the batch consistent
            job.Done(result);
        }

        for (int lane = 0; lane < capacity; lane++) Fill(lane);
        var multipliers = new double[lanes];
        var take = new bool[lanes];
        var evaluated = new bool[lanes];
        var halves = new double[lanes];
        var midpoint = new bool[lanes];
        while (active > 0)
        {
            for (int g = 0; g < groups; g++)
            {
                int first = g * lanes;
                bool any = false;
                for (int j = 0; j < lanes; j++)
                {
                    var state = states[first + j];
                    evaluated[j] = state is not null;
                    if (state is null) continue;
                    state.Prepare(kernel.CachedParameterNormSquared(first + j));
                    kernel.SetMarginScale(first + j, state.MarginScale);
                    any = true;
                }
                if (!any) continue;
                kernel.Evaluate(g);
                for (int j = 0; j < lanes; j++)
                {
                    take[j] = false;
                    if (!evaluated[j]) continue;
                    if (!states[first + j]!.AfterEvaluate(kernel.LogLoss(first + j))) { evaluated[j] = false; Complete(first + j); }
                }
                kernel.Gradient(g);
                for (int j = 0; j < lanes; j++)
                {
                    if (!evaluated[j]) continue;
                    var state = states[first + j]!;
                    if (state.AfterGradient(kernel.GradientNormSquared(first + j))) { multipliers[j] = state.Multiplier; take[j] = true; }
                    else Complete(first + j);
                }
                // Midpoint steps (RunState.Midpoint) as a run alone takes them: half a step in those lanes, the
                // gradient there, back; the other lanes' gradients are recomputed at unchanged parameters (same bits).
                bool anyMidpoint = false;
                for (int j = 0; j < lanes; j++)
                {
                    midpoint[j] = take[j] && states[first + j]!.Midpoint;
                    halves[j] = 0.5 * multipliers[j];
                    anyMidpoint |= midpoint[j];
                }
                if (anyMidpoint)
                {
                    kernel.Step(g, halves, midpoint);
                    kernel.Evaluate(g);
                    kernel.Gradient(g);
                    for (int j = 0; j < lanes; j++) if (midpoint[j]) kernel.StepBack(first + j);
                }
                kernel.Step(g, multipliers, take);
                for (int j = 0; j < lanes; j++) if (take[j]) states[first + j]!.AfterStep();
            }
        }
    }
}
