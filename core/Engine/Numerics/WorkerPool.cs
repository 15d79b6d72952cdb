namespace ImplicitBias.Engine.Numerics;

/// <summary>
/// A few persistent threads that run one pre-built action on parts 0..Parts-1 at a time: part 0 on
/// the calling thread, the others on the pool's threads. No allocation per <see cref="Run"/>
/// (the action is created once by the caller and the threads are started once), which is what a
/// hot training loop needs; <c>Parallel.For</c> allocates on every call.
/// Which part a thread runs is fixed, so a caller that splits work by part index gets the same
/// floating-point operations in the same order whatever the timing.
/// </summary>
public sealed class WorkerPool : IDisposable
{
    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _start;
    private readonly CountdownEvent _done;
    private Action<int>? _action;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>A pool that runs <paramref name="parts"/> parts per call (parts - 1 extra threads).</summary>
    public WorkerPool(int parts)
    {
        if (parts < 1) throw new ArgumentException($"a worker pool needs at least one part (got {parts}).");
        Parts = parts;
        _start = Enumerable.Range(1, parts - 1).Select(_ => new ManualResetEventSlim(false, 200)).ToArray();
        _done = new CountdownEvent(1);
        _threads = Enumerable.Range(1, parts - 1).Select(p =>
        {
            var t = new Thread(() => Work(p)) { IsBackground = true, Name = $"ImplicitBias worker {p}" };
            t.Start();
            return t;
        }).ToArray();
    }

    /// <summary>Number of parts each call runs (threads including the caller's).</summary>
    public int Parts { get; }

    /// <summary>Runs action(0) here and action(p) on worker p for p = 1..Parts-1, and waits for all.</summary>
    public void Run(Action<int> action)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Parts == 1) { action(0); return; }
        _action = action;
        _done.Reset(Parts - 1);
        foreach (var s in _start) s.Set();
        try { action(0); }
        finally { _done.Wait(); }
        if (_failure is { } e) { _failure = null; throw new AggregateException(e); }
    }

    private void Work(int part)
    {
        var start = _start[part - 1];
        while (true)
        {
            start.Wait();
            start.Reset();
            if (_disposed) return;
            try { _action!(part); }
            catch (Exception e) { _failure = e; }
            finally { _done.Signal(); }
        }
    }

    /// <summary>Stops the threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var s in _start) s.Set();
        foreach (var t in _threads) t.Join();
        foreach (var s in _start) s.Dispose();
        _done.Dispose();
    }
}
