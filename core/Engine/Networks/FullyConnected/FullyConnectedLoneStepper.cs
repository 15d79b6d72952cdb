using ImplicitBias.Engine.Steppers;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using ImplicitBias.Engine.Data;
using Vec = System.Runtime.Intrinsics.Vector512<double>;
using V = System.Runtime.Intrinsics.Vector512;

namespace ImplicitBias.Engine.Networks;

/// <summary>A lone run of the fully connected network with the bits of a lane of
/// <see cref="FullyConnectedLaneStepper"/> (whose summary lists the operations), vectorized within the run: only
/// independent chains share a vector. (docs/performance.md, "FullyConnectedLoneStepper")</summary>
public sealed class FullyConnectedLoneStepper : LoneStepper
{
    private readonly int[] _widths, _padded;              // D_0..D_L and each rounded up to a multiple of 8
    // start of layer l (1-based at l - 1): rows of _padded[l] entries, columns of _padded[l - 1]
    private readonly int[] _rowOffsets, _columnOffsets;
    // start of r_l (l = 0..L, _padded[l] entries); a_l at that of r_{l-1}
    private readonly int[] _vectorOffsets;
    private readonly int _parameters;
    private readonly double[] _w, _wt, _previous, _previousT; // by rows, by columns; before the last step
    private readonly double[] _right, _stepRight, _left, _recordRight, _scaled; // _scaled: (-s) a_l of the step

    /// <summary>A run of the fc network with widths D_0 = D, ..., D_L = 1 on <paramref name="data"/> (already scaled),
    /// from <paramref name="initial"/> (the network's layout).</summary>
    public FullyConnectedLoneStepper(IReadOnlyList<int> widths, Dataset data, ReadOnlySpan<double> initial)
        // the packed basis is the input's own
        : base(widths.Count - 1, data.Count, data.Dimension, data.SignedFeatures())
    {
        _widths = widths.ToArray();
        if (_widths[0] != _d || _widths[^1] != 1 || _widths.Any(w => w < 1))
            throw new ArgumentException($"fc widths {string.Join(",", _widths)}: the first must be D = {_d}, each " +
                                        $"at least 1, the last 1.");
        _padded = _widths.Select(LoneExponentialLoss.Padded).ToArray();
        _rowOffsets = new int[_depth + 1]; _columnOffsets = new int[_depth + 1];
        int parameters = 0;
        for (int l = 1; l <= _depth; l++)
        {
            _rowOffsets[l] = _rowOffsets[l - 1] + _widths[l - 1] * _padded[l];
            _columnOffsets[l] = _columnOffsets[l - 1] + _widths[l] * _padded[l - 1];
            parameters += _widths[l - 1] * _widths[l];
        }
        _parameters = parameters;
        if (initial.Length != _parameters) throw new
            ArgumentException($"fc-L{_depth}: expected {_parameters} parameters, got {initial.Length}.");
        _vectorOffsets = new int[_depth + 2];
        for (int l = 0; l <= _depth; l++) _vectorOffsets[l + 1] = _vectorOffsets[l] + _padded[l];
        _w = new double[_rowOffsets[_depth]]; _previous = new double[_w.Length];
        _wt = new double[_columnOffsets[_depth]]; _previousT = new double[_wt.Length];
        int vectors = _vectorOffsets[_depth + 1];
        _right = new double[vectors]; _stepRight = new double[vectors]; _left = new double[vectors]; _recordRight =
            new double[vectors];
        _scaled = new double[vectors];
        int p = 0;
        for (int l = 1; l <= _depth; l++)
            for (int i = 0; i < _widths[l - 1]; i++)
                for (int j = 0; j < _widths[l]; j++, p++)
                {
                    _w[_rowOffsets[l - 1] + i * _padded[l] + j] = initial[p];
                    _wt[_columnOffsets[l - 1] + j * _padded[l - 1] + i] = initial[p];
                }
    }

    /// <inheritdoc/>
    public override string Name => $"lone-fc-L{_depth}";
    /// <inheritdoc/>
    public override int ParameterCount => _parameters;

    /// <summary>((p0 + p4) + (p2 + p6)) + ((p1 + p5) + (p3 + p7)) of the eight partials in <paramref name="p"/> (the
    /// lanes' <c>Reduce</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Reduce(Vec p)
    {
        var half = p.GetLower() + p.GetUpper();        // p0 + p4, p1 + p5, p2 + p6, p3 + p7
        var quarter = half.GetLower() + half.GetUpper(); // (p0 + p4) + (p2 + p6), (p1 + p5) + (p3 + p7)
        return quarter.GetElement(0) + quarter.GetElement(1);
    }

    /// <summary>The sum of squares of a padded vector of <paramref name="padded"/> entries at
    /// <paramref name="offset"/>: entry j into partial j mod 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vec AddSquares(double[] x, int offset, int padded, Vec partials)
    {
        for (int b = 0; b < padded; b += 8) { var v = At(x, offset + b); partials = V.FusedMultiplyAdd(v, v,
            partials); }
        return partials;
    }

    /// <summary>vectors[dst + k] = chain over t = 0..terms-1 of fma(m[start + t * stride + k], vectors[src + t], .)
    /// from 0, for k = 0..outputsPadded-1 eight at a time (the lane kernel's Chains, vectorized over k within the run):
    /// the right products from the columns (t = j, k = i) and the left products from the rows (t = i, k = j).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Chains(double[] m, int start, int stride, int terms, int outputsPadded, double[] vectors,
        int src, int dst)
    {
        for (int b = 0; b < outputsPadded; b += 8)
        {
            var acc = Vec.Zero;
            for (int t = 0; t < terms; t++) acc = V.FusedMultiplyAdd(At(m, start + t * stride + b),
                V.Create(vectors[src + t]), acc);
            At(vectors, dst + b) = acc;
        }
    }

    /// <summary>r_L = 1, r_{l-1} = w_l r_l: eight rows' chains over j at a time, from the columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void RightProducts(double[] r)
    {
        At(r, _vectorOffsets[_depth]) = Vec.Zero;
        r[_vectorOffsets[_depth]] = 1.0;
        for (int l = _depth; l >= 1; l--)
            Chains(_wt, _columnOffsets[l - 1], _padded[l - 1], _widths[l], _padded[l - 1], r, _vectorOffsets[l],
                _vectorOffsets[l - 1]);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void FormPredictor(double marginScale)
    {
        RightProducts(_right);
        var ms = V.Create(marginScale);
        for (int b = 0; b < _padded[0]; b += 8) At(_predictor, b) = At(_right, b) * ms;
    }

    /// <summary>The right products of the last Evaluate kept for the step; a_1 = g, a_{l+1} = w_l^T a_l (eight columns'
    /// chains over i at a time, from the rows).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void LayerGradients()
    {
        _right.CopyTo(_stepRight, 0);
        for (int b = 0; b < _padded[0]; b += 8) At(_left, b) = At(_g, b);
        for (int l = 1; l < _depth; l++)
            Chains(_w, _rowOffsets[l - 1], _padded[l], _widths[l - 1], _padded[l], _left, _vectorOffsets[l - 1],
                _vectorOffsets[l]);
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override double GradientNormSquared()
    {
        double total = 0;
        for (int l = 1; l <= _depth; l++)
            total = Math.FusedMultiplyAdd(Reduce(AddSquares(_left, _vectorOffsets[l - 1], _padded[l - 1], Vec.Zero)),
                                          Reduce(AddSquares(_stepRight, _vectorOffsets[l], _padded[l], Vec.Zero)),
                                              total);
        return total;
    }

    /// <inheritdoc/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override double ParameterNormSquared()
    {
        var partials = Vec.Zero;
        for (int l = 1; l <= _depth; l++)
            for (int i = 0; i < _widths[l - 1]; i++) partials = AddSquares(_w, _rowOffsets[l - 1] + i * _padded[l],
                _padded[l], partials);
        return Reduce(partials);
    }

    /// <summary>w_l[i,j] = fma(c_i, r_l[j], from_l[i,j]), c_i = (-s) a_l[i], by rows and by columns (padding stays
    /// zero: see the class summary). (docs/performance.md, "FullyConnectedLoneStepper.StepFrom")</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StepFrom(double[] from, double[] fromT, double s, bool keep)
    {
        var minus = V.Create(-s);
        // c = (-s) a, all layers
        for (int b = 0; b < _vectorOffsets[_depth]; b += 8) At(_scaled, b) = minus * At(_left, b);
        for (int l = 1; l <= _depth; l++)
        {
            int rows = _widths[l - 1], cols = _widths[l], rowsPadded = _padded[l - 1], colsPadded = _padded[l];
            int a = _vectorOffsets[l - 1], r = _vectorOffsets[l];
            for (int i = 0; i < rows; i++)
            {
                var c = V.Create(_scaled[a + i]);
                int row = _rowOffsets[l - 1] + i * colsPadded;
                for (int b = 0; b < colsPadded; b += 8)
                {
                    var old = At(from, row + b);
                    if (keep) At(_previous, row + b) = old;
                    At(_w, row + b) = V.FusedMultiplyAdd(c, At(_stepRight, r + b), old);
                }
            }
            for (int b = 0; b < rowsPadded; b += 8)
            {
                var c = At(_scaled, a + b);
                for (int j = 0, column = _columnOffsets[l - 1] + b; j < cols; j++, column += rowsPadded)
                {
                    var old = At(fromT, column);
                    if (keep) At(_previousT, column) = old;
                    At(_wt, column) = V.FusedMultiplyAdd(c, V.Create(_stepRight[r + j]), old);
                }
            }
        }
    }

    /// <inheritdoc/>
    public override void Step(double s) => StepFrom(_w, _wt, s, keep: true);

    /// <inheritdoc/>
    protected override void StepFromPrevious(double s) => StepFrom(_previous, _previousT, s, keep: false);

    /// <inheritdoc/>
    public override void Scale(double factor)
    {
        var f = V.Create(factor);
        for (int i = 0; i < _w.Length; i += 8) At(_w, i) *= f;
        for (int i = 0; i < _wt.Length; i += 8) At(_wt, i) *= f;
    }

    /// <inheritdoc/>
    public override void StepBack() { _previous.CopyTo(_w, 0); _previousT.CopyTo(_wt, 0); }

    /// <inheritdoc/>
    public override void CopyBeta(Span<double> beta)
    {
        RightProducts(_recordRight);
        _recordRight.AsSpan(0, _d).CopyTo(beta);
    }

    /// <inheritdoc/>
    public override void CopyParameters(Span<double> w)
    {
        int p = 0;
        for (int l = 1; l <= _depth; l++)
            for (int i = 0; i < _widths[l - 1]; i++, p += _widths[l])
                _w.AsSpan(_rowOffsets[l - 1] + i * _padded[l], _widths[l]).CopyTo(w.Slice(p));
    }
}
