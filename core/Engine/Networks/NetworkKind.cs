namespace ImplicitBias.Engine.Networks;

/// <summary>The network families a run can name (train.fsx's --model): the paper's three, the direct linear model,
/// and the convolutional network's time-domain twin.</summary>
public enum NetworkKind
{
    /// <summary>beta = w ("linear").</summary>
    Linear,
    /// <summary>Fully connected, eq. (1) ("fc").</summary>
    FullyConnected,
    /// <summary>Diagonal, Section 5 ("diag").</summary>
    Diagonal,
    /// <summary>Convolutional, eq. (2)-(3), in the Fourier domain (Lemma 3); with a kernel or channels on a grid
    /// (<see cref="KernelConvolutionalNetwork"/>) ("conv").</summary>
    Convolutional,
    /// <summary>Convolutional in the time domain exactly as eq. (2)-(3), the slow twin ("conv-time").</summary>
    ConvolutionalTime,
}
