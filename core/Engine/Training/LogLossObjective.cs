using System.Numerics.Tensors;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Models;

namespace ImplicitBias.Engine.Training;

/// <summary>
/// The training objective log L_P(w) = log sum_n l(y_n &lt;x_n, P(w)&gt;) of eq. (4) and its gradient
/// in w, as a function object: what gradient descent follows, exposed so that gradients can be
/// checked against finite differences and used by the theory checks.
/// </summary>
public sealed class LogLossObjective
{
    private readonly IParameterization _model;
    private readonly ILoss _loss;
    private readonly double[] _z, _beta, _margins, _weights, _gradBeta;
    private readonly int _d, _count;

    /// <summary>The objective of a model on a dataset under a loss.</summary>
    public LogLossObjective(IParameterization model, Dataset data, ILoss loss)
    {
        if (model.Dimension != data.Dimension)
            throw new ArgumentException($"model {model.Name} is for D = {model.Dimension} but dataset {data.Name} has D = {data.Dimension}.");
        _model = model; _loss = loss;
        _z = data.SignedFeatures();
        _d = data.Dimension; _count = data.Count;
        _beta = new double[_d]; _margins = new double[_count]; _weights = new double[_count]; _gradBeta = new double[_d];
    }

    /// <summary>The margins y_n &lt;x_n, beta&gt; of the last evaluation.</summary>
    public ReadOnlySpan<double> Margins => _margins;

    /// <summary>log L_P(w).</summary>
    public double Value(ReadOnlySpan<double> w)
    {
        _model.Predictor(w, _beta);
        for (int n = 0; n < _count; n++) _margins[n] = TensorPrimitives.Dot(_z.AsSpan(n * _d, _d), _beta);
        return _loss.LogLossAndWeights(_margins, _weights);
    }

    /// <summary>Returns log L_P(w) and writes its gradient in w: J_P(w)^T (-sum_n q_n y_n x_n).</summary>
    public double ValueAndGradient(ReadOnlySpan<double> w, Span<double> gradW)
    {
        double value = Value(w);
        Array.Clear(_gradBeta);
        for (int n = 0; n < _count; n++) TensorPrimitives.MultiplyAdd(_z.AsSpan(n * _d, _d), -_weights[n], _gradBeta, _gradBeta);
        _model.PullBack(w, _gradBeta, gradW);
        return value;
    }
}
