using ImplicitBias.Engine.Fourier;
using ImplicitBias.Engine.Numerics;

namespace ImplicitBias.Engine.Data;

/// <summary>Seeded synthetic datasets that are linearly separable by construction: inputs are standard Gaussian and
/// each label is the sign of a random teacher's output. (docs/training.md, "SyntheticData")</summary>
public static class SyntheticData
{
    /// <summary>N Gaussian points in R^D labelled by a Gaussian teacher direction.</summary>
    public static Dataset GaussianTeacher(int count, int dimension, ulong seed, double minTeacherMargin = 0.05) =>
        GaussianTeacher(count, dimension, seed, out _, minTeacherMargin);

    /// <summary>As <see cref="GaussianTeacher(int, int, ulong, double)"/>, also returning the teacher.</summary>
    public static Dataset GaussianTeacher(int count, int dimension, ulong seed, out double[] teacher,
        double minTeacherMargin = 0.05)
    {
        CheckSizes(count, dimension);
        var rng = new SeededRandom(seed);
        teacher = new double[dimension];
        rng.FillGaussian(teacher);
        return Label(teacher, count, rng, minTeacherMargin, $"gaussian-teacher(N={count},D={dimension},seed={seed})");
    }

    /// <summary>N Gaussian points labelled by a real teacher whose DFT has only <paramref name="frequencies"/> non-zero
    /// frequencies (each with its conjugate partner), with random phases: the setting where a convolutional network's
    /// Fourier-sparsity bias matters.</summary>
    public static Dataset FourierSparseTeacher(int count, int dimension, int frequencies, ulong seed,
        double minTeacherMargin = 0.05) =>
        FourierSparseTeacher(count, dimension, frequencies, seed, out _, minTeacherMargin);

    /// <summary>As <see cref="FourierSparseTeacher(int, int, int, ulong, double)"/>, also returning the
    /// teacher.</summary>
    public static Dataset FourierSparseTeacher(int count, int dimension, int frequencies, ulong seed,
        out double[] teacher, double minTeacherMargin = 0.05)
    {
        CheckSizes(count, dimension);
        if (frequencies < 1) throw new ArgumentException($"frequencies must be at least 1 (got {frequencies}).");
        var rng = new SeededRandom(seed);
        int half = dimension / 2 + 1; // distinct frequencies of a real signal: 0 .. D/2
        var spectrum = new System.Numerics.Complex[dimension];
        var chosen = new HashSet<int>();
        while (chosen.Count < Math.Min(frequencies, half)) chosen.Add(rng.NextInt(half));
        foreach (int k in chosen)
        {
            bool selfConjugate = k == 0 || 2 * k == dimension;
            double magnitude = 1 + rng.NextDouble();
            double phase = selfConjugate ? (rng.NextDouble() < 0.5 ? 0 : Math.PI) : 2 * Math.PI * rng.NextDouble();
            spectrum[k] = System.Numerics.Complex.FromPolarCoordinates(magnitude, phase);
            spectrum[(dimension - k) % dimension] = System.Numerics.Complex.Conjugate(spectrum[k]);
        }
        teacher = UnitaryDft.InverseReal(spectrum);
        return Label(teacher, count, rng, minTeacherMargin,
            $"fourier-sparse-teacher(N={count},D={dimension},K={frequencies},seed={seed})");
    }

    private static void CheckSizes(int count, int dimension)
    {
        if (count < 1) throw new ArgumentException($"N must be at least 1 (got {count}).");
        if (dimension < 1) throw new ArgumentException($"D must be at least 1 (got {dimension}).");
    }

    private static Dataset Label(double[] teacher, int count, SeededRandom rng, double minMargin, string name)
    {
        int d = teacher.Length;
        double tNorm = Math.Sqrt(teacher.Sum(v => v * v));
        var x = new double[count * d];
        var y = new double[count];
        var row = new double[d];
        for (int n = 0; n < count; n++)
        {
            for (int attempt = 0; ; attempt++)
            {
                rng.FillGaussian(row);
                double dot = 0, norm = 0;
                for (int i = 0; i < d; i++) { dot += row[i] * teacher[i]; norm += row[i] * row[i]; }
                double relative = Math.Abs(dot) / (Math.Sqrt(norm) * tNorm);
                if (relative >= minMargin || attempt > 10_000)
                {
                    y[n] = dot >= 0 ? 1 : -1;
                    row.CopyTo(x, n * d);
                    break;
                }
            }
        }
        return new Dataset(x, y, d, name);
    }
}
