using ImplicitBias.Engine.Networks;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>The high-precision twin of an engine parameterization, by the model or by its kind's name.</summary>
public static class HighPrecisionModels
{
    /// <summary>The kinds <see cref="Of(string, int, int)"/> takes.</summary>
    public static readonly IReadOnlyList<string> Kinds = ["linear", "diag", "fc", "conv-time"];

    /// <summary>The twin of <paramref name="model"/>: <see cref="LinearModel"/>, <see cref="DiagonalNetwork"/>,
    /// <see cref="FullyConnectedNetwork"/> (with its hidden widths), <see cref="ConvolutionalNetwork"/> and
    /// <see cref="ConvolutionalFourierNetwork"/> (the same P as the time-domain network).</summary>
    public static IHighPrecisionModel Of(IParameterization model) => model switch
    {
        LinearModel m => new HighPrecisionLinear(m.Dimension),
        DiagonalNetwork m => new HighPrecisionDiagonal(m.Dimension, m.Depth),
        FullyConnectedNetwork m => new HighPrecisionFullyConnected(m.Dimension, m.Depth,
            m.Widths.Skip(1).Take(m.Depth - 1).ToArray()),
        ConvolutionalNetwork m => new HighPrecisionConvolutional(m.Dimension, m.Depth),
        ConvolutionalFourierNetwork m => new HighPrecisionConvolutional(m.Dimension, m.Depth),
        _ => throw new NotSupportedException(
            $"no high-precision twin of {model.Name} ({model.GetType().Name}); there are twins of " +
            $"{string.Join(", ", Kinds)}."),
    };

    /// <summary>The twin by kind ("linear", "diag", "fc" with hidden widths D, "conv-time"), depth and dimension
    /// D.</summary>
    public static IHighPrecisionModel Of(string kind, int depth, int dimension)
    {
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
        if (depth < 1) throw new ArgumentException($"depth must be at least 1 (got {depth}).");
        return kind switch
        {
            "linear" when depth == 1 => new HighPrecisionLinear(dimension),
            "linear" => throw new ArgumentException($"the linear model has depth 1 (got {depth})."),
            "diag" => new HighPrecisionDiagonal(dimension, depth),
            "fc" => new HighPrecisionFullyConnected(dimension, depth),
            "conv-time" => new HighPrecisionConvolutional(dimension, depth),
            _ => throw new ArgumentException($"model kind '{kind}' is not one of {string.Join(", ", Kinds)}."),
        };
    }
}
