/// LaneExp, the exp whose scalar and Vector512 forms give the same bits: accuracy against Math.Exp
/// (the platform's libm, an independent implementation) and bit-equality of the two forms.
module ImplicitBias.Tests.TestLaneExp

open System
open System.Runtime.Intrinsics
open Expecto
open ImplicitBias.Engine.Numerics

/// Distance in units in the last place between two non-negative finite doubles (their bit patterns are ordered as the
/// values).
let private ulps (a: float) (b: float) = abs (BitConverter.DoubleToInt64Bits a - BitConverter.DoubleToInt64Bits b)

/// Seeded arguments over the whole range, the ranges that matter in training (x <= 0), subnormal results and the edges.
let private arguments =
    let rng = SeededRandom(20261130UL)
    [| for _ in 1 .. 200_000 -> -750.0 + 1465.0 * rng.NextDouble()           // everything, past both ends
       for _ in 1 .. 100_000 -> -40.0 * rng.NextDouble()                     // the weights of a step: exp(t - max) <= 1
       for _ in 1 .. 50_000 -> -745.2 + 37.0 * rng.NextDouble()              // subnormal results
       for _ in 1 .. 50_000 -> (rng.NextDouble() - 0.5) * 1e-6                // near 0
       yield! [ 0.0; -0.0; 1e-300; -1e-300; 5e-324; 1.0; -1.0; 0.5 * Math.Log 2.0; -0.5 * Math.Log 2.0
                709.782712893384; 709.7827128933841; 709.79; 710.0; 1000.0; 1e300
                -708.3964185322641; -708.4; -744.44007192138122; -745.1332191019411; -745.14; -746.0;
                -1000.0; -1e300 ] |]

[<Tests>]
let tests =
    testList "LaneExp" [
        testCase "within 1 ulp of Math.Exp on 400 000 seeded arguments, subnormal results and edges" <| fun () ->
            let mutable worst = 0L
            for x in arguments do
                let mine, libm = LaneExp.Exp x, Math.Exp x
                let d = ulps mine libm
                if d > 1L then failtestf "exp(%.17g): LaneExp %.17g, Math.Exp %.17g (%d ulp apart)" x mine libm d
                worst <- max worst d
            // Not trivially equal: the two are different algorithms; a 1-ulp disagreement somewhere is expected.
            Expect.isLessThanOrEqual worst 1L "largest distance"

        testCase "overflow, underflow, infinities and NaN" <| fun () ->
            Expect.equal (LaneExp.Exp 709.79) infinity "past the largest double"
            Expect.equal (LaneExp.Exp infinity) infinity "e^inf"
            // +0 exactly, not -0 (Expect.equal would take either): the bits.
            Expect.equal (BitConverter.DoubleToInt64Bits(LaneExp.Exp -infinity)) 0L "e^-inf = +0"
            Expect.equal (BitConverter.DoubleToInt64Bits(LaneExp.Exp -750.0)) 0L "e^-750 (the clamp) = +0"
            Expect.equal (BitConverter.DoubleToInt64Bits(LaneExp.Exp -746.0)) 0L "below half the smallest subnormal: +0"
            Expect.isTrue (Double.IsNaN(LaneExp.Exp nan)) "NaN stays NaN"
            Expect.equal (LaneExp.Exp 0.0) 1.0 "e^0 = 1 exactly"
            Expect.equal (LaneExp.Exp -0.0) 1.0 "e^-0 = 1 exactly"

        testCase "the Vector512 form gives the scalar form's bits in every lane" <| fun () ->
            let xs = Array.append arguments [| nan; infinity; -infinity |]
            let padded = Array.append xs (Array.create ((8 - xs.Length % 8) % 8) 0.0)
            for i in 0 .. 8 .. padded.Length - 8 do
                let v = LaneExp.Exp(Vector512.Create<float>(ReadOnlySpan(padded, i, 8)))
                for j in 0 .. 7 do
                    let s = LaneExp.Exp padded[i + j]
                    let b = v.GetElement j
                    if BitConverter.DoubleToInt64Bits s <> BitConverter.DoubleToInt64Bits b
                       && not (Double.IsNaN s && Double.IsNaN b) then
                        failtestf "exp(%.17g): scalar %.17g, lane %d %.17g" padded[i + j] s j b
    ]
