/// The high-precision direction flow (core/Engine/Reference/HighPrecision/HighPrecisionFlow.cs): its Jacobian against
/// differences, closed forms with one point, the linear model's approach to the l2 max-margin direction past the
/// double-precision wall, the engine's late phase against the flow (its twin), and the integrator's consistency.
module ImplicitBias.Tests.TestHighPrecisionFlow

open System
open Expecto
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Reference
open ImplicitBias.Engine.Reference.HighPrecision
open ImplicitBias
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late

let private angle (a: float[]) (b: float[]) =
    BigVector.Angle(BigVector.FromDoubles(ReadOnlySpan a, 128), BigVector.FromDoubles(ReadOnlySpan b, 128))

let private exactAngle (a: BigFloat[]) (b: BigFloat[]) =
    BigVector.Angle(BigVector.WithPrecision(a, 512), BigVector.WithPrecision(b, 512))

/// A seeded set at unit scale, so that the engine's parameters are those of the flow (it divides the data by its
/// largest norm; with norm 1 its w and the flow's w coincide and tau = nu log |w|).
let private unitData (n: int) (d: int) = UnitScale.Of(SyntheticData.GaussianTeacher(n, d, 5UL), ref 0.0)

/// The engine with Run.defaults' rule and the given late phase, from a seeded start until log(-log L) = theta.
let private engine (model: IParameterization) (data: Dataset) (late: LatePhaseSettings) (theta: float) =
    let settings = TrainingSettings(Run.defaults.Step, ExponentialLoss(), Int64.MaxValue, 600.0, -(exp theta), 20,
                                    false, late, theta)
    GradientDescent.Train(model, data, ReadOnlySpan(model.Initialize(1.0, 3UL)), settings)

let private tauOf (model: IParameterization) (r: TrainingResult) = float model.Degree * r.LogParameterNorm

/// conv L = 2 on five points in R^6, the engine's late phase to theta = 4: the twin's start.
let private conv = lazy (
    let model = ConvolutionalNetwork(6, 2) :> IParameterization
    let data = unitData 5 6
    model, data, engine model data Run.defaults.Late.Value 4.0)

/// From there the twin (tolerance 1e-11) to theta 8 (the engine still integrates the exact flow: stiff steps) and 20
/// (the engine's sliding mode), beside the engine's runs to those thetas: (theta, engine, 1 - cos, twin's record).
let private twinRuns = lazy (
    let model, data, start = conv.Force()
    let twin = LatePhaseTwin(model, data, start.Parameters, 4.0, FlowOptions(Tolerance = 1e-11))
    [ for theta in [ 8.0; 20.0 ] ->
        let run = engine model data Run.defaults.Late.Value theta
        let flow = twin.AdvanceTo(run.Parameters, theta)
        theta, run, LatePhaseTwin.OneMinusCos(run.Direction, twin.Direction), flow ])

[<Tests>]
let tests =
    testList "HighPrecisionFlow" [
        testCase "the analytic Jacobian of the field equals forward differences at tau = 6 (conv L = 2)" <| fun _ ->
            // The differences are good to about s^(3/2) 2^(-p/2) of the largest entry (FlowField.DifferenceJacobian);
            // at tau = 6 and 160 bits that is 8e3 * 8e-25 = 7e-21.
            let model, data, start = conv.Force()
            let p, tau = 160, 6.0
            let field = FlowField(HighPrecisionModels.Of model, data.SignedFeatures(), data.Count)
            let u = BigVector.Normalize(BigVector.FromDoubles(ReadOnlySpan start.Parameters, p))
            let s = BigFloatMath.Exp(BigFloat.FromDouble(tau, p))
            let analytic, difference = field.Jacobian(u, s), field.DifferenceJacobian(u, s)
            let entries (m: BigFloat[,]) = Seq.cast<BigFloat> m |> Seq.toArray
            let largest = entries analytic |> Array.map (fun x -> abs (x.ToDouble())) |> Array.max
            let gap =
                Array.map2 (fun (a: BigFloat) b -> abs ((a - b).ToDouble())) (entries analytic) (entries difference)
                |> Array.max
            Expect.isLessThan gap (exp (1.5 * tau) * Math.ScaleB(1.0, -p / 2) * largest) "analytic - difference"

        testCase
            ("one point: the closed forms of the linear model and of the depth-2 diagonal network, at tau0 + 1 "
             + "and + 40") <| fun _ ->
            // Linear: w' = exp(-<z, w>) z keeps w = w0 + a z, and |w| = s = e^tau fixes a >= 0. Diagonal L = 2, D = 1:
            // w1' = q z w2, w2' = q z w1 keep w1^2 - w2^2 = c, and s = w1^2 + w2^2. Both exact in 256 bits. With one
            // point the field is not stiff: this checks its factors (1/nu^2) and its time tau = log s, at tau0 + 1
            // while the direction still turns (by 1.1 and 0.13 rad), and at tau0 + 40. The error estimate bounds the
            // error where the flow does not amplify it.
            let p = 256
            let big (x: float) = BigFloat.FromDouble(x, p)
            let sq (v: float[]) = Array.sumBy (fun x -> x * x) v
            let options = FlowOptions(Tolerance = 1e-13)
            let check (model: IHighPrecisionModel) (z: float[]) (w0: float[]) (exact: float -> BigFloat[]) =
                let tau0 = log (sq w0) * float model.Degree / 2.0
                let mutable u, tau = BigVector.FromDoubles(ReadOnlySpan w0, p), tau0
                for span in [ 1.0; 39.0 ] do
                    let r = HighPrecisionFlow.Integrate(model, z, 1, u, tau, tau + span, options)
                    Expect.isLessThan (exactAngle r.ExactDirection (exact (tau + span))) r.ErrorEstimate
                        $"{model.Name} {tau + span}"
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

        testCase
            ("linear model: nears the l2 max-margin direction as C e^-tau, stays on it past the wall, from doubles "
             + "too") <| fun _ ->
            // Gradient flow on separable data with the exponential loss: w = w_hat log t + w_tilde + o(1) (Soudry et
            // al. 2018), so the angle to w_hat is |w_tilde's orthogonal part| / s = C e^-tau up to relative O(angle^2).
            // The integration adds at most its error estimates (2e-13 to tau = 14, which the flow shrinks by e^-6, and
            // 1.5e-15 after), 6e-8 of the angle at tau = 20: the ratio of the C's must be 1 within Accuracy.medium
            // (1e-5). At tau = 40 (past the wall) the angle is the l2 direction's own rounding.
            let data = unitData 6 8
            let model = LinearModel(8) :> IParameterization
            let start = engine model data Run.defaults.Late.Value 3.0
            let hat = (L2MaxMargin.Solve data).Beta
            let options = FlowOptions(Tolerance = 1e-13)
            let at14 = HighPrecisionFlow.Integrate(model, data, start.Parameters, tauOf model start, 14.0, options)
            let hp, z = HighPrecisionModels.Of model, data.SignedFeatures()
            let at20 = HighPrecisionFlow.Integrate(hp, z, 6, at14.ExactDirection, 14.0, 20.0, options)
            let at40 = HighPrecisionFlow.Integrate(hp, z, 6, at20.ExactDirection, 20.0, 40.0, options)
            let c14, c20 = angle at14.Direction hat * exp 14.0, angle at20.Direction hat * exp 20.0
            Expect.floatClose Accuracy.medium (c20 / c14) 1.0 "C e^-tau"
            // The l2 direction is exact to rounding: a few D eps, below 8 D eps = 1.4e-14.
            Expect.isLessThan (angle at40.Direction hat) (c20 * exp -40.0 + 8.0 * 8.0 * Math.ScaleB(1.0, -52))
                "tau = 40"
            // A start in doubles at tau = 95 (off the sliding manifold by its rounding, 1e-16, i.e. 1e25 in the
            // exponents) is put on it first (HighPrecisionFlow.Integrate's remarks) and ends where the exact start
            // ends, to that rounding (the flow contracts here). (Without the placement Newton's iteration fails.)
            let at95 = HighPrecisionFlow.Integrate(hp, z, 6, at40.ExactDirection, 40.0, 95.0, options)
            let fromExact = HighPrecisionFlow.Integrate(hp, z, 6, at95.ExactDirection, 95.0, 100.0, options)
            let fromDoubles = HighPrecisionFlow.Integrate(hp, z, 6, at95.Direction, 95.0, 100.0, options)
            Expect.isLessThan (exactAngle fromExact.ExactDirection fromDoubles.ExactDirection) 1e-15
                "start in doubles at tau = 95"

        testCase
            ("the engine's late phase agrees with the twin: 1 - cos <= 1e-12 at theta 8, <= 1e-9 at theta 20 "
             + "(conv L = 2)") <| fun _ ->
            // At theta 8 the engine integrates the exact flow (stiff steps, tolerance 1e-7 rad a step): its error is
            // a few 1e-7 rad, 1 - cos a few 1e-14. From theta 12 it follows the sliding mode, whose direction differs
            // from the flow's by O(e^-theta) (docs/late-phase.md): at theta 20, 2e-9 rad, 1 - cos 2e-18, with the
            // engine's own tolerance on top; 1e-9 is the bound of issue 22. The twin's error estimates are below 1e-9.
            for theta, run, oneMinusCos, flow in twinRuns.Force() do
                Expect.floatClose Accuracy.veryHigh run.Final.LogNegativeLogLoss theta "the engine reached theta"
                Expect.isLessThan flow.ErrorEstimate 1e-9 $"twin's error estimate at theta {theta}"
                Expect.isLessThan oneMinusCos (if theta < 9.0 then 1e-12 else 1e-9) $"1 - cos at theta {theta}"

        testCase "past the wall (theta 20 to 45): halving the tolerance and 64 more bits agree within bounds"
        <| fun _ ->
            // Each run's error estimate bounds its error if the flow does not amplify local errors, so two runs differ
            // by at most the sum of their estimates; the tolerance bounds each estimate by tol (tau1 - tau0). More bits
            // only change rounding, far below 1e-15 rad.
            let model, data, _ = conv.Force()
            let hp = HighPrecisionModels.Of model
            let z = data.SignedFeatures()
            let _, run, _, last = twinRuns.Force() |> List.last
            let tau0 = HighPrecisionFlow.TauAtTheta(model, data, run.Parameters, 20.0)
            let tau1 = tau0 + 25.0
            let go tolerance extra =
                HighPrecisionFlow.Integrate(hp, z, data.Count, last.ExactDirection, tau0, tau1,
                                            FlowOptions(Tolerance = tolerance, ExtraBits = extra))
            let coarse, fine, wide = go 1e-10 0, go 5e-11 0, go 1e-10 64
            let difference = exactAngle coarse.ExactDirection fine.ExactDirection
            Expect.isLessThan difference (coarse.ErrorEstimate + fine.ErrorEstimate) "within the estimates"
            Expect.isLessThan (coarse.ErrorEstimate + fine.ErrorEstimate) (1.5e-10 * (tau1 - tau0))
                "within the tolerances"
            Expect.isLessThan (exactAngle coarse.ExactDirection wide.ExactDirection) 1e-15 "64 more bits"
            Expect.isGreaterThan coarse.Theta 40.0 "past the wall"

        testCase "TauAtTheta inverts Theta" <| fun _ ->
            // Newton's iteration stops at a relative change of 1e-15 in tau.
            let model, data, start = conv.Force()
            for theta in [ 3.0; 20.0; 60.0 ] do
                let tau = HighPrecisionFlow.TauAtTheta(model, data, start.Parameters, theta)
                Expect.floatClose Accuracy.veryHigh (HighPrecisionFlow.Theta(model, data, start.Parameters, tau)) theta
                    $"theta {theta}"
            Expect.floatClose Accuracy.veryHigh
                (HighPrecisionFlow.TauAtTheta(model, data, start.Parameters, start.Final.LogNegativeLogLoss))
                (tauOf model start) "the engine's tau"
    ]
