using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Networks;
using ImplicitBias.Engine.Training;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>The high-precision twin of one run's late phase (<see cref="Training.Late.LatePhase"/>): started from the
/// engine's own direction at some theta, it follows the exact flow (<see cref="HighPrecisionFlow"/>) on the unit-scaled
/// data the engine trains on. (docs/late-phase.md, "LatePhaseTwin")</summary>
public sealed class LatePhaseTwin
{
    private readonly IParameterization _model;
    private readonly IHighPrecisionModel _twin;
    private readonly Dataset _scaled;
    private readonly FlowOptions _options;
    private BigFloat[] _direction;

    /// <summary>The twin of a run of <paramref name="model"/> on <paramref name="data"/> (as given to
    /// GradientDescent.Train), started at the engine's parameters <paramref name="start"/> (TrainingResult.Parameters)
    /// whose log(-log L) is <paramref name="theta"/>.</summary>
    public LatePhaseTwin(IParameterization model, Dataset data, double[] start, double theta,
        FlowOptions? options = null)
    {
        _model = model; _twin = HighPrecisionModels.Of(model); _options = options ?? new FlowOptions();
        _scaled = UnitScale.Of(data, out _);
        Tau = HighPrecisionFlow.TauAtTheta(model, _scaled, start, theta);
        _direction = BigVector.Normalize(BigVector.FromDoubles(start,
            HighPrecisionFlow.BitsAt(Tau, _options.ExtraBits)));
        Theta = theta;
    }

    /// <summary>The twin's clock tau = log ||w||^nu (unit-scaled data).</summary>
    public double Tau { get; private set; }
    /// <summary>The twin's log(-log L) at <see cref="Tau"/>.</summary>
    public double Theta { get; private set; }
    /// <summary>beta / ||beta|| of the twin's direction.</summary>
    public double[] Direction => Geometry.Normalize(_model.Predictor(BigVector.ToDoubles(_direction)));

    /// <summary>Carries the twin to the tau at which the engine's <paramref name="parameters"/> have log(-log L) =
    /// <paramref name="theta"/> (the engine's run landed there).
    /// (docs/late-phase.md, "LatePhaseTwin.AdvanceTo")</summary>
    public HighPrecisionFlow.Result AdvanceTo(double[] parameters, double theta)
    {
        double tau = HighPrecisionFlow.TauAtTheta(_model, _scaled, parameters, theta);
        if (tau < Tau) throw new
            ArgumentException($"theta = {theta} is at tau = {tau}, before the twin (tau = {Tau}).");
        var r = HighPrecisionFlow.Integrate(_twin, _scaled.SignedFeatures(), _scaled.Count, _direction, Tau, tau,
            _options);
        (_direction, Tau, Theta) = (r.ExactDirection, tau, r.Theta);
        return r;
    }

    /// <summary>1 - cos of the angle between a and b, from the angle computed for tiny angles (2 sin^2(angle /
    /// 2)).</summary>
    public static double OneMinusCos(double[] a, double[] b)
    {
        double angle = BigVector.Angle(BigVector.FromDoubles(a, 128), BigVector.FromDoubles(b, 128));
        return 2 * Math.Pow(Math.Sin(angle / 2), 2);
    }
}
