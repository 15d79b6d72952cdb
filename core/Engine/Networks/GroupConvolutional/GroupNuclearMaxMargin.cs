using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using MathNet.Numerics.LinearAlgebra;

namespace ImplicitBias.Engine.Networks;

/// <summary>
/// The depth-2 G-CNN's limit (docs/theory-checks.md): min sum_rho sqrt(d) ||beta_hat(rho)||_* s.t. y_n &lt;x_n,
/// beta&gt;
/// &gt;= 1, by a barrier method on its dual max sum a_n s.t. a &gt;= 0 and F_rho(a) = [[c I, Z_rho], [Z_rho^*, c I]]
/// &gt;= 0
/// (c = sqrt d, Z_rho = (sum_n a_n y_n x_n)_hat(rho), so ||Z_rho||_op &lt;= c): Newton on
/// -t sum a - sum log a_n - sum_rho log det F_rho, t x10 per round. On the central path the primal blocks are
/// beta_hat(rho) = -2 [F_rho^-1]_12 / t with margins 1 + 1/(t a_n); every round's pair is certified by
/// <see cref="GroupNuclearCertificate"/> from the data alone, and the solve stops at the first certified gap.
/// Data must be separable (the dual is unbounded otherwise; the result is then not certified).
/// </summary>
public static class GroupNuclearMaxMargin
{
    /// <summary>
    /// Solves on <paramref name="fourier"/>'s group; the relative gap of the answer is certified independently.
    /// </summary>
    public static GroupNuclearSolution Solve(GroupFourier fourier, Dataset data, double gapTolerance = 1e-9,
        int maxNewtonSteps = 2000)
    {
        var problem = new Barrier(fourier, data);
        var a = problem.Start();
        int steps = 0;
        GroupNuclearSolution? best = null;
        for (double t = 1; t <= 1e12 && steps < maxNewtonSteps; t *= 10)
        {
            steps += problem.Center(a, t, maxNewtonSteps - steps);
            if (problem.Nu / t > 1e-4 * a.Sum()) continue; // the gap bound nu / t is still far above the target
            var primalBlocks = problem.PrimalBlocks(a, t);
            var candidates = new List<GroupNuclearSolution>
            {
                GroupNuclearCertificate.Certify(fourier, data, problem.Primal(primalBlocks), a, steps, gapTolerance),
            };
            if (GroupNuclearPolish.Run(problem, a, primalBlocks) is { } polished)
                candidates.Add(GroupNuclearCertificate.Certify(fourier, data, polished.Beta, polished.Alpha, steps,
                    gapTolerance));
            foreach (var c in candidates)
                if (best == null || c.RelativeGap < best.RelativeGap || double.IsNaN(best.RelativeGap)) best = c;
            if (best!.Certified) return best;
        }
        return best ?? GroupNuclearCertificate.Certify(fourier, data, problem.Primal(problem.PrimalBlocks(a, 1e12)), a,
            steps, gapTolerance);
    }

    /// <summary>The dual barrier's pieces: blocks A_(n,rho) = [[0, Z_n], [Z_n^*, 0]] of the scaled points.</summary>
    internal sealed class Barrier
    {
        private readonly GroupFourier _fourier;
        private readonly int _count;
        private readonly int[] _degree;
        private readonly Matrix<Complex>[][] _points; // _points[rho][n] = (y_n x_n / scale)_hat(rho), d x d

        /// <summary>The transform.</summary>
        public GroupFourier Fourier => _fourier;
        /// <summary>Points[rho][n] = (y_n x_n / scale)_hat(rho), the scaled points' blocks.</summary>
        public Matrix<Complex>[][] Points => _points;

        public Barrier(GroupFourier fourier, Dataset data)
        {
            _fourier = fourier; _count = data.Count;
            int dim = data.Dimension;
            var signed = data.SignedFeatures();
            double scale = Enumerable.Range(0, _count)
                .Max(n => Math.Sqrt(signed.AsSpan(n * dim, dim).ToArray().Sum(v => v * v)));
            _degree = fourier.Irreps.Select(r => r.Dimension).ToArray();
            _points = _degree.Select(_ => new Matrix<Complex>[_count]).ToArray();
            var blocks = fourier.NewBlocks();
            for (int n = 0; n < _count; n++)
            {
                fourier.Forward(signed.AsSpan(n * dim, dim).ToArray().Select(v => v / scale).ToArray(), blocks);
                for (int r = 0; r < _degree.Length; r++)
                    _points[r][n] = Matrix<Complex>.Build.Dense(_degree[r], _degree[r],
                        (i, j) => blocks[r][i * _degree[r] + j]);
            }
            Nu = _count + 2 * _degree.Sum();
        }

        /// <summary>The barrier parameter: the gap of a central point at t is Nu / t.</summary>
        public double Nu { get; }

        /// <summary>Z_rho(a) = sum_n a_n Points[rho][n].</summary>
        public Matrix<Complex> Combination(int r, double[] a)
        {
            var z = Matrix<Complex>.Build.Dense(_degree[r], _degree[r]);
            for (int n = 0; n < _count; n++) if (a[n] != 0) z += _points[r][n] * a[n];
            return z;
        }

        private Matrix<Complex> Lmi(int r, Matrix<Complex> z)
        {
            int d = _degree[r];
            var f = Matrix<Complex>.Build.DenseIdentity(2 * d) * Math.Sqrt(d);
            f.SetSubMatrix(0, d, z); f.SetSubMatrix(d, 0, z.ConjugateTranspose());
            return f;
        }

        /// <summary>a = gamma 1 with ||Z_rho(a)||_op at most half of sqrt(d): strictly feasible.</summary>
        public double[] Start()
        {
            var ones = Enumerable.Repeat(1.0, _count).ToArray();
            double ratio = Enumerable.Range(0, _degree.Length)
                .Max(r => Combination(r, ones).L2Norm() / Math.Sqrt(_degree[r]));
            return Enumerable.Repeat(ratio > 0 ? 0.5 / ratio : 1.0, _count).ToArray();
        }

        /// <summary>-t sum a - sum log a - sum log det F, or +infinity outside the domain.</summary>
        private double Value(double[] a, double t)
        {
            if (a.Any(v => !(v > 0))) return double.PositiveInfinity;
            double phi = -t * a.Sum() - a.Sum(Math.Log);
            for (int r = 0; r < _degree.Length; r++)
            {
                var f = Lmi(r, Combination(r, a));
                var chol = f.Cholesky();
                var l = chol.Factor;
                double logDet = 0;
                for (int i = 0; i < f.RowCount; i++)
                {
                    double diag = l[i, i].Real;
                    if (!(diag > 0) || !double.IsFinite(diag)) return double.PositiveInfinity;
                    logDet += 2 * Math.Log(diag);
                }
                phi -= logDet;
            }
            return phi;
        }

        private double SafeValue(double[] a, double t)
        {
            try { return Value(a, t); }
            catch (ArgumentException) { return double.PositiveInfinity; } // not positive definite
        }

        /// <summary>
        /// Newton steps with backtracking to the central point of t (in place); returns the steps taken.
        /// </summary>
        public int Center(double[] a, double t, int budget)
        {
            int steps = 0;
            double phi = SafeValue(a, t);
            while (steps < budget)
            {
                var (g, h) = Derivatives(a, t);
                var delta = h.Cholesky().Solve(g.Negate());
                double decrement = -g.DotProduct(delta);
                steps++;
                if (!(decrement > 1e-10)) break; // phi - phi* is about decrement / 2: central to round-off
                double s = 1;
                var next = new double[_count];
                for (int k = 0; k < 60; k++, s /= 2)
                {
                    for (int n = 0; n < _count; n++) next[n] = a[n] + s * delta[n];
                    double value = SafeValue(next, t);
                    if (value <= phi - 0.25 * s * decrement && value < phi) { phi = value; break; }
                }
                if (s < 1e-15) break;
                next.CopyTo(a, 0);
            }
            return steps;
        }

        /// <summary>Gradient and Hessian of the barrier function at a.</summary>
        private (MathNet.Numerics.LinearAlgebra.Vector<double>, Matrix<double>) Derivatives(double[] a, double t)
        {
            var g = MathNet.Numerics.LinearAlgebra.Vector<double>.Build.Dense(_count, n => -t - 1 / a[n]);
            var h = Matrix<double>.Build.Dense(_count, _count, (n, m) => n == m ? 1 / (a[n] * a[n]) : 0);
            for (int r = 0; r < _degree.Length; r++)
            {
                var inverse = Lmi(r, Combination(r, a)).Inverse();
                // M_n = F^-1 A_n; tr(F^-1 A_n) and tr(F^-1 A_n F^-1 A_m) = sum_ij M_n[i, j] M_m[j, i].
                var m = Enumerable.Range(0, _count).Select(n => inverse * Lift(r, n)).ToArray();
                var flat = m.Select(x => x.ToRowMajorArray()).ToArray();
                var flatT = m.Select(x => x.Transpose().ToRowMajorArray()).ToArray();
                for (int n = 0; n < _count; n++)
                {
                    g[n] -= m[n].Trace().Real;
                    for (int k = n; k < _count; k++)
                    {
                        Complex sum = 0;
                        for (int e = 0; e < flat[n].Length; e++) sum += flat[n][e] * flatT[k][e];
                        h[n, k] += sum.Real;
                        if (k != n) h[k, n] += sum.Real;
                    }
                }
            }
            return (g, h);
        }

        private Matrix<Complex> Lift(int r, int n)
        {
            int d = _degree[r];
            var x = Matrix<Complex>.Build.Dense(2 * d, 2 * d);
            x.SetSubMatrix(0, d, _points[r][n]); x.SetSubMatrix(d, 0, _points[r][n].ConjugateTranspose());
            return x;
        }

        /// <summary>The blocks -2 [F_rho^-1]_12 / t (the primal point of the central path, up to scale).</summary>
        public Complex[][] PrimalBlocks(double[] a, double t)
        {
            var blocks = _fourier.NewBlocks();
            for (int r = 0; r < _degree.Length; r++)
            {
                int d = _degree[r];
                var inverse = Lmi(r, Combination(r, a)).Inverse();
                for (int i = 0; i < d; i++)
                    for (int j = 0; j < d; j++) blocks[r][i * d + j] = -2 * inverse[i, d + j] / t;
            }
            return blocks;
        }

        /// <summary>beta from its blocks (the real part of the inverse transform).</summary>
        public double[] Primal(Complex[][] blocks)
        {
            var beta = new double[_fourier.Group.Order];
            _fourier.InverseReal(blocks, beta);
            return beta;
        }
    }
}
