namespace ImplicitBias.Engine.Data;

/// <summary>Bad input data, with the file, the 1-based row and column, and the offending text.</summary>
public sealed class DataFormatException : Exception
{
    /// <summary>The file that was read.</summary>
    public string File { get; }
    /// <summary>1-based line number in the file (0 when the problem is the whole file).</summary>
    public int Row { get; }
    /// <summary>1-based column (0 when the problem is the whole row).</summary>
    public int Column { get; }

    /// <summary>Creates the error; the message reads "FILE, row R, column C: what is wrong".</summary>
    public DataFormatException(string file, int row, int column, string problem)
        : base(Describe(file, row, column, problem))
    { File = file; Row = row; Column = column; }

    private static string Describe(string file, int row, int column, string problem)
    {
        var where = file;
        if (row > 0) where += $", row {row}";
        if (column > 0) where += $", column {column}";
        return $"{where}: {problem}";
    }
}
