using System.Diagnostics;

namespace ImplicitBias.Engine.Groups;

/// <summary>
/// Any group of GAP's SmallGroups library, read from GAP's own output (Debian's gap-core, gap-libs and gap-smallgrp;
/// `dotnet fsi build.fsx -t Test` installs them): feature i is the i-th element of GAP's AsSSortedList(SmallGroup(n,
/// k)), named as GAP prints it (words in the pc generators f1, f2, ...); the table is GAP's products, checked again.
/// </summary>
public static class GapSmallGroup
{
    /// <summary>Where Debian installs GAP.</summary>
    public const string Executable = "/usr/bin/gap";

    /// <summary>SmallGroup(order, id), by running GAP (a few seconds).</summary>
    public static FiniteGroup Load(int order, int id, string gap = Executable)
    {
        if (!File.Exists(gap))
            throw new FileNotFoundException(
                $"{gap} not found: SmallGroup needs GAP (apt-get install -y gap-core gap-libs gap-smallgrp).", gap);
        string script = Path.Combine(Path.GetTempPath(), $"smallgroup-{Guid.NewGuid():N}.g");
        File.WriteAllText(script, string.Join("\n",
            "SizeScreen([4096, 24]);",
            $"G := SmallGroup({order}, {id});",
            "els := AsSSortedList(G);",
            "Print(StructureDescription(G), \"\\n\");",
            "for a in els do Print(String(a), \"\\n\"); od;",
            "row := a -> JoinStringsWithSeparator(List(els, b -> String(Position(els, a * b) - 1)), \" \");",
            "for a in els do Print(row(a), \"\\n\"); od;",
            "QUIT;", ""));
        try
        {
            var info = new ProcessStartInfo(gap, $"-q {script}")
            {
                RedirectStandardOutput = true, RedirectStandardError = true,
            };
            using var process = Process.Start(info)!;
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(300_000))
            {
                process.Kill();
                throw new TimeoutException($"GAP took over 5 min on SmallGroup({order}, {id}).");
            }
            if (process.ExitCode != 0 || error.Result.Contains("Error"))
                throw new InvalidOperationException($"GAP failed on SmallGroup({order}, {id}): {error.Result.Trim()}");
            return Parse(output.Result, order, id);
        }
        finally { File.Delete(script); }
    }

    /// <summary>
    /// The group of GAP's output: its structure description, then the n element names, then n rows of the
    /// multiplication table as 0-based positions (GAP's '\' line continuations are joined first).
    /// </summary>
    internal static FiniteGroup Parse(string output, int order, int id)
    {
        var lines = output.Replace("\\\n", "").Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0)
            .ToArray();
        if (lines.Length != 1 + 2 * order)
            throw new FormatException(
                $"GAP's output for SmallGroup({order}, {id}) has {lines.Length} lines, not {1 + 2 * order}.");
        var table = new int[order, order];
        for (int a = 0; a < order; a++)
        {
            var row = lines[1 + order + a].Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            if (row.Length != order)
                throw new FormatException($"row {a} of GAP's table has {row.Length} entries, not {order}.");
            for (int b = 0; b < order; b++) table[a, b] = row[b];
        }
        return FiniteGroup.FromTable(table, $"SmallGroup({order},{id})",
            $"GAP's SmallGroup({order}, {id}) = {lines[0]}: feature i is the i-th element of its AsSSortedList",
            lines.Skip(1).Take(order).ToArray());
    }
}
