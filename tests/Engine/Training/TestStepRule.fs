/// The step rules (core/Engine/Training/StepRule.cs): the fixed, normalized and degree-normalized multipliers
/// against their documented formulas, every rule in the scaled coordinates w = 2^k w' (ScaledStep), and their
/// text form.
module ImplicitBias.Tests.TestStepRule

open System
open Expecto
open ImplicitBias.Engine.Training
open ImplicitBias.Tests.TestUtil

[<Tests>]
let tests =
    testList "StepRule" [
        testCase "the degree-normalized multiplier follows its documented formula" <| fun _ ->
            // s = (eta / R^2) / max(rho^(nu-1), rho^((nu-2)/2)) with rho = ||w||^2 / nu; only the first term for
            // nu = 1.
            let rule = DegreeNormalizedStep 0.5
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 4.0, 9.0, 1, 2.0)) (0.5 / 2.0)
                "nu = 1: eta / R^2"
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 8.0, 9.0, 2, 1.0)) (0.5 / 4.0) "nu = 2, rho = 4"
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 0.5, 9.0, 2, 1.0)) 0.5
                "nu = 2, rho = 1/4: divisor 1"
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 0.03, 9.0, 3, 1.0)) (0.5 / sqrt 0.01)
                "nu = 3, rho = 0.01: rho^(1/2)"

        testCase "the normalized multiplier is eta / ||grad||^2, capped at a step of ||w|| / 10 for nu >= 2" <| fun _ ->
            let rule = NormalizedStep 0.5
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 1e-6, 4.0, 1, 7.0)) (0.5 / 4.0)
                "nu = 1: never capped"
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 100.0, 4.0, 3, 7.0)) (0.5 / 4.0)
                "cap not binding: step length 0.25 <= 1"
            // ||w|| = 0.1, ||grad|| = 2: uncapped step length 0.25 > 0.01, so s = 0.1 * 0.1 / 2.
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 0.01, 4.0, 2, 7.0)) 0.005 "cap binding"
            Expect.equal (rule.Multiplier(-3.0, 1.0, 0.0, 2, 7.0)) 0.0 "zero gradient: no step"

        testCase
            ("the floor makes every step move w by at least rho ||w|| (all degrees), still capped at ||w|| / 10 "
             + "for nu >= 2") <| fun _ ->
            let rule = NormalizedStep(0.5, 1e-3)
            // ||w|| = 1000, ||grad|| = 1e4: the eta step has length 0.5 / 1e4 = 5e-5 < 1e-3 * 1000 = 1, so s = 1 / 1e4.
            for degree in [ 1; 2; 4 ] do
                Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-1e4, 1e6, 1e8, degree, 7.0)) 1e-4
                    $"floor binding, nu = {degree}"
            // ||w|| = 10, ||grad|| = 2: the eta step (length 0.25) is longer than the floor (0.01) and shorter than
            // the cap (1).
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 100.0, 4.0, 2, 7.0)) (0.5 / 4.0)
                "floor not binding"
            // The cap still wins over the floor's partner near w = 0: ||w|| = 0.1, ||grad|| = 2.
            Expect.floatClose Accuracy.veryHigh (rule.Multiplier(-3.0, 0.01, 4.0, 2, 7.0)) 0.005 "cap binding"
            Expect.equal (rule.Multiplier(-3.0, 1.0, 0.0, 2, 7.0)) 0.0 "zero gradient: no step"

        testCase
            "every rule's multiplier in scaled coordinates (w = 2^k w') is the plain one times 2^((nu-2)k), bit for bit"
        <| fun _ ->
            // The documented contract of StepRule.Multiplier: with ||w||^2 = 4^k ||w'||^2 and
            // ||grad_w log L||^2 = 4^((nu-1)k) ||G||^2, sigma = s 2^((nu-2)k) exactly.
            let rules: StepRule list = [ FixedStep 0.3; NormalizedStep(0.5, 1e-3); DegreeNormalizedStep 0.5;
                                         SettlingStep(0.5, 1e-5, 0.2, 1e-5) ]
            for rule in rules do
                for degree in 1 .. 5 do
                    for k in [ -7L; -2L; 3L; 9L ] do
                        for w2, g2 in [ 0.3, 2.0; 3.5, 0.01; 1.0, 1e-6 ] do
                            let plain = rule.Multiplier(-4.0, Math.ScaleB(w2, int (2L * k)),
                                                        Math.ScaleB(g2, int (2L * int64 (degree - 1) * k)), degree, 0.7)
                            let scaled = rule.Multiplier(-4.0, w2, g2, degree, 0.7, k)
                            Expect.equal scaled (Math.ScaleB(plain, int (int64 (degree - 2) * k)))
                                $"{rule.Describe()} nu={degree} k={k} w2={w2} g2={g2}"

        testCase "step rules parse and print" <| fun _ ->
            Expect.equal (StepRule.Parse "fixed:0.25") (FixedStep 0.25 :> StepRule) "fixed"
            Expect.equal ((StepRule.Parse "normalized:2").Describe()) "normalized:2" "normalized"
            Expect.equal (StepRule.Parse "normalized:0.5:0.001") (NormalizedStep(0.5, 1e-3) :> StepRule)
                "normalized with a floor"
            Expect.equal ((NormalizedStep(0.5, 1e-3)).Describe()) "normalized:0.5:0.001" "floor printed"
            for bad in [ "fixed"; "fixed:-1"; "fixed:abc"; "slow:1";
                         "normalized:0"; "normalized:NaN"; "normalized:0.5:0.2"
                         "normalized:0.5:-1"; "normalized:0.5:x"; "normalized:0.5:0.001:3"; "fixed:1:0.001" ] do
                throws<ArgumentException> (fun () -> StepRule.Parse bad |> ignore) bad |> ignore

        testCase
            ("ScaledStep.Quotient: the plain formula's bits where it stays normal, the right value where it would "
             + "overflow midway") <| fun _ ->
            let rng = Random(5)
            let draw lo hi = (if rng.Next 2 = 0 then -1.0 else 1.0) * (10.0 ** (lo + (hi - lo) * rng.NextDouble()))
            for _ in 1 .. 20000 do
                let a, b, c, e = draw -100.0 100.0, draw -100.0 100.0, draw -100.0 100.0, int64 (rng.Next(-200, 200))
                let plain = Math.ScaleB(a, int e) / b * c
                Expect.equal (BitConverter.DoubleToInt64Bits(ScaledStep.Quotient(a, b, c, e)))
                    (BitConverter.DoubleToInt64Bits plain) $"{a} / {b} * {c} * 2^{e}"
            // 1e300 * 2^3000 / 1e-10 * 1e-300 = 1e10 * 2^3000 * ... : far outside in the middle, back inside at the
            // end.
            let v = ScaledStep.Quotient(1e300, 1e-10, 1e-300, -3000L)
            let expected = exp (log 1e300 - log 1e-10 + log 1e-300 - 3000.0 * log 2.0)
            Expect.floatClose Accuracy.high v expected "value through an overflowing middle"
            Expect.equal (ScaledStep.Quotient(0.0, 2.0, 3.0, 5000L)) 0.0 "zero stays zero"
            Expect.isTrue (Double.IsNaN(ScaledStep.Quotient(nan, 2.0, 3.0, 1L))) "NaN stays NaN"
    ]
