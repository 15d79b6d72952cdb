/// The implied penalty of the group-convolutional network (GroupImpliedPenalty.cs, GroupBalancedParameters.cs):
/// the balanced parameters realize beta with ||w*||^2 = L sum_rho d^((L-1)/L) ||beta_hat(rho)||_(S 2/L)^(2/L), no
/// random w realizing its own beta does better, and on C_n the value is the paper's Lemma 7.
module ImplicitBias.Tests.Engine.Networks.GroupConvolutional.TestGroupImpliedPenalty

open System
open Expecto
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a
let private norm2 (w: float[]) = dot w w

[<Tests>]
let tests =
    testList "Networks.GroupConvolutional.ImpliedPenalty" [
        testCase "balanced parameters: P(w*) = beta, ||w*||^2 = R(beta) to 1e-12 (D_n, S4, A4, C_n)" <| fun _ ->
            for name in [ "D3"; "D4"; "D5"; "D8"; "S4"; "A4"; "C6"; "D3xC3"; "S4xC2" ] do
                let fourier = GroupFourier(StandardGroups.Parse name)
                let n = fourier.Group.Order
                for depth in 1 .. 4 do
                    let beta = gaussian (uint64 (n + depth)) n
                    let w = GroupBalancedParameters.Of(fourier, span beta, depth)
                    let model = GroupConvolutionalFourierNetwork(fourier, depth)
                    let error = relativeError (model.Predictor(span w)) beta
                    Expect.isLessThan error 1e-12 $"{name} L={depth}: P(w*) = beta"
                    let r = GroupImpliedPenalty.Value(fourier, span beta, depth)
                    Expect.isLessThan (abs (norm2 w - r) / r) 1e-12 $"{name} L={depth}: ||w*||^2 = R(beta)"

        testCase "no random w does better: ||w||^2 >= R(P(w))" <| fun _ ->
            for name in [ "D4"; "S4"; "Q8"; "A4" ] do
                let fourier = GroupFourier(StandardGroups.Parse name)
                for depth in 2 .. 4 do
                    let model = GroupConvolutionalFourierNetwork(fourier, depth)
                    for seed in 1UL .. 20UL do
                        let w = gaussian seed model.ParameterCount
                        let r = GroupImpliedPenalty.Value(fourier, span (model.Predictor(span w)), depth)
                        Expect.isGreaterThanOrEqual (norm2 w) (r * (1.0 - 1e-12)) $"{name} L={depth} seed {seed}"

        testCase "on C_n it is Lemma 7, L ||beta_hat||_(2/L)^(2/L)" <| fun _ ->
            for n in [ 1; 4; 7; 12 ] do
                let fourier = GroupFourier(StandardGroups.Cyclic n)
                for depth in 1 .. 4 do
                    let beta = gaussian 3UL n
                    let ours = GroupImpliedPenalty.Value(fourier, span beta, depth)
                    let lemma7 = ImpliedPenalty.Convolutional(span beta, depth)
                    Expect.floatClose Accuracy.high ours lemma7 $"C{n} L={depth}"

        testCase "quaternionic irreps are refused by the balanced construction (no quaternionic SVD yet)" <| fun _ ->
            let fourier = GroupFourier(StandardGroups.Quaternion())
            let build () = GroupBalancedParameters.Of(fourier, span (gaussian 1UL 8), 2) |> ignore
            throws<NotSupportedException> build "Q8" |> ignore
    ]
