/// Rates (issue 22.6): the off-support share of a direction and the fitted rate of its fall against theta, on
/// directions and trajectories whose answers are known in closed form.
module ImplicitBias.Tests.TestRates

open System
open Expecto
open ImplicitBias
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory

/// A certified l1 limit of a kind with a support and an off-support maximum; the other fields do not enter Rates.
let private limit kind (support: int[]) (offSupportMax: float) status =
    LimitCertificate(kind, 1.0, status, [| 1.0; 0.0; 0.0; 0.0 |], 0.0, 0.1, 0.0, support, [| 0 |], 1, 2, false, "test",
                     OffSupportMax = offSupportMax)

/// A trajectory row at theta (LogBetaNorm = theta, SmoothedMargin = 1, so theta = log(-log L) exactly).
let private row (step: int64) (theta: float) (direction: float[]) : TrajectoryRow =
    { RunId = "test"; Step = step; Seconds = 0.0; LogBetaNorm = Nullable theta; SmoothedMargin = Nullable 1.0
      NormalizedMargin = Nullable(); LogParameterNorm = Nullable(); AngleToPrevious = Nullable()
      Direction = direction }

[<Tests>]
let tests =
    testList "Rates" [
        testCase "off-support share: time entries and a Fourier pair, in closed form" <| fun _ ->
            let timeShare = Rates.offSupportShare LimitKind.TimeL1 [| 0 |] [| 3.0; 4.0; 0.0 |]
            Expect.floatClose Accuracy.veryHigh timeShare 0.8 "(3, 4): 4/5 off"
            // a cos at frequency 2 (support {2, 6}) plus b cos at frequency 3 (off): the pairs have equal norms, so
            // the share is b / sqrt(a^2 + b^2).
            let d, a, b = 8, 2.0, 0.5
            let wave (k: float) t = cos (2.0 * Math.PI * k * float t / float d)
            let signal = Array.init d (fun t -> a * wave 2.0 t + b * wave 3.0 t)
            let fourierShare = Rates.offSupportShare LimitKind.FourierL1 [| 2; 6 |] signal
            Expect.floatClose Accuracy.high fourierShare (b / sqrt (a * a + b * b)) "b / sqrt(a^2 + b^2)"

        testCase "a share falling like exp(-0.3 theta) is fitted at 0.3, beside the prediction 1 - OffSupportMax"
        <| fun _ ->
            let trajectory =
                [| for k in 0 .. 40 ->
                     let theta = 2.0 + 1.5 * float k
                     row (int64 k) theta [| 1.0; exp (-0.3 * theta); 0.0; 0.0 |] |]
            let certified = limit LimitKind.TimeL1 [| 0 |] 0.7 LimitStatus.Certified
            match Rates.ofRun "set" "diag L=2" certified trajectory with
            | Some r ->
                Expect.floatClose Accuracy.high r.Predicted 0.3 "1 - 0.7"
                // share = e / sqrt(1 + e^2) with e = exp(-0.3 theta): log share = -0.3 theta - log(1 + e^2)/2, whose
                // correction is below 1e-3 on the fitted half (theta >= 32).
                Expect.isLessThan (abs (r.Measured - 0.3)) 1e-6 $"fitted {r.Measured}"
                Expect.isGreaterThan r.R2 0.999999 "a straight line in log share"
                Expect.isGreaterThanOrEqual r.ThetaFrom 31.0 "the later half of the theta range"
            | None -> failtest "a rate was expected"
            let notCertified = limit LimitKind.TimeL1 [| 0 |] 0.7 LimitStatus.NotCertified
            Expect.isNone (Rates.ofRun "set" "diag L=2" notCertified trajectory) "no rate against an uncertified limit"
            let bridge = limit LimitKind.TimeBridge [| 0 |] nan LimitStatus.Certified
            Expect.isNone (Rates.ofRun "set" "diag L=3" bridge trajectory) "no prediction for a bridge limit"
    ]
