/// The high-precision direction flow (core/Engine/Reference/HighPrecision/HighPrecisionFlow.cs): its Jacobian against
/// differences, closed forms with one point, the linear model's approach to the l2 max-margin direction past the
/// double-precision wall, gradient descent with small steps against the flow, and the integrator's consistency.
module ImplicitBias.Tests.TestHighPrecisionFlow

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Models
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Reference.HighPrecision
open ImplicitBias.Engine.Training

let private angle (a: float[]) (b: float[]) =
    BigVector.Angle(BigVector.FromDoubles(ReadOnlySpan a, 128), BigVector.FromDoubles(ReadOnlySpan b, 128))

let private exactAngle (a: BigFloat[]) (b: BigFloat[]) =
    BigVector.Angle(BigVector.WithPrecision(a, 512), BigVector.WithPrecision(b, 512))

/// A seeded set at unit scale, so that gradient descent's parameters are those of the flow (GD divides the data by its
/// largest norm; with norm 1 its w and the flow's w coincide and tau = nu log |w|).
let private unitData (n: int) (d: int) = UnitScale.Of(SyntheticData.GaussianTeacher(n, d, 5UL), ref 0.0)

/// Gradient descent with normalized step eta from w until log(-log L) >= theta.
let private train (model: IParameterization) (data: Dataset) (w: float[]) (eta: float) (theta: float) =
    let settings = TrainingSettings(NormalizedStep(eta), ExponentialLoss(), 100_000_000L, LogLossTarget = -(exp theta))
    GradientDescent.Train(model, data, ReadOnlySpan w, settings)

let private tauOf (model: IParameterization) (r: TrainingResult) = float model.Degree * r.LogParameterNorm
let private weightsOf (r: TrainingResult) = r.Parameters |> Array.map (fun v -> v * exp r.LogParameterNorm)

/// conv L = 2 on six points in R^8: gradient descent (eta = 0.01) from a seeded start to theta = 3, the flow's start.
let private conv = lazy (
    let model = ConvolutionalNetwork(8, 2) :> IParameterization
    let data = unitData 6 8
    model, data, train model data (model.Initialize(1.0, 3UL)) 1e-2 3.0)

/// From there gradient descent with eta = 0.02 and 0.01 to theta = 7, and the flow (tolerance 1e-11) to each run's
/// tau, in the order of tau (the second flow continuing the first): pairs (run, flow).
let private convRuns = lazy (
    let model, data, start = conv.Force()
    let hp = HighPrecisionModels.Of model
    let runs = [ 2e-2; 1e-2 ] |> List.map (fun eta -> train model data (weightsOf start) eta 7.0)
    let mutable from, tau = BigVector.FromDoubles(ReadOnlySpan start.Parameters, 256), tauOf model start
    runs |> List.sortBy (tauOf model) |> List.map (fun r ->
        let f = HighPrecisionFlow.Integrate(hp, data.SignedFeatures(), data.Count, from, tau, tauOf model r,
                                            FlowOptions(Tolerance = 1e-11))
        from <- f.ExactDirection; tau <- tauOf model r
        r, f))

[<Tests>]
let tests =
    testList "HighPrecisionFlow" [
        testCase "the analytic Jacobian of the field equals forward differences at tau = 6 (conv L = 2)" <| fun _ ->
            // The differences are good to about s^(3/2) 2^(-p/2) of the largest entry (FlowField.DifferenceJacobian);
            // at tau = 6 and 160 bits that is 8e3 * 8e-25 = 7e-21. Measured: 1.4e-22 (largest entry 3.7).
            let model, data, start = conv.Force()
            let p, tau = 160, 6.0
            let field = FlowField(HighPrecisionModels.Of model, data.SignedFeatures(), data.Count)
            let u = BigVector.Normalize(BigVector.FromDoubles(ReadOnlySpan start.Parameters, p))
            let s = BigFloatMath.Exp(BigFloat.FromDouble(tau, p))
            let analytic, difference = field.Jacobian(u, s), field.DifferenceJacobian(u, s)
            let entries (m: BigFloat[,]) = Seq.cast<BigFloat> m |> Seq.toArray
            let largest = entries analytic |> Array.map (fun x -> abs (x.ToDouble())) |> Array.max
            let gap = Array.map2 (fun (a: BigFloat) b -> abs ((a - b).ToDouble())) (entries analytic) (entries difference) |> Array.max
            Expect.isLessThan gap (exp (1.5 * tau) * Math.ScaleB(1.0, -p / 2) * largest) "analytic - difference"

        testCase "one point: the closed forms of the linear model and of the depth-2 diagonal network, at tau0 + 1 and + 40" <| fun _ ->
            // Linear: w' = exp(-<z, w>) z keeps w = w0 + a z, and |w| = s = e^tau fixes a >= 0. Diagonal L = 2, D = 1:
            // w1' = q z w2, w2' = q z w1 keep w1^2 - w2^2 = c, and s = w1^2 + w2^2. Both exact in 256 bits. With one
            // point the field is not stiff: this checks its factors (1/nu^2) and its time tau = log s, at tau0 + 1 while
            // the direction still turns (by 1.1 and 0.13 rad), and at tau0 + 40. The error estimate bounds the error where
            // the flow does not amplify it. Measured: at tau0 + 1 errors 4.6e-15 and 7.7e-15 against estimates 8.4e-15 and
            // 8.6e-15; at tau0 + 40, 6.9e-19 and 2.2e-19 against 1.7e-13 and 1.1e-13. (With 1/nu for 1/nu^2 in the field,
            // the diagonal network is off by 0.045 rad at tau0 + 1.)
            let p = 256
            let big (x: float) = BigFloat.FromDouble(x, p)
            let sq (v: float[]) = Array.sumBy (fun x -> x * x) v
            let options = FlowOptions(Tolerance = 1e-13)
            let check (model: IHighPrecisionModel) (z: float[]) (w0: float[]) (exact: float -> BigFloat[]) =
                let tau0 = log (sq w0) * float model.Degree / 2.0
                let mutable u, tau = BigVector.FromDoubles(ReadOnlySpan w0, p), tau0
                for span in [ 1.0; 39.0 ] do
                    let r = HighPrecisionFlow.Integrate(model, z, 1, u, tau, tau + span, options)
                    Expect.isLessThan (exactAngle r.ExactDirection (exact (tau + span))) r.ErrorEstimate $"{model.Name} {tau + span}"
                    u <- r.ExactDirection; tau <- tau + span
            let z, w0 = [| 0.6; -0.3; 0.2; 0.7 |], [| 0.1; 0.5; -0.4; 0.3 |]
            let wz = Array.fold2 (fun s a b -> s + a * b) 0.0 w0 z
            check (HighPrecisionModels.Of("linear", 1, 4)) z w0 (fun tau ->
                let s2 = BigFloatMath.Exp(big (2.0 * tau))
                let a = (-(big wz) + BigFloatMath.Sqrt(big wz * big wz - big (sq z) * (big (sq w0) - s2))) / big (sq z)
                Array.map2 (fun (w: float) (zi: float) -> big w + a * big zi) w0 z)
            let c = big (0.3 * 0.3) - big (0.2 * 0.2)
            check (HighPrecisionModels.Of("diag", 2, 1)) [| 1.5 |] [| 0.3; 0.2 |] (fun tau ->
                let s = BigFloatMath.Exp(big tau)
                [| (s + c).ScaleB(-1L); (s - c).ScaleB(-1L) |] |> Array.map BigFloatMath.Sqrt)

        testCase "linear model: nears the l2 max-margin direction as C e^-tau, stays on it past the wall, from doubles too" <| fun _ ->
            // Gradient flow on separable data with the exponential loss: w = w_hat log t + w_tilde + o(1) (Soudry et al.
            // 2018), so the angle to w_hat is |w_tilde's orthogonal part| / s = C e^-tau up to relative O(angle^2).
            // The integration adds at most its error estimates (2e-13 to tau = 14, which the flow shrinks by e^-6, and 1.5e-15
            // after), 6e-8 of the angle at tau = 20: the ratio of the C's must be 1 within Accuracy.medium (1e-5).
            // Measured: C = 12.69586755 at tau = 14 and 20 (ratio 1 + 9e-10); at tau = 40 (theta = 38.8, past the wall)
            // the angle is 1.9e-16, the l2 direction's own rounding (C e^-40 = 5e-17).
            let data = unitData 6 8
            let model = LinearModel(8) :> IParameterization
            let start = train model data (model.Initialize(1.0, 3UL)) 1e-2 3.0
            let hat = (L2MaxMargin.Solve data).Beta
            let options = FlowOptions(Tolerance = 1e-13)
            let at14 = HighPrecisionFlow.Integrate(model, data, start.Parameters, tauOf model start, 14.0, options)
            let hp, z = HighPrecisionModels.Of model, data.SignedFeatures()
            let at20 = HighPrecisionFlow.Integrate(hp, z, 6, at14.ExactDirection, 14.0, 20.0, options)
            let at40 = HighPrecisionFlow.Integrate(hp, z, 6, at20.ExactDirection, 20.0, 40.0, options)
            let c14, c20 = angle at14.Direction hat * exp 14.0, angle at20.Direction hat * exp 20.0
            Expect.floatClose Accuracy.medium (c20 / c14) 1.0 "C e^-tau"
            // The l2 direction is exact to rounding: a few D eps, below 8 D eps = 1.4e-14.
            Expect.isLessThan (angle at40.Direction hat) (c20 * exp -40.0 + 8.0 * 8.0 * Math.ScaleB(1.0, -52)) "tau = 40"
            // A start in doubles at tau = 95 (off the sliding manifold by its rounding, 1e-16, i.e. 1e25 in the exponents)
            // is put on it first (HighPrecisionFlow.Integrate's remarks) and ends where the exact start ends, to that
            // rounding (the flow contracts here). Measured: 3.7e-19; without the placement Newton's iteration fails.
            let at95 = HighPrecisionFlow.Integrate(hp, z, 6, at40.ExactDirection, 40.0, 95.0, options)
            let fromExact = HighPrecisionFlow.Integrate(hp, z, 6, at95.ExactDirection, 95.0, 100.0, options)
            let fromDoubles = HighPrecisionFlow.Integrate(hp, z, 6, at95.Direction, 95.0, 100.0, options)
            Expect.isLessThan (exactAngle fromExact.ExactDirection fromDoubles.ExactDirection) 1e-15 "start in doubles at tau = 95"

        testCase "gradient descent with small steps follows the flow to first order in the step (conv L = 2, theta 3 to 7)" <| fun _ ->
            // GD is explicit Euler on the flow (time rescaled by the step rule), so its direction at equal tau differs
            // from the flow's by e = C eta + O(eta^2): halving eta halves the angle, and Richardson's combination
            // 2 e(eta/2) - e(eta) is O(eta^2), about eta = 1e-2 of e(eta/2) if both terms have one scale. GD's own theta
            // at its end is recomputed from its direction and tau to rounding (same data, same tau: the conventions).
            // Measured (eta = 0.02, 0.01): angles 6.148e-7 and 3.074e-7 (ratio 2.0002), combination 7.6e-11 (2.5e-4 of
            // e(eta/2)), theta 7 recomputed to 1e-15.
            let model, data, _ = conv.Force()
            let flows = convRuns.Force() |> List.sortBy (fun (r, _) -> r.Steps) // the larger step (fewer steps) first
            let (coarseRun, coarseFlow), (fineRun, fineFlow) = flows[0], flows[1]
            let coarse, fine = angle coarseFlow.Direction coarseRun.Parameters, angle fineFlow.Direction fineRun.Parameters
            Expect.isGreaterThan (coarse / fine) 1.9 "first order"
            Expect.isLessThan (coarse / fine) 2.1 "first order"
            let error (r: TrainingResult) (f: HighPrecisionFlow.Result) = Array.map2 (-) r.Parameters f.Direction
            let norm v = sqrt (Array.sumBy (fun x -> x * x) v)
            let eFine = error fineRun fineFlow
            let richardson = Array.map2 (fun a b -> 2.0 * a - b) eFine (error coarseRun coarseFlow)
            Expect.isLessThan (norm richardson) (1e-2 * norm eFine) "Richardson's combination of GD is the flow"
            for r, _ in flows do
                let theta = HighPrecisionFlow.Theta(model, data, r.Parameters, tauOf model r)
                Expect.floatClose Accuracy.veryHigh theta r.Final.LogNegativeLogLoss "GD's theta"

        testCase "past the wall (tau 9.6 to 45, theta 7 to 42): halving the tolerance and 64 more bits agree within bounds" <| fun _ ->
            // Each run's error estimate bounds its error if the flow does not amplify local errors, so two runs differ
            // by at most the sum of their estimates; the tolerance bounds each estimate by tol (tau1 - tau0). More bits
            // only change rounding. Measured (tol 1e-10 and 5e-11, from tau 9.57; theta 42.43 at the end, 9 steps each):
            // estimates 5.8e-12 and 3.9e-12, difference 1.5e-13; with 64 more bits the difference is 1.4e-37.
            let model, data, _ = conv.Force()
            let hp = HighPrecisionModels.Of model
            let z = data.SignedFeatures()
            let _, last = convRuns.Force() |> List.last
            let run tolerance extra =
                HighPrecisionFlow.Integrate(hp, z, data.Count, last.ExactDirection, last.Tau, 45.0,
                                            FlowOptions(Tolerance = tolerance, ExtraBits = extra))
            let coarse, fine, wide = run 1e-10 0, run 5e-11 0, run 1e-10 64
            let difference = exactAngle coarse.ExactDirection fine.ExactDirection
            Expect.isLessThan difference (coarse.ErrorEstimate + fine.ErrorEstimate) "within the estimates"
            Expect.isLessThan (coarse.ErrorEstimate + fine.ErrorEstimate) (1.5e-10 * (45.0 - last.Tau)) "within the tolerances"
            Expect.isLessThan (exactAngle coarse.ExactDirection wide.ExactDirection) 1e-15 "64 more bits"
            Expect.isGreaterThan coarse.Theta 40.0 "past the wall"

        testCase "TauAtTheta inverts Theta" <| fun _ ->
            // Newton's iteration stops at a relative change of 1e-15 in tau.
            let model, data, start = conv.Force()
            for theta in [ 3.0; 20.0; 60.0 ] do
                let tau = HighPrecisionFlow.TauAtTheta(model, data, start.Parameters, theta)
                Expect.floatClose Accuracy.veryHigh (HighPrecisionFlow.Theta(model, data, start.Parameters, tau)) theta $"theta {theta}"
            Expect.floatClose Accuracy.veryHigh (HighPrecisionFlow.TauAtTheta(model, data, start.Parameters, start.Final.LogNegativeLogLoss)) (tauOf model start) "GD's tau"
    ]
