using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace ImplicitBias.Engine.Numerics;

/// <summary>What this machine can do at best, measured in the same process as a benchmark so that a step's time can be
/// stated as a fraction of a bound: a STREAM-like read bandwidth (sum of an array, the access pattern of a gradient
/// step: it reads the data) and triad bandwidth (a = b + s c). (docs/performance.md, "MachineBounds")</summary>
public static class MachineBounds
{
    private static double Best(int repeats, Func<double> measure)
    {
        double best = 0;
        for (int r = 0; r < repeats; r++) best = Math.Max(best, measure());
        return best;
    }

    /// <summary>Bytes per second for reading <paramref name="bytes"/> of doubles, split over <paramref name="threads"/>
    /// threads.</summary>
    public static double ReadBandwidth(long bytes, int threads, double seconds = 0.15, int repeats = 5)
    {
        int length = (int)Math.Max(1024, bytes / 8);
        var a = new double[length];
        for (int i = 0; i < length; i++) a[i] = i * 1e-9;
        var sums = new double[threads];
        using var pool = new WorkerPool(threads);
        Action<int> part = p =>
        {
            int chunk = (length + threads - 1) / threads, start = Math.Min(length, p * chunk),
                end = Math.Min(length, start + chunk);
            var slice = a.AsSpan(start, end - start);
            sums[p] += Simd.Dot(slice, slice); // the same loop as the margins: one stream, two loads from it
        };
        return Best(repeats, () => Rate(pool, part, 8.0 * length, seconds));
    }

    /// <summary>Bytes per second of the triad a = b + s c (3 x 8 bytes per element, as STREAM counts) on a working set
    /// of <paramref name="bytes"/>.</summary>
    public static double TriadBandwidth(long bytes, int threads, double seconds = 0.15, int repeats = 5)
    {
        int length = (int)Math.Max(1024, bytes / 24);
        var a = new double[length]; var b = new double[length]; var c = new double[length];
        for (int i = 0; i < length; i++) { b[i] = i; c[i] = 1; }
        using var pool = new WorkerPool(threads);
        Action<int> part = p =>
        {
            int chunk = (length + threads - 1) / threads, start = Math.Min(length, p * chunk),
                end = Math.Min(length, start + chunk);
            Triad(a.AsSpan(start, end - start), b.AsSpan(start, end - start), c.AsSpan(start, end - start));
        };
        return Best(repeats, () => Rate(pool, part, 24.0 * length, seconds));
    }

    /// <summary>Double-precision flops per second (an FMA counts 2) of a register-only SIMD FMA loop on
    /// <paramref name="threads"/> threads: on Vector&lt;double&gt; (the width of the per-run kernels), or with
    /// <paramref name="wide"/> on Vector512&lt;double&gt;. (docs/performance.md, "MachineBounds.FmaPeak")</summary>
    public static double FmaPeak(int threads, double seconds = 0.15, int repeats = 5, bool wide = false)
    {
        var sink = new double[threads];
        const int iterations = 1 << 16;
        Action<int> part = p => sink[p] += wide ? FmaLoop512(iterations) : FmaLoop(iterations);
        double flopsPerCall = threads * (double)iterations * 10 * 2 * (wide ? 8 : Vector<double>.Count);
        using var pool = new WorkerPool(threads);
        return Best(repeats, () => Rate(pool, part, flopsPerCall, seconds));
    }

    /// <summary>Exponentials per second of <see cref="LaneExp"/>'s Vector512 form (eight per call) on eight independent
    /// chains per thread, on <paramref name="threads"/> threads: the exp part of a batched step's bound.</summary>
    public static double ExpRate(int threads, double seconds = 0.15, int repeats = 5)
    {
        var sink = new double[threads];
        const int iterations = 1 << 14;
        Action<int> part = p => sink[p] += ExpLoop(iterations);
        double expsPerCall = threads * (double)iterations * 8 * 8;
        using var pool = new WorkerPool(threads);
        return Best(repeats, () => Rate(pool, part, expsPerCall, seconds));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ExpLoop(int iterations)
    {
        // a <- exp(a - 1) stays in (e^-1, 1]; eight chains hide the latency of one exp.
        var one = System.Runtime.Intrinsics.Vector512<double>.One;
        var a0 = System.Runtime.Intrinsics.Vector512.Create(0.5); var a1 = a0; var a2 = a0; var a3 = a0; var a4 =
            a0; var a5 = a0; var a6 = a0; var a7 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = LaneExp.Exp(a0 - one); a1 = LaneExp.Exp(a1 - one); a2 = LaneExp.Exp(a2 - one); a3 = LaneExp.Exp(a3
                - one);
            a4 = LaneExp.Exp(a4 - one); a5 = LaneExp.Exp(a5 - one); a6 = LaneExp.Exp(a6 - one); a7 = LaneExp.Exp(a7
                - one);
        }
        return System.Runtime.Intrinsics.Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7);
    }

    private static double Rate(WorkerPool pool, Action<int> part, double workPerCall, double seconds)
    {
        pool.Run(part); // warm-up
        long calls = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds) { pool.Run(part); calls++; }
        return calls * workPerCall / clock.Elapsed.TotalSeconds;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Triad(Span<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> c)
    {
        int n = a.Length, w = Vector<double>.Count, i = 0;
        var s = new Vector<double>(0.5);
        for (; i <= n - w; i += w) Vector.FusedMultiplyAdd(new Vector<double>(c.Slice(i)), s,
            new Vector<double>(b.Slice(i))).CopyTo(a.Slice(i));
        for (; i < n; i++) a[i] = b[i] + 0.5 * c[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FmaLoop512(int iterations)
    {
        // FmaLoop on Vector512 (ten independent accumulators).
        var x = System.Runtime.Intrinsics.Vector512.Create(0.999999); var y =
            System.Runtime.Intrinsics.Vector512.Create(1e-9);
        System.Runtime.Intrinsics.Vector512<double> a0 = y, a1 = y, a2 = y, a3 = y, a4 = y, a5 = y, a6 = y, a7 = y,
            a8 = y, a9 = y;
        for (int i = 0; i < iterations; i++)
        {
            a0 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a0, x,
                y); a1 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a1, x, y);
            a2 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a2, x,
                y); a3 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a3, x, y);
            a4 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a4, x,
                y); a5 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a5, x, y);
            a6 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a6, x,
                y); a7 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a7, x, y);
            a8 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a8, x,
                y); a9 = System.Runtime.Intrinsics.Vector512.FusedMultiplyAdd(a9, x, y);
        }
        return System.Runtime.Intrinsics.Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double FmaLoop(int iterations)
    {
        // Ten independent accumulators hide the FMA latency (4 cycles, 2 ports). Vector<double> is
        // the width the kernels use (.NET keeps it at 256 bits where 512-bit units throttle).
        var x = new Vector<double>(0.999999); var y = new Vector<double>(1e-9);
        Vector<double> a0 = y, a1 = y, a2 = y, a3 = y, a4 = y, a5 = y, a6 = y, a7 = y, a8 = y, a9 = y;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector.FusedMultiplyAdd(a0, x, y); a1 = Vector.FusedMultiplyAdd(a1, x, y);
            a2 = Vector.FusedMultiplyAdd(a2, x, y); a3 = Vector.FusedMultiplyAdd(a3, x, y);
            a4 = Vector.FusedMultiplyAdd(a4, x, y); a5 = Vector.FusedMultiplyAdd(a5, x, y);
            a6 = Vector.FusedMultiplyAdd(a6, x, y); a7 = Vector.FusedMultiplyAdd(a7, x, y);
            a8 = Vector.FusedMultiplyAdd(a8, x, y); a9 = Vector.FusedMultiplyAdd(a9, x, y);
        }
        return Vector.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9);
    }
}
