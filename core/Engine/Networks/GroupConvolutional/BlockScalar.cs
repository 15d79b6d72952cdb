using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>The arithmetic <see cref="GroupBlockAlgebra{T}"/> is written in: one run (<see cref="BlockDouble"/>) or
/// eight lanes (<see cref="BlockLanes"/>), each operation one IEEE operation per lane, never fused.
/// (docs/performance.md, "GroupBlockAlgebra")</summary>
public interface IBlockScalar<T> where T : struct, IBlockScalar<T>
{
    /// <summary>x in every lane.</summary>
    static abstract T Of(double x);
    /// <summary>a + b.</summary>
    static abstract T operator +(T a, T b);
    /// <summary>a - b.</summary>
    static abstract T operator -(T a, T b);
    /// <summary>a b.</summary>
    static abstract T operator *(T a, T b);
    /// <summary>-a.</summary>
    static abstract T operator -(T a);
}

/// <summary>A double as an <see cref="IBlockScalar{T}"/> (same layout: spans of doubles are cast to it).</summary>
public readonly struct BlockDouble(double value) : IBlockScalar<BlockDouble>
{
    private readonly double _value = value;
    /// <summary>The double.</summary>
    public double Value => _value;
    /// <summary>A span of doubles as one of <see cref="BlockDouble"/>.</summary>
    public static Span<BlockDouble> Cast(Span<double> values) => MemoryMarshal.Cast<double, BlockDouble>(values);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockDouble Of(double x) => new(x);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockDouble operator +(BlockDouble a, BlockDouble b) => new(a._value + b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockDouble operator -(BlockDouble a, BlockDouble b) => new(a._value - b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockDouble operator *(BlockDouble a, BlockDouble b) => new(a._value * b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockDouble operator -(BlockDouble a) => new(-a._value);
}

/// <summary>A Vector512&lt;double&gt; (eight runs) as an <see cref="IBlockScalar{T}"/>.</summary>
public readonly struct BlockLanes(Vec value) : IBlockScalar<BlockLanes>
{
    private readonly Vec _value = value;
    /// <summary>The vector.</summary>
    public Vec Value => _value;
    /// <summary>A span of vectors as one of <see cref="BlockLanes"/>.</summary>
    public static Span<BlockLanes> Cast(Span<Vec> values) => MemoryMarshal.Cast<Vec, BlockLanes>(values);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockLanes Of(double x) => new(V.Create(x));
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockLanes operator +(BlockLanes a, BlockLanes b) => new(a._value + b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockLanes operator -(BlockLanes a, BlockLanes b) => new(a._value - b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockLanes operator *(BlockLanes a, BlockLanes b) => new(a._value * b._value);
    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BlockLanes operator -(BlockLanes a) => new(-a._value);
}
