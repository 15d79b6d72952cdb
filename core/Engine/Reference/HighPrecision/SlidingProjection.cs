namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>Keeps a Newton update of a stage value on the sliding manifold.
/// (docs/late-phase.md, "SlidingProjection")</summary>
public static class SlidingProjection
{
    /// <summary>The gaps G_n(v) = mu_n(v/|v|) - mu_r(v/|v|) for n in <paramref name="others"/> and reference point
    /// r.</summary>
    public static BigFloat[] Gaps(FlowField field, BigFloat[] v, int reference, int[] others)
    {
        var mu = field.Margins(BigVector.Normalize(v));
        return others.Select(n => mu[n] - mu[reference]).ToArray();
    }

    /// <summary>The rows of G'(v): (I - u u^T)(grad mu_n(u) - grad mu_r(u)) / |v|, u = v / |v|.</summary>
    public static BigFloat[][] GapGradients(FlowField field, BigFloat[] v, int reference, int[] others)
    {
        var norm = BigVector.Norm(v);
        var u = v.Select(x => x / norm).ToArray();
        var rows = others.Select(n => field.Model.PullBack(u, field.Row(n, u[0].Precision))).ToArray();
        var referenceRow = field.Model.PullBack(u, field.Row(reference, u[0].Precision));
        return rows.Select(row =>
        {
            var d = row.Select((x, i) => x - referenceRow[i]).ToArray();
            var radial = BigVector.Dot(d, u);
            return d.Select((x, i) => (x - radial * u[i]) / norm).ToArray();
        }).ToArray();
    }

    /// <summary>v + dv with the gaps of <paramref name="others"/> against <paramref name="reference"/> moved to target
    /// = G(v) + G'(v) dv: corrections along G'(v)'s rows (Gram system), repeated while each halves the mismatch, at
    /// most 30 times; the best point seen is returned (v + dv itself when no correction helps).</summary>
    public static BigFloat[] Apply(FlowField field, BigFloat[] v, BigFloat[] dv, int reference, int[] others,
        BigFloat[][] gradients, BigFloat[] target)
    {
        var moved = v.Select((x, i) => x + dv[i]).ToArray();
        int k = others.Length;
        if (k == 0) return moved;
        var gram = new BigFloat[k, k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) gram[a, b] = BigVector.Dot(gradients[a], gradients[b]);
        var best = moved;
        double previous = double.PositiveInfinity;
        for (int iteration = 0; iteration < 30; iteration++)
        {
            var gaps = Gaps(field, moved, reference, others);
            var mismatch = target.Select((t, a) => t - gaps[a]).ToArray();
            double size = mismatch.Max(m => Math.Abs(m.ToDouble()));
            if (!(size < previous / 2)) break;
            (best, previous) = (moved, size);
            if (size == 0) break;
            BigFloat[] c;
            try { c = BigLinearSolve.Solve(gram, mismatch); }
            catch (InvalidOperationException) { break; }
            for (int a = 0; a < k; a++) moved = BigVector.AddScaled(moved, c[a], gradients[a]);
        }
        return best;
    }
}
