using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>What the trainer, the batch trainer and the limit solvers ask of a network family: its kinds, where its
/// implied penalty lives, and its fast steppers. A new family is a folder under Networks/ plus one entry in
/// <see cref="NetworkFamilies.All"/> (docs/extending.md).</summary>
public interface INetworkFamily
{
    /// <summary>The kinds this family answers for.</summary>
    IReadOnlyList<NetworkKind> Kinds { get; }

    /// <summary>Where depth's bridge penalty acts (Fourier or time entries, group Fourier blocks); null where every
    /// depth gives the l2 max-margin predictor (Theorem 1).</summary>
    PenaltyDomain? DepthPenaltyDomain { get; }

    /// <summary>True when this family built <paramref name="model"/>.</summary>
    bool Owns(IParameterization model);

    /// <summary>True when <see cref="FastStepper"/> gives a stepper for <paramref name="model"/>.</summary>
    bool HasFastStepper(IParameterization model);

    /// <summary>The fastest stepper for a run alone (its result does not depend on <paramref name="threads"/>);
    /// null: the generic one.</summary>
    Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads);

    /// <summary>True when runs of this model, loss and data size train in lanes (alone or batched).</summary>
    bool LanesApply(IParameterization model, ILoss loss, int count, int dimension);

    /// <summary>An empty lane stepper of <paramref name="groups"/> groups for runs on at most N points.</summary>
    LaneStepper Lanes(IParameterization model, int count, int dimension, int groups);

    /// <summary>A run alone with a lane's bits (data already scaled; <see cref="LanesApply"/> holds).</summary>
    Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial);

    /// <summary>The model the late phase evaluates the flow with: the same beta for the same parameters, chosen for
    /// the cost of one point's pullback (the model itself unless the family has a cheaper twin).</summary>
    IParameterization FlowModel(IParameterization model) => model;
}

/// <summary>The part of <see cref="INetworkFamily"/> that families without lanes share.</summary>
public abstract class NetworkFamilyWithoutLanes : INetworkFamily
{
    /// <inheritdoc/>
    public abstract IReadOnlyList<NetworkKind> Kinds { get; }
    /// <inheritdoc/>
    public abstract PenaltyDomain? DepthPenaltyDomain { get; }
    /// <inheritdoc/>
    public abstract bool Owns(IParameterization model);
    /// <inheritdoc/>
    public abstract bool HasFastStepper(IParameterization model);
    /// <inheritdoc/>
    public abstract Stepper? FastStepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial,
        int threads);
    /// <inheritdoc/>
    public bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) => false;
    /// <inheritdoc/>
    public LaneStepper Lanes(IParameterization model, int count, int dimension, int groups) =>
        throw new ArgumentException($"no lane stepper for {model.Name}.");
    /// <inheritdoc/>
    public Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        throw new ArgumentException($"no lane stepper for {model.Name}.");
}
