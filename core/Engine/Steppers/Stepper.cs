using ImplicitBias.Engine.Losses;

namespace ImplicitBias.Engine.Steppers;

/// <summary>The numerics of one gradient step of log L(P(w)) for one model on one dataset, holding the current
/// parameters in whatever representation is fastest (e.g. the layers' half spectra for a convolutional network).
/// (docs/performance.md, "Stepper")</summary>
public abstract class Stepper : IDisposable
{
    /// <summary>Stepper name for benchmarks and messages, e.g. "fourier-conv".</summary>
    public abstract string Name { get; }
    /// <summary>Homogeneity degree nu of the parameterization (the step rule needs it).</summary>
    public abstract int Degree { get; }
    /// <summary>Number of real parameters P.</summary>
    public abstract int ParameterCount { get; }
    /// <summary>Input dimension D.</summary>
    public abstract int Dimension { get; }

    /// <summary>log L at the margins <paramref name="marginScale"/> * y_n &lt;x_n, P(w)&gt; of the current parameters
    /// w; keeps what <see cref="Step"/> needs (margins, weights). (docs/performance.md, "Stepper.Evaluate")</summary>
    public abstract double Evaluate(ILoss loss, double marginScale = 1.0);
    /// <summary>w &lt;- factor * w for a power of two (exact): how the training loop keeps ||w|| moderate.</summary>
    public abstract void Scale(double factor);
    /// <summary>False when the current predictor has a non-finite entry.</summary>
    public abstract bool PredictorIsFinite();
    /// <summary>||w||^2 of the current real parameters.</summary>
    public abstract double ParameterNormSquared();
    /// <summary>Forms grad_w log L at the parameters of the last <see cref="Evaluate"/> and returns its squared norm in
    /// the real parameters (what the normalized step rule divides by).</summary>
    public abstract double Gradient();
    /// <summary>w &lt;- w - s grad_w log L, with the gradient of the last <see cref="Gradient"/>; remembers the old
    /// w.</summary>
    public abstract void Step(double s);
    /// <summary>Goes back to the parameters before the last <see cref="Step"/> (zeros before the first).</summary>
    public abstract void StepBack();

    /// <summary>The explicit midpoint step w &lt;- w - s grad(w - (s/2) grad(w)), grad(w) being the gradient of the
    /// last <see cref="Gradient"/>: the half step, the loss and gradient there at <paramref name="marginScale"/>, back
    /// to w, then the full step with the midpoint's gradient. (docs/performance.md, "Stepper.MidpointStep")</summary>
    public virtual void MidpointStep(ILoss loss, double marginScale, double s)
    {
        Step(0.5 * s);
        Evaluate(loss, marginScale);
        Gradient();
        StepBack();
        Step(s);
    }
    /// <summary>beta = P(w) at the current parameters (may cost an inverse transform: call at records only).</summary>
    public abstract void CopyBeta(Span<double> beta);
    /// <summary>The current real parameters w, in the parameterization's layout.</summary>
    public abstract void CopyParameters(Span<double> w);

    /// <summary>Releases worker threads, if any.</summary>
    public virtual void Dispose() { }
}
