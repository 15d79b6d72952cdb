using ImplicitBias.Engine.Fourier;
using System.Globalization;
using System.IO.Compression;

namespace ImplicitBias.Engine.Data;

/// <summary>The UCI handwritten digits (1797 images of 8 x 8 pixels, values 0..16) as binary tasks "A against B". The
/// file is the one Debian's python3-sklearn ships (<see cref="DefaultPath"/>): gzip CSV, no header, 64 pixel columns
/// (row-major) then the label 0..9. Read natively; no Python at run time. (docs/training.md, "DigitsDataset")</summary>
public static class DigitsDataset
{
    /// <summary>Where Debian's python3-sklearn puts the file.</summary>
    public const string DefaultPath = "/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz";

    /// <summary>Pixels per image side.</summary>
    public const int Side = 8;

    /// <summary>The grid of the images: 8 x 8, row-major.</summary>
    public static Grid ImageGrid => new(Side, Side);

    /// <summary>Largest pixel value in the file's format.</summary>
    public const int MaxPixel = 16;

    /// <summary>One image of the file: its 64 pixels and its digit.</summary>
    public readonly record struct Image(double[] Pixels, int Digit, int Row);

    /// <summary>Every image of the file, checked: 65 columns a row, pixels integers 0..16, labels 0..9. A missing file
    /// says how to get it; a bad value is a <see cref="DataFormatException"/> with row and column.</summary>
    public static IReadOnlyList<Image> ReadAll(string path = DefaultPath)
    {
        if (!File.Exists(path))
            throw new DataFormatException(path, 0, 0,
                "file not found: the digits ship with Debian's python3-sklearn (apt-get install -y python3-sklearn; " +
                "`dotnet fsi build.fsx -t Digits` does it).");
        using var file = File.OpenRead(path);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var images = new List<Image>();
        int row = 0, pixels = Side * Side;
        for (string? line; (line = reader.ReadLine()) is not null;)
        {
            row++;
            if (line.Trim().Length == 0) continue;
            var fields = line.Split(',');
            if (fields.Length != pixels + 1)
                throw new DataFormatException(path, row, 0,
                    $"has {fields.Length} columns; a digits row has {pixels} pixels and a label.");
            var values = new double[pixels];
            for (int c = 0; c <= pixels; c++)
            {
                var text = fields[c].Trim();
                bool ok = int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v);
                int max = c < pixels ? MaxPixel : 9;
                if (!ok || v < 0 || v > max)
                    throw new DataFormatException(path, row, c + 1,
                        $"'{text}' is not {(c < pixels ? "a pixel value 0..16" : "a digit label 0..9")}.");
                if (c < pixels) values[c] = v;
                else images.Add(new Image(values, v, row));
            }
        }
        if (images.Count == 0) throw new DataFormatException(path, 0, 0, "is empty.");
        return images;
    }

    /// <summary>The task <paramref name="positive"/> (+1) against <paramref name="negative"/> (-1): the first
    /// <paramref name="count"/> images of each (all if null), in file order, each centred.</summary>
    public static Dataset Task(int positive, int negative, int? count = null, string path = DefaultPath)
    {
        if (positive is < 0 or > 9 || negative is < 0 or > 9)
            throw new ArgumentException($"digits: labels must be 0..9 (got {positive} and {negative}).");
        if (positive == negative)
            throw new ArgumentException($"digits: the two labels must differ (got {positive} twice).");
        if (count is < 1)
            throw new ArgumentException($"digits: the count must be at least 1 (got {count}).");
        var taken = new Dictionary<int, int> { [positive] = 0, [negative] = 0 };
        var features = new List<double>();
        var labels = new List<double>();
        foreach (var image in ReadAll(path))
        {
            if (!taken.TryGetValue(image.Digit, out int soFar) || (count is int c && soFar >= c)) continue;
            taken[image.Digit] = soFar + 1;
            features.AddRange(Centred(image.Pixels));
            labels.Add(image.Digit == positive ? 1.0 : -1.0);
        }
        foreach (var (digit, n) in taken)
            if (n == 0) throw new DataFormatException(path, 0, 0, $"has no image of the digit {digit}.");
        return new Dataset(features.ToArray(), labels.ToArray(), Side * Side, Describe(positive, negative, count));
    }

    /// <summary>The task's name, as the command line writes it: "digits:A,B" or "digits:A,B:COUNT".</summary>
    public static string Describe(int positive, int negative, int? count) =>
        count is int c ? $"digits:{positive},{negative}:{c}" : $"digits:{positive},{negative}";

    /// <summary>The image minus its own mean.</summary>
    public static double[] Centred(ReadOnlySpan<double> pixels)
    {
        double mean = 0;
        foreach (var p in pixels) mean += p;
        mean /= pixels.Length;
        var centred = new double[pixels.Length];
        for (int i = 0; i < pixels.Length; i++) centred[i] = pixels[i] - mean;
        return centred;
    }
}
