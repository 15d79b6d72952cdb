using System.Globalization;

namespace ImplicitBias.Engine.Data;

/// <summary>CSV import: first column the label (-1 or +1), the other columns the features, comma-separated, an optional
/// header row (recognised when its first field is not a number). Blank lines are skipped.
/// (docs/training.md, "CsvDataset")</summary>
public static class CsvDataset
{
    /// <summary>Reads a dataset from a CSV file.</summary>
    public static Dataset Load(string path)
    {
        if (!System.IO.File.Exists(path)) throw new DataFormatException(path, 0, 0, "file not found.");
        return Parse(System.IO.File.ReadAllLines(path), path);
    }

    /// <summary>Parses CSV lines; <paramref name="source"/> names them in error messages.</summary>
    public static Dataset Parse(IReadOnlyList<string> lines, string source)
    {
        var labels = new List<double>();
        var features = new List<double>();
        int width = -1, widthRow = 0;
        bool sawContent = false;
        for (int i = 0; i < lines.Count; i++)
        {
            int row = i + 1;
            var line = lines[i].Trim();
            if (line.Length == 0) continue;
            var fields = line.Split(',');
            if (!sawContent)
            {
                sawContent = true;
                if (!TryNumber(fields[0], out _)) { width = fields.Length; widthRow = row; continue; } // header
            }
            if (width < 0) { width = fields.Length; widthRow = row; }
            else if (fields.Length != width)
                throw new DataFormatException(source, row, 0,
                    $"has {fields.Length} columns but row {widthRow} has {width}; every row needs the same number " +
                    $"of columns.");
            if (width < 2)
                throw new DataFormatException(source, row, 0,
                    "no feature columns: each row needs a label and at least one feature.");
            for (int c = 0; c < fields.Length; c++)
            {
                var text = fields[c].Trim();
                if (!TryNumber(text, out double v))
                    throw new DataFormatException(source, row, c + 1, $"'{text}' is not a number.");
                if (!double.IsFinite(v))
                    throw new DataFormatException(source, row, c + 1,
                        $"'{text}' is not finite (NaN and infinities are not allowed).");
                if (c == 0)
                {
                    if (v != 1.0 && v != -1.0)
                        throw new DataFormatException(source, row, 1, $"label '{text}' is not -1 or +1.");
                    labels.Add(v);
                }
                else features.Add(v);
            }
            var point = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features)[^(width - 1)..];
            if (!double.IsFinite(Dataset.EuclideanNorm(point)))
                throw new DataFormatException(source, row, 0, Dataset.NormOverflowProblem(point));
        }
        if (labels.Count == 0)
            throw new DataFormatException(source, 0, 0, sawContent ? "has a header but no data rows." : "is empty.");
        return new Dataset(features.ToArray(), labels.ToArray(), width - 1, source);
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    /// <summary>Writes a dataset in the same format, with a header, round-trip exact ("R" format).</summary>
    public static void Save(Dataset data, string path)
    {
        using var w = new StreamWriter(path);
        w.Write("label");
        for (int d = 0; d < data.Dimension; d++) w.Write($",x{d}");
        w.WriteLine();
        for (int n = 0; n < data.Count; n++)
        {
            w.Write(data.Labels[n].ToString("R", CultureInfo.InvariantCulture));
            foreach (var v in data.Point(n)) { w.Write(','); w.Write(v.ToString("R", CultureInfo.InvariantCulture)); }
            w.WriteLine();
        }
    }
}
