using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Fourier;
using System.Diagnostics;
using System.Numerics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The bridge limits (p = 2/L &lt; 1) for <see cref="CertifiedLimit"/>: the first-order stationary point of
/// min ||.||_p^p s.t. margins &gt;= 1 (eq. 10) that gradient descent is heading to.
/// (docs/theory-checks.md, "BridgeLimit")</summary>
internal static class BridgeLimit
{
    public static LimitCertificate Find(Dataset data, LimitKind kind, double p, double[] start, LimitOptions options,
        Grid grid)
    {
        var clock = Stopwatch.StartNew();
        var space = new EntrySpace(CertifiedLimit.DomainOf(kind), grid);
        // The l2 solution is only needed to start from when the direction cannot be used, and to tell a
        // NotSeparable answer (the local solver then fails at its first step): solved only then (a full Wolfe
        // solve, a few seconds at D = 1024, N = 512, that cannot be stopped).
        var l2Solve = new Lazy<MaxMarginSolution>(() => L2MaxMargin.Solve(data));
        var notes = new List<string>();
        if (!start.All(double.IsFinite) || !start.Any(v => v != 0))
        {
            if (l2Solve.Value.Status == SolverStatus.NotSeparable) return CertifiedLimit.NotSeparable(data, kind, p,
                l2Solve.Value.Message);
            notes.Add("the given direction is zero or not finite, so the local solver starts from the l2 max-margin " +
                      "solution");
            start = l2Solve.Value.Beta;
        }
        var cancel = options.Cancellation;
        var points = CertifiedLimit.PointEntries(data, space);
        // GD's own direction first: where it already sits at a stationary point, Newton on the KKT system of its own
        // support and active set certifies the point next to it. The local solver cannot be trusted with that:
        // reweighted l2 regrows entries GD is driving to zero (seen at 1e-7 of the largest while still decaying) and
        // walks to another stationary point, 0.03-0.47 rad away on the sets where this was seen.
        var own = options.OwnDirection ? OwnDirection(data, kind, p, space, points, start, options) : null;
        if (own is not null)
            return own with { Message = Invariant(
                $"Certified stationary point of eq. (10) ({kind}, p = {p:G6}) in {clock.Elapsed.TotalSeconds:F2} s: ")
                + "polished from the run's own direction; " + own.Message + "." };
        double first = Math.Max(options.LocalTolerance, options.LocalFirstTolerance);
        var local = BridgeLocalSolver.Solve(data, p, space, start, first, options.LocalMaxIterations, null, cancel);
        if (local.Beta is null && local.Outcome != LocalSolverOutcome.Cancelled)
        {
            var l2 = l2Solve.Value;
            if (l2.Status == SolverStatus.NotSeparable) return CertifiedLimit.NotSeparable(data, kind, p, l2.Message);
            notes.Add("the data is not separable on the direction's support (its exact zeros stay zero), so the " +
                      "local solver restarts from the l2 max-margin solution");
            local = BridgeLocalSolver.Solve(data, p, space, l2.Beta, first, options.LocalMaxIterations, null, cancel);
        }
        if (local.Outcome == LocalSolverOutcome.Cancelled)
            return Stopped(kind, p, local.Beta ?? start, Invariant(
                $"NOT certified ({kind}, p = {p:G6}): stopped by its caller (a run's time limit) after ") +
                    Invariant($"{clock.Elapsed.TotalSeconds:F2} s and {local.Iterations} reweighted-l2 iterations; ") +
                    Invariant($"the last iterate is returned, with no certificate."));
        var beta0 = local.Beta ?? l2Solve.Value.Beta;
        notes.Insert(0,
            Invariant($"reweighted l2 from the run's direction: {local.Outcome} after {local.Iterations} iterations ") +
            Invariant($"(tolerance {first:E0})"));
        var best = PolishRounds(data, kind, p, space, points, beta0, options, notes);
        if (best?.Status != LimitStatus.Certified && first > options.LocalTolerance && local.Beta is not null
            && !cancel.IsCancellationRequested)
        {
            // Not certified from the loose point: the sets read there may be wrong; go on to the tight tolerance.
            var more = BridgeLocalSolver.Solve(data, p, space, local.Beta, options.LocalTolerance,
                options.LocalMaxIterations, null, cancel);
            if (more.Outcome == LocalSolverOutcome.Cancelled)
                return Stopped(kind, p, more.Beta ?? beta0, Invariant(
                    $"NOT certified ({kind}, p = {p:G6}): stopped by its caller (a run's time limit) after ") +
                        Invariant($"{clock.Elapsed.TotalSeconds:F2} s; the last iterate is returned, with no ") +
                        Invariant($"certificate."));
            notes.Add(Invariant($"not certified from there, so reweighted l2 went on to tolerance ") +
                Invariant($"{options.LocalTolerance:E0}: {more.Outcome} after {more.Iterations} more iterations"));
            var second = PolishRounds(data, kind, p, space, points, more.Beta ?? beta0, options, notes);
            if (second is not null
                && (best is null || second.Status == LimitStatus.Certified
                || second.Residual < best.Residual)) best = second;
        }
        if (best is null)
            return Stopped(kind, p, beta0, Invariant(
                $"NOT certified ({kind}, p = {p:G6}): stopped by its caller (a run's time limit) before the polish, ") +
                    Invariant($"after {clock.Elapsed.TotalSeconds:F2} s; the local solver's point is returned, with ") +
                    Invariant($"no certificate."));
        var verdict = best.Status == LimitStatus.Certified
            ? Invariant($"Certified stationary point of eq. (10) ({kind}, p = {p:G6}) in ") +
                Invariant($"{clock.Elapsed.TotalSeconds:F2} s")
            : Invariant($"NOT certified ({kind}, p = {p:G6}) after {clock.Elapsed.TotalSeconds:F2} s; the best ") +
                Invariant($"candidate is returned");
        return best with { Message = verdict + ": " + string.Join("; ", notes) + "." };
    }

    /// <summary>The stationary point next to the run's own direction, if one certifies: the support and active set read
    /// off the direction at each threshold of <see cref="OwnReadings"/>, one polish round each; of the certified
    /// points, the nearest to the direction. (docs/theory-checks.md, "BridgeLimit.OwnDirection")</summary>
    private static LimitCertificate? OwnDirection(
        Dataset data, LimitKind kind, double p, EntrySpace space, Complex[][] points, double[] start,
        LimitOptions options)
    {
        LimitCertificate? nearest = null;
        double nearestAngle = double.PositiveInfinity;
        var tried = new HashSet<string>();
        foreach (var threshold in OwnReadings)
        {
            if (options.Cancellation.IsCancellationRequested) return null;
            var notes = new List<string>();
            var reading = options with
            {
                SupportThreshold = Math.Max(options.SupportThreshold, threshold),
                ActiveTolerance = Math.Max(options.ActiveTolerance, threshold),
                PolishRounds = 1,
            };
            var scaled = start;
            var (support, active) = ReadSets(data, space, ref scaled, reading);
            if (support.Count == 0 || !tried.Add(string.Join(",", support) + "|" + string.Join(",", active))) continue;
            var candidate = PolishRounds(data, kind, p, space, points, scaled, support, active, reading, notes);
            if (candidate?.Status != LimitStatus.Certified) continue;
            double angle = Geometry.Angle(start, candidate.Direction);
            if (angle < nearestAngle)
            {
                nearestAngle = angle;
                string readAt = Invariant($"support and active set read at {threshold:E0} ({angle:E1} rad from it); ");
                nearest = candidate with { Message = readAt + string.Join("; ", notes) };
            }
        }
        return nearest;
    }

    /// <summary>The relative thresholds at which <see cref="OwnDirection"/> reads the support and active set.</summary>
    private static readonly double[] OwnReadings = [1e-8, 1e-6, 1e-4, 1e-3, 1e-2];

    /// <summary>Reads the support and active set off <paramref name="beta0"/>, polishes by Newton on their KKT system
    /// and certifies; corrects the sets and polishes again (at most <see cref="LimitOptions.PolishRounds"/> times).
    /// (docs/theory-checks.md, "BridgeLimit.PolishRounds")</summary>
    private static LimitCertificate? PolishRounds(
        Dataset data, LimitKind kind, double p, EntrySpace space, Complex[][] points, double[] beta0,
            LimitOptions options, List<string> notes)
    {
        var (support, active) = ReadSets(data, space, ref beta0, options);
        return PolishRounds(data, kind, p, space, points, beta0, support, active, options, notes);
    }

    /// <summary>The same from sets already read off <paramref name="beta0"/> (scaled to unit minimum margin).</summary>
    private static LimitCertificate? PolishRounds(
        Dataset data, LimitKind kind, double p, EntrySpace space, Complex[][] points, double[] beta0,
        List<int> support, List<int> active, LimitOptions options, List<string> notes)
    {
        var cancel = options.Cancellation;

        LimitCertificate? best = null;
        var beta = beta0;
        var visited = new HashSet<string>();
        for (int round = 1; round <= options.PolishRounds && !cancel.IsCancellationRequested; round++)
        {
            if (!visited.Add(string.Join(",", support) + "|" + string.Join(",", active)))
            {
                notes.Add("the corrections cycle back to a support and active set already tried, so the local " +
                          "solver's sets are probably not final (give it more iterations)");
                break;
            }
            var kkt = new SupportKkt(points, support.ToArray(), active.ToArray(), space, p);
            var current = space.Of(beta);
            var u0 = kkt.CoordinatesOf(current);
            var (alpha0, _) = kkt.Fit(current);
            var polish = BridgeKktPolish.Run(kkt, u0, alpha0, options.NewtonIterations);
            var polished = kkt.ToVector(polish.U);
            var raw = Certificate.Margins(data, polished);

            // Certificate from the polished beta alone.
            var m = UnitMargins(data, ref polished);
            var e = space.Of(polished);
            double top = e.Max(x => x.Magnitude);
            var (alphaActive, residual) = kkt.Fit(e);
            var alpha = new double[data.Count];
            for (int a = 0; a < kkt.Active.Length; a++) alpha[kkt.Active[a]] = alphaActive[a];
            var collapsed = kkt.Support.Where(j => !(e[j].Magnitude > options.SupportThreshold * top)).ToArray();
            var inactive = Enumerable.Range(0, data.Count).Where(n => !active.Contains(n)).ToArray();
            var violated = inactive.Where(n => !(raw[n] >= 1 - 1e-12)).ToArray();
            double worstInactive = inactive.Length == 0 ? double.PositiveInfinity : inactive.Min(n => m[n]);
            bool ok = residual <= options.ResidualTolerance && collapsed.Length == 0 && violated.Length == 0
                && double.IsFinite(polish.DefectNorm);
            string detail = Invariant(
                $"round {round}: Newton {polish.Iterations} steps to KKT defect {polish.DefectNorm:E2}; NNLS ") +
                    Invariant($"residual {residual:E2} (tolerance {options.ResidualTolerance:E0}), min alpha ") +
                    Invariant($"{(alphaActive.Length == 0 ? 0 : alphaActive.Min()):G4}, smallest inactive margin ") +
                    Invariant($"{(double.IsFinite(worstInactive) ? worstInactive : 0):G10}");
            var candidate = CertifiedLimit.Assemble(kind, p, ok ? LimitStatus.Certified : LimitStatus.NotCertified,
                polished, m, kkt, alpha, residual, "");
            if (best is null || ok || candidate.Residual < best.Residual) best = candidate with { Message = detail };
            if (ok)
            {
                notes.Add(detail);
                break;
            }
            // Correct the sets and polish again.
            int negative = -1; double mostNegative = 0;
            for (int a = 0; a < polish.Alpha.Length; a++)
                if (polish.Alpha[a] < mostNegative) { mostNegative = polish.Alpha[a]; negative = kkt.Active[a]; }
            if (violated.Length > 0)
            {
                active.AddRange(violated); active.Sort();
                notes.Add(detail
                    + Invariant($"; points {string.Join(",", violated)} fell below margin 1 and join the active set"));
            }
            else if (collapsed.Length > 0)
            {
                support.RemoveAll(j => collapsed.Contains(j));
                notes.Add(detail
                    + Invariant($"; entries {string.Join(",", collapsed)} collapsed to 0 and leave the support"));
            }
            else if (negative >= 0 && residual > options.ResidualTolerance)
            {
                active.Remove(negative);
                notes.Add(detail
                    + Invariant($"; point {negative} has alpha {mostNegative:G4} < 0 and leaves the active set"));
            }
            else
            {
                notes.Add(detail + "; no correction of the support or active set applies");
                break;
            }
            if (support.Count == 0) { notes.Add("the support became empty"); break; }
            beta = polished;
        }
        return best;
    }

    /// <summary>The support (entries above <see cref="LimitOptions.SupportThreshold"/> of the largest) and the active
    /// set (margins at most 1 + <see cref="LimitOptions.ActiveTolerance"/>) of beta, scaled to unit minimum margin in
    /// place.</summary>
    private static (List<int> Support, List<int> Active) ReadSets(
        Dataset data, EntrySpace space, ref double[] beta, LimitOptions options)
    {
        var margins = UnitMargins(data, ref beta);
        var entries = space.Of(beta);
        double largest = entries.Max(e => e.Magnitude);
        var support = Enumerable.Range(0, entries.Length)
            .Where(j => entries[j].Magnitude > options.SupportThreshold * largest).ToList();
        var active = Enumerable.Range(0, data.Count).Where(n => margins[n] <= 1 + options.ActiveTolerance).ToList();
        return (support, active);
    }

    /// <summary>The answer of a solve its caller stopped: NotCertified, the given point's direction, residual 1
    /// (nothing certified).</summary>
    private static LimitCertificate Stopped(LimitKind kind, double p, double[] beta, string message)
    {
        var direction = Geometry.Normalize(beta);
        if (!direction.All(double.IsFinite)) direction = new double[beta.Length];
        return new LimitCertificate(kind, p, LimitStatus.NotCertified, direction, 1, 0, double.MaxValue, [], [], 0, 0,
            false, message);
    }

    /// <summary>Scales beta to unit minimum margin in place and returns the margins at that scale.</summary>
    private static double[] UnitMargins(Dataset data, ref double[] beta)
    {
        var margins = Certificate.Margins(data, beta);
        double min = margins.Min();
        if (!(min > 0)) return margins;
        beta = beta.Select(v => v / min).ToArray();
        return margins.Select(v => v / min).ToArray();
    }
}
