using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Groups;
using ImplicitBias.Engine.Numerics;
using ImplicitBias.Engine.Reference;
using static System.FormattableString;

namespace ImplicitBias.Engine.Theory;

/// <summary>The group bridge limit (p = 2/L &lt; 1) for <see cref="CertifiedLimit"/>: the first-order stationary
/// point next to gradient descent's direction, found by <see cref="GroupBridgePolish"/> from the block ranks and active
/// set read off it, certified by <see cref="GroupBridgeKkt"/> (docs/theory-checks.md, "The L &gt;= 3 limit").</summary>
internal static class GroupBridgeLimit
{
    /// <summary>The relative thresholds at which ranks and the active set are read off the direction.</summary>
    private static readonly double[] Readings = [1e-8, 1e-6, 1e-4, 1e-3, 1e-2];

    public static LimitCertificate Find(GroupFourier fourier, Dataset data, double p, double[] start,
        LimitOptions options)
    {
        var clock = Stopwatch.StartNew();
        string from = "the run's direction";
        if (!start.All(double.IsFinite) || !(Certificate.Margins(data, start).Min() > 0))
        {
            var l2 = L2MaxMargin.Solve(data);
            if (l2.Status == SolverStatus.NotSeparable)
                return CertifiedLimit.NotSeparable(data, LimitKind.GroupBridge, p, l2.Message);
            start = l2.Beta;
            from = "the l2 max-margin direction (the given one does not separate)";
        }
        var polish = new GroupBridgePolish(fourier, data, p);
        GroupBridgeCheck? nearest = null, best = null;
        double nearestAngle = double.PositiveInfinity;
        string how = "";
        var tried = new HashSet<string>();
        foreach (var threshold in Readings)
        {
            if (options.Cancellation.IsCancellationRequested) break;
            var read = GroupBridgeKkt.Certify(fourier, data, start, p, Math.Max(threshold, options.SupportThreshold),
                Math.Max(threshold, options.ActiveTolerance));
            var (ranks, active) = (read.Ranks, read.Active.ToList());
            var beta = read.Beta;
            for (int round = 0; round < options.PolishRounds; round++)
            {
                if (!tried.Add(string.Join(",", ranks) + "|" + string.Join(",", active))) break;
                var alpha0 = active.Select(n => read.Alpha[n]).ToArray();
                var (polished, alpha, defect, steps) =
                    polish.Run(beta, alpha0, ranks, active.ToArray(), options.NewtonIterations);
                if (!polished.All(double.IsFinite)) break;
                var check = GroupBridgeKkt.Certify(fourier, data, polished, p, options.SupportThreshold,
                    options.ActiveTolerance);
                bool ok = check.Holds(options.ResidualTolerance) && check.Ranks.SequenceEqual(ranks);
                if (best is null || check.KktResidual < best.KktResidual) best = check;
                if (ok)
                {
                    double angle = Geometry.Angle(start, check.Beta);
                    if (angle < nearestAngle)
                    {
                        (nearest, nearestAngle) = (check, angle);
                        how = Invariant($"ranks and active set read at {threshold:E0}, {round + 1} polish round") +
                            Invariant($"{(round == 0 ? "" : "s")}, Gauss-Newton {steps} steps to defect {defect:E2}");
                    }
                    break;
                }
                // Correct the reading: a margin fell below 1, a kept singular value collapsed, a negative alpha.
                var margins = Certificate.Margins(data, polished);
                var below = Enumerable.Range(0, data.Count)
                    .Where(n => !active.Contains(n) && margins[n] < 1 - 1e-12).ToArray();
                int negative = Enumerable.Range(0, alpha.Length).Where(a => alpha[a] < 0)
                    .OrderBy(a => alpha[a]).DefaultIfEmpty(-1).First();
                if (below.Length > 0) { active.AddRange(below); active.Sort(); }
                else if (!check.Ranks.SequenceEqual(ranks) && check.Ranks.Sum() > 0) ranks = check.Ranks;
                else if (negative >= 0) active.RemoveAt(negative);
                else break;
                if (active.Count == 0) break;
                beta = polished;
            }
        }
        var chosen = nearest ?? best;
        if (chosen is null)
            return CertifiedLimit.NotSeparable(data, LimitKind.GroupBridge, p, "no candidate could be polished");
        string verdict = nearest is not null
            ? Invariant($"Certified stationary point of the group bridge problem (p = {p:G6}) on ") +
              Invariant($"{fourier.Group.Name} in {clock.Elapsed.TotalSeconds:F2} s, from {from}: {how}")
            : Invariant($"NOT certified (group bridge, p = {p:G6}) on {fourier.Group.Name} after ") +
              Invariant($"{clock.Elapsed.TotalSeconds:F2} s, from {from}; the best candidate is returned");
        return Assemble(p, chosen, nearest is not null, verdict, options);
    }

    /// <summary>The certificate of a check: Support lists the blocks of non-zero rank.</summary>
    internal static LimitCertificate Assemble(double p, GroupBridgeCheck check, bool certified, string verdict,
        LimitOptions options)
    {
        string numbers = Invariant($"; KKT residual {check.KktResidual:E2} (stationarity {check.Stationarity:E2}, ") +
            Invariant($"core {check.Core:E2}; tolerance {options.ResidualTolerance:E0}), min alpha ") +
            Invariant($"{check.MinAlpha:G4}, smallest inactive margin {check.SmallestInactive:G10}, block ranks ") +
            $"[{string.Join(",", check.Ranks)}]" +
            (check.Degenerate == "" ? "" : $"; degenerate: {check.Degenerate}") + ".";
        var direction = Geometry.Normalize(check.Beta);
        double largest = check.Alpha.DefaultIfEmpty(0).Max();
        return new LimitCertificate(LimitKind.GroupBridge, p,
            certified ? LimitStatus.Certified : LimitStatus.NotCertified, direction,
            double.IsFinite(check.Stationarity) ? check.Stationarity : 1, check.MinAlpha, check.Slackness * largest,
            Enumerable.Range(0, check.Ranks.Length).Where(t => check.Ranks[t] > 0).ToArray(), check.Active,
            check.Active.Length, check.Equations, check.Degenerate != "", verdict + numbers)
        { BlockRanks = check.Ranks };
    }
}
