using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Networks;

/// <summary>The training objective log L_P(w) = log sum_n l(y_n &lt;x_n, P(w)&gt;) of eq. (4) and its gradient in w,
/// written as the definition reads: beta = P(w), m_n = &lt;y_n x_n, beta&gt;, grad_beta log L = -sum_n q_n y_n x_n,
/// grad_w = J_P(w)^T grad_beta. (docs/performance.md, "LogLossObjective")</summary>
public sealed class LogLossObjective
{
    private readonly IParameterization _model;
    private readonly double[] _z, _beta, _margins, _weights, _gradBeta;
    private readonly int _d, _count;

    /// <summary>The objective of a model on a dataset under a loss.</summary>
    public LogLossObjective(IParameterization model, Dataset data, ILoss loss)
    {
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but dataset {data.Name} " +
                                        $"has D = {data.Dimension}.");
        _model = model; Loss = loss;
        _z = data.SignedFeatures();
        _d = data.Dimension; _count = data.Count;
        _beta = new double[_d]; _margins = new double[_count]; _weights = new double[_count]; _gradBeta =
            new double[_d];
    }

    /// <summary>The loss this objective uses.</summary>
    public ILoss Loss { get; }
    /// <summary>The margins y_n &lt;x_n, beta&gt; of the last evaluation.</summary>
    public ReadOnlySpan<double> Margins => _margins;
    /// <summary>beta = P(w) of the last evaluation (times its margin scale).</summary>
    public ReadOnlySpan<double> Beta => _beta;

    /// <summary>log L_P(w) (with <paramref name="marginScale"/> c: log L at the margins c y_n &lt;x_n, P(w)&gt;, i.e.
    /// of c P(w)); keeps beta, the margins and the loss weights for <see cref="GradientOfLastValue"/>, which then gives
    /// J_P(w)^T grad_beta log L at those margins.</summary>
    public double Value(ReadOnlySpan<double> w, double marginScale = 1.0)
    {
        _model.Predictor(w, _beta);
        if (marginScale != 1.0) Simd.Scale(_beta, marginScale);
        for (int n = 0; n < _count; n++) _margins[n] = Simd.Dot(_z.AsSpan(n * _d, _d), _beta);
        return Loss.LogLossAndWeights(_margins, _weights);
    }

    /// <summary>Writes grad_w log L_P at the w of the last <see cref="Value"/> call (pass that same w).</summary>
    public void GradientOfLastValue(ReadOnlySpan<double> w, Span<double> gradW)
    {
        Array.Clear(_gradBeta);
        for (int n = 0; n < _count; n++) Simd.AddScaled(_gradBeta, -_weights[n], _z.AsSpan(n * _d, _d));
        _model.PullBack(w, _gradBeta, gradW);
    }

    /// <summary>Returns log L_P(w) and writes its gradient in w.</summary>
    public double ValueAndGradient(ReadOnlySpan<double> w, Span<double> gradW)
    {
        double value = Value(w);
        GradientOfLastValue(w, gradW);
        return value;
    }
}
