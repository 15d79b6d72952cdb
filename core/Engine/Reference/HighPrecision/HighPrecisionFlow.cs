using System.Diagnostics;
using ImplicitBias.Engine.Data;
using ImplicitBias.Engine.Networks;

namespace ImplicitBias.Engine.Reference.HighPrecision;

/// <summary>The slow, obviously correct twin of late-phase direction integrators: the exact direction ODE of
/// <see cref="FlowField"/> integrated in <see cref="BigFloat"/> from (u0, tau0) to tau1, past theta ~ 36 where the
/// weights exp(-s mu_n) can no longer be formed in doubles. (docs/late-phase.md, "HighPrecisionFlow")</summary>
public static class HighPrecisionFlow
{
    /// <summary>The end of an integration.</summary>
    /// <param name="Direction">u(tau1), the nearest doubles.</param>
    /// <param name="ExactDirection">u(tau1) at the working precision (to continue from).</param>
    /// <param name="Tau">tau1.</param>
    /// <param name="Theta">log(-log L) at u(tau1) and tau1.</param>
    /// <param name="Steps">Accepted steps.</param>
    /// <param name="RejectedSteps">Steps redone shorter (error too large, or Newton's method failed).</param>
    /// <param name="ErrorEstimate">Sum of the accepted steps' error estimates (radians): the global error if the flow
    /// does not amplify local errors.</param>
    /// <param name="Bits">The working precision at the end.</param>
    /// <param name="NewtonIterations">Newton iterations over all steps.</param>
    /// <param name="Seconds">Wall-clock time.</param>
    public sealed record Result(double[] Direction, BigFloat[] ExactDirection, double Tau, double Theta, int Steps,
        int RejectedSteps, double ErrorEstimate, int Bits, long NewtonIterations, double Seconds);

    /// <summary>Working bits at tau: 128 + 1.5 tau / log 2 (+ extra), rounded up to a multiple of 32. The weights need
    /// s (mu_n - mu_m) to far below 1 while mu is O(1): e^tau 2^-bits = 2^-128 e^(-tau/2) is below 1e-38
    /// everywhere.</summary>
    public static int BitsAt(double tau, int extraBits = 0)
    {
        int raw = 128 + (int)Math.Ceiling(1.5 * Math.Max(tau, 0) / Math.Log(2)) + extraBits;
        return 32 * ((raw + 31) / 32);
    }

    /// <summary>u(tau1) for an engine model on a dataset (its points as given: tau is log s with these z_n).</summary>
    public static Result Integrate(IParameterization model, Dataset data, double[] u0, double tau0, double tau1,
        FlowOptions? options = null) =>
        Integrate(HighPrecisionModels.Of(model), data.SignedFeatures(), data.Count, u0, tau0, tau1, options);

    /// <summary>u(tau1) from a direction given in doubles (normalized here).
    /// (docs/late-phase.md, "HighPrecisionFlow.Integrate")</summary>
    public static Result Integrate(IHighPrecisionModel model, double[] signedFeatures, int count, double[] u0,
        double tau0, double tau1, FlowOptions? options = null)
    {
        var field = new FlowField(model, signedFeatures, count);
        int p = BitsAt(tau0, options?.ExtraBits ?? 0);
        var u = BigVector.Normalize(BigVector.FromDoubles(u0, p));
        var mu = field.Margins(u);
        var smallest = mu.Min();
        double rounding = 64 * Math.ScaleB(1.0, -53) * mu.Max(m => Math.Abs(m.ToDouble()));
        if (Math.Exp(tau0) * rounding > 1.0 / 16)
        {
            int reference = Array.IndexOf(mu, smallest);
            var tied = Enumerable.Range(0,
                count).Where(n => n != reference && (mu[n] - smallest).ToDouble() <= rounding).ToArray();
            var gradients = SlidingProjection.GapGradients(field, u, reference, tied);
            var zeros = BigVector.Zeros(tied.Length, p);
            u = BigVector.Normalize(SlidingProjection.Apply(field, u, BigVector.Zeros(u.Length, p), reference, tied,
                gradients, zeros));
        }
        return Integrate(model, signedFeatures, count, u, tau0, tau1, options);
    }

    /// <summary>u(tau1) from a direction in BigFloat (e.g. an earlier result's ExactDirection).</summary>
    public static Result Integrate(IHighPrecisionModel model, double[] signedFeatures, int count, BigFloat[] u0,
        double tau0, double tau1, FlowOptions? options = null)
    {
        var o = options ?? new FlowOptions();
        if (u0.Length != model.ParameterCount)
            throw new ArgumentException($"u0 has {u0.Length} entries but {model.Name} has {model.ParameterCount} " +
                                        $"parameters.");
        if (!(tau1 >= tau0)) throw new
            ArgumentException($"tau1 = {tau1} is before tau0 = {tau0}: the flow is integrated forward only.");
        if (!(o.Tolerance > 0) || o.Stages < 1) throw new ArgumentException($"bad options {o}.");
        var clock = Stopwatch.StartNew();
        var field = new FlowField(model, signedFeatures, count);
        int bits = BitsAt(tau1, o.ExtraBits);
        var end = BigFloat.FromDouble(tau1, bits);
        var tau = BigFloat.FromDouble(tau0, bits);
        var u = BigVector.Normalize(BigVector.WithPrecision(u0, BitsAt(tau0, o.ExtraBits)));
        double h = Math.Min(o.InitialStep, tau1 - tau0), errorSum = 0;
        int steps = 0, rejected = 0;
        long iterations = 0;
        while (tau < end)
        {
            if (steps + rejected >= o.MaxSteps)
                throw new InvalidOperationException($"{o.MaxSteps} steps did not reach tau = {tau1} (at tau = " +
                                                    $"{tau.ToDouble()}).");
            if (h < 1e-12 * (1 + Math.Abs(tau.ToDouble())))
                throw new InvalidOperationException(FormattableString.Invariant(
                    $"the step fell to {h:G3} at tau = {tau.ToDouble()}: Newton's iteration fails there ({rejected} ") +
                        FormattableString.Invariant($"steps rejected)."));
            double remaining = (end - tau).ToDouble();
            bool last = h >= remaining;
            int p = BitsAt(tau.ToDouble() + Math.Min(h, remaining), o.ExtraBits);
            var method = RadauIIA.Create(o.Stages, p + 32);
            var step = last ? (end - tau).WithPrecision(p) : BigFloat.FromDouble(h, p);
            var half = step.ScaleB(-1);
            var start = BigVector.WithPrecision(u, p);
            var t = tau.WithPrecision(p);
            var whole = RadauStep.Take(field, method, start, t, step,
                method.Nodes.Select(StepGuess.FromStart(field, t, step, start).At).ToArray());
            var known = whole.Stages is null ? StepGuess.FromStart(field, t, step, start)
                : new StepGuess(field, t, step, [BigFloat.Zero(p), .. method.Nodes], [start, .. whole.Stages]);
            var first = RadauStep.Take(field, method, start, t, half, Guesses(known, method, 0));
            var second = first.Next is null ? null
                : RadauStep.Take(field, method, first.Next, t + half, half, Guesses(known, method, 1));
            iterations += whole.Iterations + first.Iterations + (second?.Iterations ?? 0);
            if (whole.Next is null || second?.Next is null)
            {
                rejected++; h = step.ToDouble() / 4;
                continue;
            }
            double error = BigVector.Angle(whole.Next, second.Next) / (Math.Pow(2, method.Order) - 1);
            double length = step.ToDouble();
            double factor = error > 0 ? 0.9 * Math.Pow(o.Tolerance * length / error, 1.0 / method.Order) : 4;
            if (error <= o.Tolerance * length)
            {
                u = second.Next; tau = last ? end : tau + step; steps++; errorSum += error;
                h = length * Math.Clamp(factor, 0.2, 4);
            }
            else { rejected++; h = length * Math.Clamp(factor, 0.1, 0.9); }
        }
        var exact = BigVector.WithPrecision(u, bits);
        return new Result(BigVector.ToDoubles(exact), exact, tau1, Theta(field, exact, end), steps, rejected, errorSum,
            bits, iterations, clock.Elapsed.TotalSeconds);
    }

    /// <summary>Starting stages for half <paramref name="part"/> (0 or 1) of the step the guess was made for.</summary>
    private static BigFloat[][] Guesses(StepGuess guess, RadauIIA method, int part) =>
        method.Nodes.Select(c => guess.At((c + BigFloat.FromInteger(part, c.Precision)).ScaleB(-1))).ToArray();

    /// <summary>theta = log(-log L) at direction u and tau, at the working precision of tau.</summary>
    public static double Theta(IParameterization model, Dataset data, double[] u, double tau) =>
        Theta(new FlowField(HighPrecisionModels.Of(model), data.SignedFeatures(), data.Count),
            BigVector.FromDoubles(u, BitsAt(tau)), BigFloat.FromDouble(tau, BitsAt(tau)));

    /// <summary>theta = log(-log L) at direction u (normalized here) and tau; NaN where L &gt;= 1.</summary>
    public static double Theta(FlowField field, BigFloat[] u, BigFloat tau)
    {
        var loss = field.NegativeLogLoss(u, BigFloatMath.Exp(tau));
        return loss.Sign > 0 ? BigFloatMath.Log(loss).ToDouble() : double.NaN;
    }

    /// <summary>The tau at which direction u has theta = log(-log L) equal to <paramref name="theta"/>: Newton's
    /// iteration on theta(u, tau), which increases with tau where mu . q &gt; 0 (d theta / d tau = s mu . q / (-log L)
    /// by the weights q normalized to sum 1). (docs/late-phase.md, "HighPrecisionFlow.TauAtTheta")</summary>
    public static double TauAtTheta(IParameterization model, Dataset data, double[] u, double theta)
    {
        var field = new FlowField(HighPrecisionModels.Of(model), data.SignedFeatures(), data.Count);
        double tau = theta - Math.Log(Math.Max(1e-300,
            field.Margins(BigVector.Normalize(BigVector.FromDoubles(u, 128))).Max().ToDouble()));
        for (int iteration = 0; iteration < 100; iteration++)
        {
            int p = BitsAt(tau);
            var uu = BigVector.Normalize(BigVector.FromDoubles(u, p));
            var s = BigFloatMath.Exp(BigFloat.FromDouble(tau, p));
            var mu = field.Margins(uu);
            var q = field.Weights(mu, s, out _);
            var sum = q.Aggregate((a, b) => a + b);
            var slope = mu.Zip(q, (m, w) => m * w).Aggregate((a, b) => a + b) / sum * s;
            var loss = field.NegativeLogLoss(uu, s);
            if (!(loss.Sign > 0) || !(slope.Sign > 0))
                { tau += 1; continue; } // not yet fit at this scale: a larger s
            double change = (BigFloat.FromDouble(theta,
                p) - BigFloatMath.Log(loss)).ToDouble() * (loss / slope).ToDouble();
            tau += change;
            if (Math.Abs(change) <= 1e-15 * Math.Max(1, Math.Abs(tau))) return tau;
        }
        throw new InvalidOperationException($"no tau found with theta = {theta} for this direction.");
    }
}
