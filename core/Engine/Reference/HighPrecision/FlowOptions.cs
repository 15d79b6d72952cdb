namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>How <see cref="HighPrecisionFlow"/> integrates.</summary>
/// <param name="Tolerance">Largest estimated angle error (radians) per unit of tau that a step may make.</param>
/// <param name="Stages">Stages s of the Radau IIA method (order 2s - 1).</param>
/// <param name="ExtraBits">Bits added to the precision rule (to check that the answer does not depend on it).</param>
/// <param name="InitialStep">The first step in tau tried.</param>
/// <param name="MaxSteps">Accepted and rejected steps before giving up (an exception says where it stopped; so does a
/// step below 1e-12 (1 + |tau|)).</param>
public sealed record FlowOptions(
    double Tolerance = 1e-12,
    int Stages = 5,
    int ExtraBits = 0,
    double InitialStep = 0.01,
    int MaxSteps = 10_000);
