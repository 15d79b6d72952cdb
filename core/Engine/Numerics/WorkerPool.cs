using System.Diagnostics;

namespace ImplicitBias.Engine.Numerics;

/// <summary>A few persistent threads that run one pre-built action on parts 0..Parts-1 at a time: part 0 on the calling
/// thread, the others on the pool's threads. (docs/performance.md, "WorkerPool")</summary>
public sealed class WorkerPool : IDisposable
{
    // about 200 microseconds of spinning before blocking (Stopwatch ticks are ns on Linux): longer than the serial part
    // of a training step, so workers are awake for the next one
    private const long SpinTicks = 200_000;
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private Action<int>? _action;
    private long _generation;
    private int _pending;
    private volatile bool _disposed;
    private Exception? _failure;

    /// <summary>A pool that runs <paramref name="parts"/> parts per call (parts - 1 extra threads).</summary>
    public WorkerPool(int parts)
    {
        if (parts < 1) throw new ArgumentException($"a worker pool needs at least one part (got {parts}).");
        Parts = parts;
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
        lock (_gate)
        {
            _action = action;
            _pending = Parts - 1;
            _generation++;
            Monitor.PulseAll(_gate);
        }
        try { action(0); }
        finally
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _pending) > 0 && Stopwatch.GetTimestamp() - start < SpinTicks) Thread.SpinWait(20);
            lock (_gate) while (_pending > 0) Monitor.Wait(_gate);
        }
        if (_failure is { } e) { _failure = null; throw new AggregateException(e); }
    }

    private void Work(int part)
    {
        long seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            while (Volatile.Read(ref _generation) == seen && !_disposed && Stopwatch.GetTimestamp()
                - start < SpinTicks) Thread.SpinWait(20);
            lock (_gate)
            {
                while (_generation == seen && !_disposed) Monitor.Wait(_gate);
                if (_disposed) return;
                seen = _generation;
            }
            try { _action!(part); }
            catch (Exception e) { _failure = e; }
            finally
            {
                lock (_gate) { if (--_pending == 0) Monitor.PulseAll(_gate); }
            }
        }
    }

    /// <summary>Stops the threads.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        lock (_gate) { _disposed = true; Monitor.PulseAll(_gate); }
        foreach (var t in _threads) t.Join();
    }
}
