namespace ImplicitBias.Engine.Training;

/// <summary>Log-spaced recording steps: 0, then the distinct values of ceil(10^(k / perDecade)) for k = 0, 1, 2, ...,
/// so about <c>perDecade</c> records per factor of ten in the step count.</summary>
public sealed class LogSchedule
{
    private readonly int _perDecade;
    private int _k;

    /// <summary>The next step at which to record.</summary>
    public long Next { get; private set; }

    /// <summary>A schedule starting at step 0.</summary>
    public LogSchedule(int perDecade)
    {
        if (perDecade < 1) throw new ArgumentException($"records per decade must be at least 1 (got {perDecade}).");
        _perDecade = perDecade;
        Next = 0;
    }

    /// <summary>Moves <see cref="Next"/> past <paramref name="step"/>.</summary>
    public void Advance(long step)
    {
        while (Next <= step)
        {
            Next = Math.Max(Next + 1, (long)Math.Ceiling(Math.Pow(10, (double)_k / _perDecade) - 1e-9));
            _k++;
        }
    }
}
