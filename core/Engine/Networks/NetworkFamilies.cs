using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Losses;
using ImplicitBias.Engine.Steppers;

namespace ImplicitBias.Engine.Networks;

/// <summary>The registry of network families (<see cref="INetworkFamily"/>) and what the trainers ask of it: a run's
/// fastest stepper, whether it trains in lanes, and its lane steppers.
/// (docs/performance.md, "NetworkFamilies")</summary>
public static class NetworkFamilies
{
    /// <summary>Every family, in the order the command line lists their kinds.</summary>
    public static readonly IReadOnlyList<INetworkFamily> All =
    [
        new LinearFamily(), new FullyConnectedFamily(), new DiagonalFamily(), new ConvolutionalFamily(),
        new KernelConvolutionalFamily(), new GroupConvolutionalFamily(),
    ];

    /// <summary>The family that built <paramref name="model"/>, or null.</summary>
    public static INetworkFamily? Of(IParameterization model) => All.FirstOrDefault(f => f.Owns(model));

    /// <summary>The family of a kind.</summary>
    public static INetworkFamily Of(NetworkKind kind) =>
        All.FirstOrDefault(f => f.Kinds.Contains(kind))
            ?? throw new ArgumentException($"no network family for kind {kind}.");

    /// <summary>True when <see cref="Stepper"/> has a specialised stepper for this model.</summary>
    public static bool HasFastStepper(IParameterization model) => Of(model)?.HasFastStepper(model) ?? false;

    /// <summary>The stepper for training <paramref name="model"/> on <paramref name="data"/> from
    /// <paramref name="initial"/>; <paramref name="threads"/> = 0 means <see cref="StepperThreads.DefaultThreads"/>. A
    /// specialised stepper's result does not depend on the thread count.</summary>
    public static Stepper Stepper(IParameterization model, Dataset data, ReadOnlySpan<double> initial, int threads = 0)
    {
        int t = threads > 0 ? threads : StepperThreads.DefaultThreads(data);
        return Of(model)?.FastStepper(model, data, initial, t) ?? new GenericStepper(model, data, initial);
    }

    /// <summary>True when runs of this model, loss and data size train in lanes, alone or batched (the lane
    /// steppers' bits: <see cref="LaneStepper"/>).</summary>
    public static bool LanesApply(IParameterization model, ILoss loss, int count, int dimension) =>
        Of(model)?.LanesApply(model, loss, count, dimension) ?? false;

    /// <summary>An empty lane stepper of <paramref name="groups"/> groups for runs of this model on at most N points;
    /// null where <see cref="LanesApply"/> does not hold.</summary>
    public static LaneStepper? Lanes(IParameterization model, ILoss loss, int count, int dimension, int groups) =>
        Of(model) is { } family && family.LanesApply(model, loss, count, dimension)
            ? family.Lanes(model, count, dimension, groups)
            : null;

    /// <summary>A run alone with the bits of a lane of its family's lane stepper (data already scaled;
    /// <see cref="LanesApply"/> must hold). A lane of a batch of one (<see cref="LaneView"/>) has the same bits,
    /// at eight lanes' cost.</summary>
    public static Stepper Alone(IParameterization model, Dataset data, ReadOnlySpan<double> initial) =>
        (Of(model) ?? throw new ArgumentException($"no lane stepper for {model.Name}.")).Alone(model, data, initial);
}
