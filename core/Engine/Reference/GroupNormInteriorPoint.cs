using System.Numerics.Tensors;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Reference;

/// <summary>A primal-dual interior-point method (Mehrotra predictor-corrector, Nesterov-Todd scaling, as in CVXOPT's
/// conelp) for the group-norm max-margin pair (docs/reference-solvers.md, "GroupNormInteriorPoint")</summary>
public static class GroupNormInteriorPoint
{
    /// <summary>The dual weights a, the margin problem's u, the iterations, and the certified relative gap of the best
    /// iterate.</summary>
    public sealed record Result(double[] Alpha, double[] Coordinates, int Iterations, bool Converged, double Gap);

    /// <summary>Solves the pair for M (row-major count x dim). <paramref name="start"/> must be a u with M u &gt; 1
    /// (for instance twice the l2 max-margin solution): the method then starts strictly feasible. Stops when the gap
    /// certified from feasible rescalings is at most <paramref name="tolerance"/>.</summary>
    public static Result Solve(double[] m, int count, int dim, int[] groupStart, int[] groupSize, double[] weights,
        double[] start, double tolerance = 1e-11, int maxIterations = 200)
    {
        int groups = groupStart.Length;
        // Scale the rows to max norm 1 so that every quantity is O(1): u_s = R u, a_s = R a.
        double scale = 0;
        for (int n = 0; n < count; n++) scale = Math.Max(scale,
            Math.Sqrt(TensorPrimitives.Dot<double>(m.AsSpan(n * dim, dim), m.AsSpan(n * dim, dim))));
        var mt = new double[dim * count]; // M' scaled, dim x count
        for (int n = 0; n < count; n++) for (int d = 0; d < dim; d++) mt[d * count + n] = m[n * dim + d] / scale;
        var offset = new int[groups];
        int rows = count;
        for (int j = 0; j < groups; j++) { offset[j] = rows; rows += 1 + groupSize[j]; }
        int degree = count + groups;

        var x = new double[count]; var s = new double[rows]; var z = new double[rows];
        // Primal start: a = eps 1 inside every cone; dual start from the margin-feasible u.
        var ones = Enumerable.Repeat(1.0, count).ToArray();
        var g1 = MtTimes(mt, dim, count, ones);
        double worst = 0;
        for (int j = 0; j < groups; j++) worst = Math.Max(worst,
            GroupNorm(g1, groupStart[j], groupSize[j]) / weights[j]);
        Array.Fill(x, 0.5 / worst);
        var u = start.Select(v => v * scale).ToArray();
        double total = 0;
        for (int j = 0; j < groups; j++) total += GroupNorm(u, groupStart[j], groupSize[j]);
        for (int j = 0; j < groups; j++)
        {
            z[offset[j]] = GroupNorm(u, groupStart[j], groupSize[j]) + total / groups + 1e-12;
            for (int k = 0; k < groupSize[j]; k++) z[offset[j] + 1 + k] = u[groupStart[j] + k];
        }
        var margins = MTimes(mt, dim, count, u);
        for (int n = 0; n < count; n++) z[n] = Math.Max(margins[n] - 1, 1e-3);
        SetSlack(mt, dim, count, groupStart, groupSize, weights, offset, x, s);

        var best = (alpha: x.ToArray(), u: u.ToArray(), gap: double.PositiveInfinity);
        var cones = new SecondOrderCone[groups];
        var lambda = new double[rows]; var bt = new double[count * rows];
        int it = 0;
        bool converged = false;
        for (; it < maxIterations; it++)
        {
            var ucur = new double[dim];
            for (int j = 0; j < groups; j++) for (int k = 0; k < groupSize[j]; k++) ucur[groupStart[j]
                + k] = z[offset[j] + 1 + k];
            double gap = CertifiedGap(mt, dim, count, groupStart, groupSize, weights, x, ucur);
            if (gap < best.gap) best = (x.ToArray(), ucur, gap);
            if (gap <= tolerance) { converged = true; break; }

            // Scalings, lambda = W z, and B' = (W^-1 G)' (count x rows).
            for (int n = 0; n < count; n++) lambda[n] = Math.Sqrt(s[n] * z[n]);
            for (int j = 0; j < groups; j++)
            {
                int o = offset[j], len = 1 + groupSize[j];
                cones[j] = new SecondOrderCone(s.AsSpan(o, len), z.AsSpan(o, len));
                cones[j].Apply(z.AsSpan(o, len), lambda.AsSpan(o, len));
            }
            Array.Clear(bt);
            var col = new double[rows];
            for (int i = 0; i < count; i++)
            {
                var row = bt.AsSpan(i * rows, rows);
                row[i] = -Math.Sqrt(z[i] / s[i]);
                for (int j = 0; j < groups; j++)
                {
                    int o = offset[j], len = 1 + groupSize[j];
                    col[o] = 0;
                    for (int k = 0; k < groupSize[j]; k++) col[o + 1 + k] = mt[(groupStart[j] + k) * count + i];
                    cones[j].ApplyInverse(col.AsSpan(o, len), row.Slice(o, len));
                }
            }
            var h = Matrix<double>.Build.Dense(count, count);
            for (int i = 0; i < count; i++)
                for (int k = i; k < count; k++)
                {
                    double v = TensorPrimitives.Dot<double>(bt.AsSpan(i * rows, rows), bt.AsSpan(k * rows, rows));
                    h[i, k] = v; h[k, i] = v;
                }
            MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> factor;
            try { factor = h.Cholesky(); }
            catch (ArgumentException) { break; } // the scaling reached round-off: keep the best certified iterate

            // Residuals r_x = G'z + c, r_z = G x + s - h.
            var rx = GTranspose(mt, dim, count, groupStart, groupSize, offset, z);
            for (int n = 0; n < count; n++) rx[n] -= 1;
            var hs = new double[rows];
            SetSlack(mt, dim, count, groupStart, groupSize, weights, offset, x, hs); // h - G x
            var rz = new double[rows];
            for (int r = 0; r < rows; r++) rz[r] = s[r] - hs[r];
            double mu = TensorPrimitives.Dot<double>(s, z) / degree;

            var rc = new double[rows];
            JordanProduct(lambda, lambda, rc, count, groups, offset, groupSize);
            for (int r = 0; r < rows; r++) rc[r] = -rc[r];
            var aff = Direction(factor, bt, count, rows, cones, lambda, groups, offset, groupSize, rx, rz, rc);
            double alphaAff = Math.Min(1, MaxStep(s, aff.ds, z, aff.dz, count, groups, offset, groupSize));
            double sigma = Math.Pow(1 - alphaAff, 3);

            var corr = new double[rows];
            JordanProduct(aff.dsTilde, aff.dzTilde, corr, count, groups, offset, groupSize);
            for (int r = 0; r < rows; r++) rc[r] -= corr[r];
            for (int n = 0; n < count; n++) rc[n] += sigma * mu;
            for (int j = 0; j < groups; j++) rc[offset[j]] += sigma * mu;
            var dir = Direction(factor, bt, count, rows, cones, lambda, groups, offset, groupSize, rx, rz, rc);
            double step = Math.Min(1, 0.99 * MaxStep(s, dir.ds, z, dir.dz, count, groups, offset, groupSize));
            for (int n = 0; n < count; n++) x[n] += step * dir.dx[n];
            for (int r = 0; r < rows; r++) { s[r] += step * dir.ds[r]; z[r] += step * dir.dz[r]; }
            if (step < 1e-12) break; // stalled: return the best certified iterate
        }
        // Both objectives scale with R: a = a_s / R and u = u_s / R.
        return new Result(best.alpha.Select(v => v / scale).ToArray(), best.u.Select(v => v / scale).ToArray(), it,
            converged, best.gap);
    }

    private record struct Step(double[] dx, double[] ds, double[] dz, double[] dsTilde, double[] dzTilde);

    /// <summary>The Newton direction for G'dz = -rx, G dx + ds = -rz, lambda o (W^-1 ds + W dz) = rc, by the N x N
    /// normal equations.</summary>
    private static Step Direction(MathNet.Numerics.LinearAlgebra.Factorization.Cholesky<double> factor, double[] bt,
        int count, int rows,
        SecondOrderCone[] cones, double[] lambda, int groups, int[] offset, int[] groupSize, double[] rx, double[] rz,
            double[] rc)
    {
        // Linear block: W = diag(lambda / z) = diag(sqrt(s/z)); recover it from bt's diagonal (-1/W).
        var q = new double[rows]; var t = new double[rows];
        for (int n = 0; n < count; n++)
        {
            double winv = -bt[n * rows + n];
            q[n] = rc[n] / lambda[n];
            t[n] = winv * rz[n] + q[n];
        }
        for (int j = 0; j < groups; j++)
        {
            int o = offset[j], len = 1 + groupSize[j];
            SecondOrderCone.Divide(lambda.AsSpan(o, len), rc.AsSpan(o, len), q.AsSpan(o, len));
            cones[j].ApplyInverse(rz.AsSpan(o, len), t.AsSpan(o, len));
            for (int k = 0; k < len; k++) t[o + k] += q[o + k];
        }
        var rhs = Vector<double>.Build.Dense(count);
        for (int i = 0; i < count; i++) rhs[i] = -rx[i] - TensorPrimitives.Dot<double>(bt.AsSpan(i * rows, rows), t);
        var dx = factor.Solve(rhs).ToArray();
        var dzTilde = t.ToArray();
        for (int i = 0; i < count; i++) TensorPrimitives.MultiplyAdd(bt.AsSpan(i * rows, rows), dx[i], dzTilde,
            dzTilde);
        var dsTilde = new double[rows]; var dz = new double[rows]; var ds = new double[rows];
        for (int r = 0; r < rows; r++) dsTilde[r] = q[r] - dzTilde[r];
        for (int n = 0; n < count; n++)
        {
            double winv = -bt[n * rows + n];
            dz[n] = winv * dzTilde[n];
            ds[n] = dsTilde[n] / winv;
        }
        for (int j = 0; j < groups; j++)
        {
            int o = offset[j], len = 1 + groupSize[j];
            cones[j].ApplyInverse(dzTilde.AsSpan(o, len), dz.AsSpan(o, len));
            cones[j].Apply(dsTilde.AsSpan(o, len), ds.AsSpan(o, len));
        }
        return new Step(dx, ds, dz, dsTilde, dzTilde);
    }

    private static double MaxStep(double[] s, double[] ds, double[] z, double[] dz, int count, int groups,
        int[] offset, int[] groupSize)
    {
        double best = double.PositiveInfinity;
        for (int n = 0; n < count; n++)
        {
            if (ds[n] < 0) best = Math.Min(best, -s[n] / ds[n]);
            if (dz[n] < 0) best = Math.Min(best, -z[n] / dz[n]);
        }
        for (int j = 0; j < groups; j++)
        {
            int o = offset[j], len = 1 + groupSize[j];
            best = Math.Min(best, SecondOrderCone.MaxStep(s.AsSpan(o, len), ds.AsSpan(o, len)));
            best = Math.Min(best, SecondOrderCone.MaxStep(z.AsSpan(o, len), dz.AsSpan(o, len)));
        }
        return best;
    }

    private static void JordanProduct(double[] a, double[] b, double[] r, int count, int groups, int[] offset,
        int[] groupSize)
    {
        for (int n = 0; n < count; n++) r[n] = a[n] * b[n];
        for (int j = 0; j < groups; j++)
        {
            int o = offset[j], len = 1 + groupSize[j];
            SecondOrderCone.Product(a.AsSpan(o, len), b.AsSpan(o, len), r.AsSpan(o, len));
        }
    }

    /// <summary>s = h - G x: the orthant part is a, group j's cone is (w_j, -(M'a)_Gj).</summary>
    private static void SetSlack(double[] mt, int dim, int count, int[] groupStart, int[] groupSize, double[] weights,
        int[] offset, double[] x, double[] s)
    {
        var g = MtTimes(mt, dim, count, x);
        for (int n = 0; n < count; n++) s[n] = x[n];
        for (int j = 0; j < groupStart.Length; j++)
        {
            s[offset[j]] = weights[j];
            for (int k = 0; k < groupSize[j]; k++) s[offset[j] + 1 + k] = -g[groupStart[j] + k];
        }
    }

    /// <summary>G'z = -z_orthant + M u, with u gathered from the cones' tails.</summary>
    private static double[] GTranspose(double[] mt, int dim, int count, int[] groupStart, int[] groupSize,
        int[] offset, double[] z)
    {
        var u = new double[dim];
        for (int j = 0; j < groupStart.Length; j++) for (int k = 0; k < groupSize[j]; k++) u[groupStart[j]
            + k] = z[offset[j] + 1 + k];
        var r = MTimes(mt, dim, count, u);
        for (int n = 0; n < count; n++) r[n] -= z[n];
        return r;
    }

    /// <summary>The relative gap between the rescaled feasible points: (sum w||u|| / min margin) against sum a / max
    /// ||(M'a)_G||/w.</summary>
    private static double CertifiedGap(double[] mt, int dim, int count, int[] groupStart, int[] groupSize,
        double[] weights, double[] x, double[] u)
    {
        double minMargin = MTimes(mt, dim, count, u).Min();
        if (!(minMargin > 0)) return double.PositiveInfinity;
        var a = x.Select(v => Math.Max(v, 0)).ToArray();
        var g = MtTimes(mt, dim, count, a);
        double primal = 0, dualNorm = 0;
        for (int j = 0; j < groupStart.Length; j++)
        {
            primal += weights[j] * GroupNorm(u, groupStart[j], groupSize[j]);
            dualNorm = Math.Max(dualNorm, GroupNorm(g, groupStart[j], groupSize[j]) / weights[j]);
        }
        primal /= minMargin;
        double dual = a.Sum() / dualNorm;
        return (primal - dual) / primal;
    }

    private static double GroupNorm(double[] v, int start, int size) =>
        Math.Sqrt(TensorPrimitives.Dot<double>(v.AsSpan(start, size), v.AsSpan(start, size)));

    /// <summary>M'a (length dim) from mt = M' stored dim x count.</summary>
    private static double[] MtTimes(double[] mt, int dim, int count, double[] a)
    {
        var r = new double[dim];
        for (int d = 0; d < dim; d++) r[d] = TensorPrimitives.Dot<double>(mt.AsSpan(d * count, count), a);
        return r;
    }

    /// <summary>M u (length count) from mt = M' stored dim x count.</summary>
    private static double[] MTimes(double[] mt, int dim, int count, double[] u)
    {
        var r = new double[count];
        for (int d = 0; d < dim; d++) if (u[d] != 0) TensorPrimitives.MultiplyAdd(mt.AsSpan(d * count, count), u[d], r,
            r);
        return r;
    }
}
