namespace ImplicitBias.Engine.Fourier;

/// <summary>The index set of a signal: the cyclic group Z_Rows x Z_Columns. Feature i * Columns + j is entry (i, j)
/// (row-major, as images are stored). A 1-D signal of length D is the grid 1 x D, so every formula written for grids
/// covers the paper's 1-D case; indices wrap around (circular convolution).</summary>
public readonly record struct Grid(int Rows, int Columns)
{
    /// <summary>The 1-D grid 1 x D.</summary>
    public static Grid Line(int length) => new(1, length);

    /// <summary>Number of entries Rows * Columns (the input dimension D of a model on this grid).</summary>
    public int Count => Rows * Columns;

    /// <summary>True for a 1-D grid (one row).</summary>
    public bool IsLine => Rows == 1;

    /// <summary>The flat index of entry (i, j), both taken modulo the grid's sides.</summary>
    public int Index(int i, int j) => Mod(i, Rows) * Columns + Mod(j, Columns);

    /// <summary>The flat index of (a + b), the group sum of two flat indices.</summary>
    public int Add(int a, int b) => Index(a / Columns + b / Columns, a % Columns + b % Columns);

    /// <summary>The flat index of (a - b), the group difference of two flat indices.</summary>
    public int Subtract(int a, int b) => Index(a / Columns - b / Columns, a % Columns - b % Columns);

    /// <summary>Throws unless both sides are at least 1.</summary>
    public void Check()
    {
        if (Rows < 1 || Columns < 1) throw new ArgumentException($"a grid needs positive sides (got {this}).");
    }

    /// <summary>"D" for a line, "MxN" otherwise (the command line's --shape).</summary>
    public override string ToString() => IsLine ? $"{Columns}" : $"{Rows}x{Columns}";

    private static int Mod(int a, int m) => ((a % m) + m) % m;
}

/// <summary>The support of a convolution kernel on a <see cref="Grid"/>: offsets (k1, k2) with k1 &lt; Rows and k2 &lt;
/// Columns. Size K in 1-D is 1 x K; the full width of a grid M x N is M x N.</summary>
public readonly record struct KernelSize(int Rows, int Columns)
{
    /// <summary>The 1-D kernel of size K (1 x K).</summary>
    public static KernelSize Line(int size) => new(1, size);

    /// <summary>The full-width kernel of a grid (the paper's network).</summary>
    public static KernelSize Full(Grid grid) => new(grid.Rows, grid.Columns);

    /// <summary>Number of kernel entries Rows * Columns.</summary>
    public int Count => Rows * Columns;

    /// <summary>The flat grid index of the kernel's t-th entry (row-major over the kernel's own shape).</summary>
    public int Offset(Grid grid, int t) => grid.Index(t / Columns, t % Columns);

    /// <summary>Throws unless the kernel fits in the grid.</summary>
    public void Check(Grid grid)
    {
        if (Rows < 1 || Columns < 1 || Rows > grid.Rows || Columns > grid.Columns)
            throw new ArgumentException($"a kernel {this} does not fit the grid {grid} (sides must be 1..the grid's).");
    }

    /// <summary>"K" for one row, "K1xK2" otherwise (the command line's --kernel).</summary>
    public override string ToString() => Rows == 1 ? $"{Columns}" : $"{Rows}x{Columns}";
}
