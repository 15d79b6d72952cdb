using ImplicitBias.Engine.Data;

namespace ImplicitBias.Engine.Steppers;

/// <summary>How many threads a run's stepper uses when not told.</summary>
public static class StepperThreads
{
    /// <summary>Below this many data values N * D a step runs on one thread: waking a second thread costs
    /// microseconds, more than a small step takes.</summary>
    public const int ParallelThreshold = 1 << 17;

    /// <summary>All cores for N * D at or above <see cref="ParallelThreshold"/>, else one.</summary>
    public static int DefaultThreads(Dataset data) =>
        (long)data.Count * data.Dimension >= ParallelThreshold ? Environment.ProcessorCount : 1;
}
