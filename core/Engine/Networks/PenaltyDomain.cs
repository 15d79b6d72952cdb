namespace ImplicitBias.Engine.Networks;


/// <summary>Where a bridge penalty ||.||_p is taken: on beta itself or on its unitary DFT beta_hat.</summary>
public enum PenaltyDomain
{
    /// <summary>||beta||_p (diagonal networks, Lemma 6).</summary>
    Time,
    /// <summary>||beta_hat||_p (convolutional networks, eq. 10 and Lemma 7).</summary>
    Fourier,
}
