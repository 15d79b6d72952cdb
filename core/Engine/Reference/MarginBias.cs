using ImplicitBias.Engine.Numerics;
using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Fourier;

namespace ImplicitBias.Engine.Reference;

/// <summary>The norms whose max-margin solutions the paper predicts as limits of gradient descent.</summary>
public enum MarginBias
{
    /// <summary>||beta||_2: fully connected networks of any depth (eq. 6, 8; Theorem 1).</summary>
    L2,
    /// <summary>||beta_hat||_1 with the unitary DFT: convolutional networks of depth 2 (eq. 9; Theorem 2).</summary>
    FourierL1,
    /// <summary>||beta||_1: diagonal networks of depth 2 (Lemma 6).</summary>
    TimeL1,
}

/// <summary>Each bias's norm and dual norm, computed directly from the definitions (the DFT through
/// <see cref="UnitaryDft"/>); the certificates of every solver are computed with these.
/// (docs/reference-solvers.md, "MarginNorms")</summary>
public static class MarginNorms
{
    /// <summary>The command-line name: l2, fourier-l1, l1.</summary>
    public static string Name(this MarginBias bias) => bias switch
    {
        MarginBias.L2 => "l2",
        MarginBias.FourierL1 => "fourier-l1",
        MarginBias.TimeL1 => "l1",
        _ => throw new ArgumentOutOfRangeException(nameof(bias)),
    };

    /// <summary>Parses l2, fourier-l1 or l1; null if the text is none of them.</summary>
    public static MarginBias? Parse(string text) => text switch
    {
        "l2" => MarginBias.L2,
        "fourier-l1" => MarginBias.FourierL1,
        "l1" or "time-l1" => MarginBias.TimeL1,
        _ => null,
    };

    /// <summary>||beta|| in the bias's norm (Fourier-l1 on the grid's DFT when a grid is given; null is 1-D).</summary>
    public static double Norm(this MarginBias bias, ReadOnlySpan<double> beta, Grid? grid = null) => bias switch
    {
        MarginBias.L2 => Geometry.Norm(beta),
        MarginBias.TimeL1 => SumAbs(beta),
        MarginBias.FourierL1 => grid is { } g ? GridDft.Magnitudes(g, beta).Sum() : UnitaryDft.Magnitudes(beta).Sum(),
        _ => throw new ArgumentOutOfRangeException(nameof(bias)),
    };

    /// <summary>||g||_* = sup { &lt;g, beta&gt; : ||beta|| &lt;= 1 }, the dual norm (on the grid's DFT when
    /// given).</summary>
    public static double DualNorm(this MarginBias bias, ReadOnlySpan<double> g, Grid? grid = null) => bias switch
    {
        MarginBias.L2 => Geometry.Norm(g),
        MarginBias.TimeL1 => MaxAbs(g),
        MarginBias.FourierL1 => grid is { } s ? GridDft.Magnitudes(s, g).Max() : UnitaryDft.Magnitudes(g).Max(),
        _ => throw new ArgumentOutOfRangeException(nameof(bias)),
    };

    private static double SumAbs(ReadOnlySpan<double> v) { double s =
        0; foreach (var x in v) s += Math.Abs(x); return s; }
    private static double MaxAbs(ReadOnlySpan<double> v) { double s = 0; foreach (var x in v) s = Math.Max(s,
        Math.Abs(x)); return s; }
}
