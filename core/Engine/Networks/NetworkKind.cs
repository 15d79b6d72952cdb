namespace ImplicitBias.Engine.Networks;

/// <summary>The network families a run can name (train.fsx's --model): the paper's three, the direct linear model,
/// the convolutional network's time-domain twin,
/// and the group-convolutional network.</summary>
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
    /// <summary>Group-convolutional on a finite group, full-width filters (<see cref="GroupConvolutionalNetwork"/>,
    /// Lawrence et al. 2022) ("gconv").</summary>
    GroupConvolutional,
}
