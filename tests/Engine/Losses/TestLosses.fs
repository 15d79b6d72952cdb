/// The losses (core/Engine/Losses) in the log domain: direct formulas where they are representable,
/// asymptotics where they are not, and derivatives by finite differences.
module ImplicitBias.Tests.TestLosses

open System
open Expecto
open ImplicitBias.Engine.Losses

let private evaluate (loss: ILoss) (margins: float[]) =
    let weights = Array.zeroCreate margins.Length
    let logLoss = loss.LogLossAndWeights(ReadOnlySpan margins, Span weights)
    logLoss, weights

let private losses = [ ExponentialLoss() :> ILoss; LogisticLoss() ]

/// The losses written directly from their definitions (fine for moderate margins).
let private direct (loss: ILoss) (m: float) = if loss.Name = "exp" then exp (-m) else log (1.0 + exp (-m))

[<Tests>]
let tests =
    testList "Losses" [
        testCase "log L equals the log of the direct sum for moderate margins" <| fun _ ->
            let margins = [| -3.0; -0.5; 0.0; 0.7; 2.0; 11.0 |]
            for loss in losses do
                let logLoss, _ = evaluate loss margins
                Expect.floatClose Accuracy.high logLoss (log (margins |> Array.sumBy (direct loss))) loss.Name

        testCase "weights are -(d log L / d m_n), checked by central differences" <| fun _ ->
            let margins = [| -1.0; 0.3; 0.9; 4.0 |]
            for loss in losses do
                let _, weights = evaluate loss margins
                for n in 0 .. margins.Length - 1 do
                    let h = 1e-6
                    let at delta =
                        fst (evaluate loss (margins |> Array.mapi (fun i m -> if i = n then m + delta else m)))
                    let derivative = (at h - at -h) / (2.0 * h)
                    Expect.floatClose { absolute = 1e-9; relative = 1e-7 } weights[n] (-derivative)
                        $"{loss.Name}, n = {n}"

        testCase "exponential weights are a softmax: non-negative, summing to one" <| fun _ ->
            let _, weights = evaluate (ExponentialLoss()) [| 5.0; 1.0; 3.0 |]
            Expect.floatClose Accuracy.veryHigh (Array.sum weights) 1.0 "sum"
            Expect.isTrue (weights |> Array.forall (fun q -> q >= 0.0)) "non-negative"

        testCase "margins of 1e6: log L = -1e6 + log(1 + e^-1) with no overflow or underflow" <| fun _ ->
            // L = e^-1e6 (1 + e^-1 + e^-1e6) for the exponential loss; the logistic loss has the
            // same value up to a relative e^-1e6 (log(1 + u) = u (1 - u/2 + ...)), far below double precision.
            let margins = [| 1e6; 1e6 + 1.0; 2e6 |]
            let expected = -1e6 + log (1.0 + exp -1.0)
            for loss in losses do
                let logLoss, weights = evaluate loss margins
                Expect.floatClose Accuracy.veryHigh logLoss expected loss.Name
                Expect.floatClose Accuracy.high weights[0] (1.0 / (1.0 + exp -1.0))
                    $"{loss.Name}: weight of the closest point"
                Expect.floatClose Accuracy.high weights[1] (exp -1.0 / (1.0 + exp -1.0))
                    $"{loss.Name}: weight of the next point"
                Expect.equal weights[2] 0.0 $"{loss.Name}: a point 1e6 further away has weight e^-1e6 = 0 in doubles"

        testCase "margins of -1e6 (badly misclassified) stay finite" <| fun _ ->
            // exp: log L = 1e6 + log(1 + e^-1). logistic: log(log(1 + e^1e6)) = log(1e6) up to e^-1e6.
            let margins = [| -1e6; -1e6 + 1.0 |]
            let expLog, expWeights = evaluate (ExponentialLoss()) margins
            Expect.floatClose Accuracy.veryHigh expLog (1e6 + log (1.0 + exp -1.0)) "exp"
            Expect.isTrue (expWeights |> Array.forall Double.IsFinite) "exp weights finite"
            let logLog, logWeights = evaluate (LogisticLoss()) margins
            Expect.floatClose Accuracy.high logLog (log (1e6 + (1e6 - 1.0))) "logistic: log(sum of -m_n)"
            Expect.isTrue (logWeights |> Array.forall Double.IsFinite) "logistic weights finite"
    ]
