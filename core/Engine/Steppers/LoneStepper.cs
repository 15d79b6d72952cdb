using System.Runtime.CompilerServices;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Steppers;
using Vec = System.Runtime.Intrinsics.Vector512<double>;

namespace ImplicitBias.Engine.Steppers;

/// <summary>A run alone with the bits of a lane of its network's <see cref="LaneStepper"/>
/// (<see cref="Networks.NetworkFamilies.Alone"/>): the base of the lone steppers. (docs/performance.md,
/// "LoneStepper")</summary>
public abstract class LoneStepper : Stepper
{
    /// <summary>L, N, D.</summary>
    protected readonly int _depth, _n, _d;
    /// <summary>The packed features and the loss at a packed predictor.</summary>
    protected readonly LoneExponentialLoss _loss;
    /// <summary>The packed predictor times the margin scale, and the packed gradient -sum_n q_n z_n ([i],
    /// padded).</summary>
    protected readonly double[] _predictor, _g;

    /// <summary>A run of depth L on N points of dimension D whose features in the network's packed basis are
    /// <paramref name="packed"/> (N rows of D).</summary>
    protected LoneStepper(int depth, int count, int dimension, ReadOnlySpan<double> packed)
    {
        _depth = depth; _n = count; _d = dimension;
        _loss = new LoneExponentialLoss(count, dimension, packed);
        _predictor = new double[LoneExponentialLoss.Padded(dimension)]; _g = new double[_predictor.Length];
    }

    /// <inheritdoc/>
    public sealed override int Degree => _depth;
    /// <inheritdoc/>
    public override int ParameterCount => _depth * _d;
    /// <inheritdoc/>
    public sealed override int Dimension => _d;

    /// <summary>Entries index..index+7 of a padded array as one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected static ref Vec At(double[] a, int index) => ref Simd.VectorAt(a, index);

    /// <summary>The packed predictor of the current parameters times <paramref name="marginScale"/>, into _predictor
    /// (the lane's operations).</summary>
    protected abstract void FormPredictor(double marginScale);
    /// <summary>grad_w log L per layer from the packed gradient _g (the lane's operations).</summary>
    protected abstract void LayerGradients();
    /// <summary>||grad||^2 of the last <see cref="LayerGradients"/>, in the lane's order.</summary>
    protected abstract double GradientNormSquared();
    /// <summary>w &lt;- fma(grad, -s, w_previous): the values of StepBack then Step(s); w_previous stays.</summary>
    protected abstract void StepFromPrevious(double s);

    private void Check(ILoss loss)
    {
        if (loss is not ExponentialLoss) throw new
            ArgumentException($"{Name} trains the exponential loss only, not {loss.Name}.");
    }

    /// <inheritdoc/>
    public sealed override double Evaluate(ILoss loss, double marginScale = 1)
    {
        Check(loss);
        FormPredictor(marginScale);
        return _loss.Evaluate(_predictor, _g);
    }

    /// <inheritdoc/>
    public sealed override bool PredictorIsFinite()
    {
        for (int i = 0; i < _d; i++) if (!double.IsFinite(_predictor[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public sealed override double Gradient()
    {
        LayerGradients();
        return GradientNormSquared();
    }

    /// <summary><see cref="Stepper.MidpointStep"/> without what nothing reads at the midpoint (its log L and
    /// ||grad||^2) and without stepping back and forth: the full step goes from the remembered w (the batch's Step with
    /// a back mask, in one lane).</summary>
    public sealed override void MidpointStep(ILoss loss, double marginScale, double s)
    {
        Check(loss);
        Step(0.5 * s);
        FormPredictor(marginScale);
        _loss.Evaluate(_predictor, _g, logLoss: false);
        LayerGradients();
        StepFromPrevious(s);
    }
}
