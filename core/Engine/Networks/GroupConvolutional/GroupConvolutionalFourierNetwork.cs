using System.Numerics;
using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// The same network as <see cref="GroupConvolutionalNetwork"/> (same real parameters, same beta), computed in the
/// unitary group Fourier domain (<see cref="GroupFourier"/>), where a layer is one d x d block W_l(rho) per irrep:
/// beta_hat(rho) = d_rho^-(L-1)/2 W_L(rho) W_(L-1)(rho) ... W_1(rho), last layer on the left, no adjoints.
/// (Each layer maps (x * w)_hat = d^-1/2 x_hat w_hat^*, and Parseval turns the output's inner product into the
/// adjoint of the whole product; the adjoints cancel.) The gradient in w_l is the real inverse transform of
/// d^-(L-1)/2 A_l^* g_hat B_l^* with A_l = W_L ... W_(l+1), B_l = W_(l-1) ... W_1. O(L |G|^2 + L sum_rho d^3).
/// </summary>
public sealed class GroupConvolutionalFourierNetwork : IParameterization
{
    private readonly GroupFourier _fourier;
    private readonly double[] _scale; // d^-(L-1)/2 per irrep
    // Scratch, one set per thread: the layers' blocks, the suffix and prefix products, the gradients' blocks.
    private readonly ThreadLocal<Scratch> _scratch;

    private sealed record Scratch(Complex[][][] Hat, Complex[][][] Suffix, Complex[][][] Prefix, Complex[][][] Gradient,
                                  Complex[][] Target, Complex[] Work);

    /// <summary>A depth-L network on <paramref name="fourier"/>'s group, evaluated with its irreps.</summary>
    public GroupConvolutionalFourierNetwork(GroupFourier fourier, int depth)
    {
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        _fourier = fourier; Depth = depth;
        _scale = fourier.Irreps.Select(r => Math.Pow(r.Dimension, -(depth - 1) / 2.0)).ToArray();
        int largest = fourier.Irreps.Max(r => r.Dimension);
        Complex[][][] Layers() => Enumerable.Range(0, depth).Select(_ => fourier.NewBlocks()).ToArray();
        _scratch = new(() =>
            new Scratch(Layers(), Layers(), Layers(), Layers(), fourier.NewBlocks(), new Complex[largest * largest]));
    }

    /// <summary>A depth-L network on <paramref name="group"/>, with its computed, certified irreps.</summary>
    public GroupConvolutionalFourierNetwork(FiniteGroup group, int depth) : this(new GroupFourier(group), depth) { }

    /// <summary>The group G.</summary>
    public FiniteGroup Group => _fourier.Group;
    /// <summary>The transform whose irreps define the blocks.</summary>
    public GroupFourier Fourier => _fourier;
    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <summary>"gconv-{G}-L{L}", the name of the group-domain twin.</summary>
    public string Name => $"gconv-{Group.Name}-L{Depth}";
    /// <inheritdoc/>
    public int Dimension => Group.Order;
    /// <inheritdoc/>
    public int ParameterCount => Group.Order * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    private Scratch TransformLayers(ReadOnlySpan<double> w)
    {
        var s = _scratch.Value!;
        for (int l = 0; l < Depth; l++) _fourier.Forward(w.Slice(l * Dimension, Dimension), s.Hat[l]);
        return s;
    }

    /// <summary>
    /// beta_hat(rho) = d^-(L-1)/2 W_L(rho) ... W_1(rho), one block per irrep of <see cref="Fourier"/>.
    /// </summary>
    public Complex[][] PredictorBlocks(ReadOnlySpan<double> w)
    {
        var s = TransformLayers(w);
        var result = _fourier.NewBlocks();
        for (int t = 0; t < result.Length; t++)
        {
            int d = _fourier.Irreps[t].Dimension;
            s.Hat[Depth - 1][t].CopyTo(result[t], 0);
            for (int l = Depth - 2; l >= 0; l--)
            {
                ComplexBlock.Multiply(result[t], s.Hat[l][t], s.Work, d);
                s.Work.AsSpan(0, d * d).CopyTo(result[t]);
            }
            for (int e = 0; e < d * d; e++) result[t][e] *= _scale[t];
        }
        return result;
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta) => _fourier.InverseReal(PredictorBlocks(w), beta);

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // <g, beta> = sum_rho tr(g_hat^* c A_l W_l B_l), and W_l = sqrt(d/|G|) sum_h w_l(h) rho(h): its derivative in
        // w_l(h) is sum_rho sqrt(d/|G|) tr(M_l^* rho(h)) with M_l = c A_l^* g_hat B_l^*, the conjugate of (hence, being
        // real, equal to) the inverse transform of M_l at h.
        var s = TransformLayers(w);
        _fourier.Forward(gradBeta, s.Target);
        for (int t = 0; t < s.Target.Length; t++)
        {
            int d = _fourier.Irreps[t].Dimension;
            ComplexBlock.Identity(s.Suffix[Depth - 1][t], d); // A_L = I, A_(l-1) = A_l W_l
            for (int l = Depth - 1; l >= 1; l--)
                ComplexBlock.Multiply(s.Suffix[l][t], s.Hat[l][t], s.Suffix[l - 1][t], d);
            ComplexBlock.Identity(s.Prefix[0][t], d);         // B_1 = I, B_(l+1) = W_l B_l
            for (int l = 1; l < Depth; l++)
                ComplexBlock.Multiply(s.Hat[l - 1][t], s.Prefix[l - 1][t], s.Prefix[l][t], d);
            for (int l = 0; l < Depth; l++)
            {
                ComplexBlock.MultiplyAdjointLeft(s.Suffix[l][t], s.Target[t], s.Work, d);
                ComplexBlock.MultiplyAdjointRight(s.Work, s.Prefix[l][t], s.Gradient[l][t], d);
                for (int e = 0; e < d * d; e++) s.Gradient[l][t][e] *= _scale[t];
            }
        }
        for (int l = 0; l < Depth; l++) _fourier.InverseReal(s.Gradient[l], gradW.Slice(l * Dimension, Dimension));
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) =>
        rng.FillGaussian(w, scale / Math.Sqrt(Dimension));
}
