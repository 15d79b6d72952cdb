using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// The depth-L linear group-convolutional network on a finite group G, in the group domain: L-1 full-width layers
/// h_l = h_(l-1) * w_l (<see cref="GroupConvolution"/>) and f(x) = &lt;h_(L-1), w_L&gt;. Degree L. Parameters: L
/// functions on G (|G| entries each, in the group's element order), layer after layer, as
/// <see cref="ConvolutionalNetwork"/>, which it is on C_n. O(L |G|^2) per call: the obviously correct twin of
/// <see cref="GroupConvolutionalFourierNetwork"/>.
/// </summary>
public sealed class GroupConvolutionalNetwork : IParameterization
{
    // Scratch, one set per thread: a model may be shared by runs on several threads.
    private readonly ThreadLocal<(double[][] Forward, double[][] Backward)> _scratch;

    /// <summary>A depth-L network on signals over <paramref name="group"/>.</summary>
    public GroupConvolutionalNetwork(FiniteGroup group, int depth)
    {
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        Group = group; Depth = depth;
        int n = group.Order;
        _scratch = new(() => (Enumerable.Range(0, depth).Select(_ => new double[n]).ToArray(),
                              Enumerable.Range(0, depth).Select(_ => new double[n]).ToArray()));
    }

    /// <summary>The group G.</summary>
    public FiniteGroup Group { get; }
    /// <summary>Number of layers L.</summary>
    public int Depth { get; }
    /// <summary>"gconv-{G}-L{L}", e.g. "gconv-D8-L3".</summary>
    public string Name => $"gconv-{Group.Name}-L{Depth}";
    /// <inheritdoc/>
    public int Dimension => Group.Order;
    /// <inheritdoc/>
    public int ParameterCount => Group.Order * Depth;
    /// <inheritdoc/>
    public int Degree => Depth;

    private ReadOnlySpan<double> Layer(ReadOnlySpan<double> w, int l) => w.Slice((l - 1) * Dimension, Dimension);

    /// <summary>u_(L-1) = w_L, u_(l-1) = C_l^T u_l: then beta = u_0.</summary>
    private void Backward(ReadOnlySpan<double> w, double[][] backward)
    {
        Layer(w, Depth).CopyTo(backward[Depth - 1]);
        for (int l = Depth - 1; l >= 1; l--) GroupConvolution.Adjoint(Group, backward[l], Layer(w, l), backward[l - 1]);
    }

    /// <inheritdoc/>
    public void Predictor(ReadOnlySpan<double> w, Span<double> beta)
    {
        var backward = _scratch.Value.Backward;
        Backward(w, backward);
        backward[0].CopyTo(beta);
    }

    /// <inheritdoc/>
    public void PullBack(ReadOnlySpan<double> w, ReadOnlySpan<double> gradBeta, Span<double> gradW)
    {
        // <g, beta> = <h_(l-1)(g) * w_l, u_l>: its gradient in w_l is KernelGradient(h_(l-1)(g), u_l);
        // in w_L it is h_(L-1)(g).
        var (forward, backward) = _scratch.Value;
        Backward(w, backward);
        gradBeta.CopyTo(forward[0]);
        for (int l = 1; l < Depth; l++)
        {
            var gradient = gradW.Slice((l - 1) * Dimension, Dimension);
            GroupConvolution.KernelGradient(Group, forward[l - 1], backward[l], gradient);
            GroupConvolution.Apply(Group, forward[l - 1], Layer(w, l), forward[l]);
        }
        forward[Depth - 1].CopyTo(gradW.Slice((Depth - 1) * Dimension, Dimension));
    }

    /// <inheritdoc/>
    public void Initialize(Span<double> w, double scale, SeededRandom rng) =>
        rng.FillGaussian(w, scale / Math.Sqrt(Dimension));
}
