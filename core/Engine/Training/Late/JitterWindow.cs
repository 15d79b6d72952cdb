namespace ImplicitBias.Engine.Training.Late;

/// <summary>Tells rounding jitter from motion in the sliding phase. (docs/late-phase.md, "JitterWindow")</summary>
internal sealed class JitterWindow
{
    /// <summary>Steps per window.</summary>
    public const int Steps = 2000;
    /// <summary>Net motion over path length below which a window is jitter.</summary>
    public const double Ratio = 0.1;
    /// <summary>Speeds at or above this are motion, whatever the window says.</summary>
    public const double Speed = 1e-8;

    private double[]? _start, _previous;
    private double _path;
    private int _count;

    /// <summary>Adds the direction after a step and its speed; true when the window it completes was jitter.</summary>
    public bool Add(double[] direction, double speed)
    {
        if (_start is null || _previous is null)
        {
            _start = (double[])direction.Clone();
            _previous = (double[])direction.Clone();
            return false;
        }
        _path += Distance(_previous, direction);
        direction.CopyTo(_previous, 0);
        if (++_count < Steps) return false;
        bool jitter = speed < Speed && Distance(_start, direction) < Ratio * _path;
        direction.CopyTo(_start, 0);
        _path = 0;
        _count = 0;
        return jitter;
    }

    private static double Distance(double[] a, double[] b)
    {
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += (a[i] - b[i]) * (a[i] - b[i]);
        return Math.Sqrt(sum);
    }
}
