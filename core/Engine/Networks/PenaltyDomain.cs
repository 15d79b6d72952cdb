namespace ImplicitBias.Engine.Networks;


/// <summary>Where a bridge penalty ||.||_p is taken: on beta itself, on its unitary DFT beta_hat, or on
/// the blocks of its group Fourier transform.</summary>
public enum PenaltyDomain
{
    /// <summary>||beta||_p (diagonal networks, Lemma 6).</summary>
    Time,
    /// <summary>||beta_hat||_p (convolutional networks, eq. 10 and Lemma 7).</summary>
    Fourier,
    /// <summary>A Schatten quasi-norm of the unitary group Fourier transform's blocks, each weighed by its degree
    /// (group-convolutional networks, <see cref="GroupImpliedPenalty"/>).</summary>
    GroupFourier,
}
