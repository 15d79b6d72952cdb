namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>A parameterization beta = P(w) in <see cref="BigFloat"/>, with exactly the parameter layout and formulas of
/// its double twin in core/Engine/Networks (<see cref="HighPrecisionModels.Of(Networks.IParameterization)"/> maps one
/// to the other). Results are at the precision of the inputs. Stateless: an instance may be shared.</summary>
public interface IHighPrecisionModel
{
    /// <summary>The twin's name, e.g. "conv-L2".</summary>
    string Name { get; }
    /// <summary>Input dimension D.</summary>
    int Dimension { get; }
    /// <summary>Number of parameters P.</summary>
    int ParameterCount { get; }
    /// <summary>Homogeneity degree nu.</summary>
    int Degree { get; }
    /// <summary>beta = P(w).</summary>
    BigFloat[] Predictor(BigFloat[] w);
    /// <summary>J_P(w)^T gradBeta: the gradient in w of &lt;gradBeta, P(w)&gt;.</summary>
    BigFloat[] PullBack(BigFloat[] w, BigFloat[] gradBeta);
}
