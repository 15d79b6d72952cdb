/// Lemmas 5-7: the balanced parameters give beta with squared norm R_P(beta), and nothing that
/// keeps P(w) = beta does better.
module ImplicitBias.Tests.TestImpliedPenalty

open System.Numerics
open Expecto
open MathNet.Numerics.LinearAlgebra
open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Theory
open ImplicitBias.Tests.TestUtil

let private sq (w: float[]) = dot w w

/// Diagonal invariance: multiply w_l[d] by c_l[d] with prod_l c_l[d] = 1 (random signs in pairs too).
let private rebalanceDiagonal (rng: SeededRandom) (w: float[]) dim depth =
    let w = Array.copy w
    for d in 0 .. dim - 1 do
        let logs = Array.init depth (fun _ -> 0.7 * rng.NextGaussian())
        let mean = Array.average logs
        let signFlip = if rng.NextGaussian() > 0.0 && depth >= 2 then -1.0 else 1.0
        for l in 0 .. depth - 1 do
            let sign = if l < 2 then signFlip else 1.0
            w.[l * dim + d] <- w.[l * dim + d] * exp (logs.[l] - mean) * sign
    w

/// Convolutional invariance: multiply w_hat_l[k] by Hermitian factors c_l[k] with prod_l c_l[k] = 1.
let private rebalanceConvolutional (rng: SeededRandom) (w: float[]) dim depth =
    let hats = Array.init depth (fun l -> UnitaryDft.Forward(System.ReadOnlySpan(w.[l * dim .. l * dim + dim - 1])))
    for k in 0 .. dim / 2 do
        let self = k = 0 || 2 * k = dim
        let logs = Array.init depth (fun _ -> 0.7 * rng.NextGaussian())
        let phases = Array.init depth (fun _ -> if self then 0.0 else rng.NextGaussian())
        let ml, mp = Array.average logs, Array.average phases
        for l in 0 .. depth - 1 do
            let c = Complex.FromPolarCoordinates(exp (logs.[l] - ml), phases.[l] - mp)
            hats.[l].[k] <- hats.[l].[k] * c
            if not self then hats.[l].[dim - k] <- Complex.Conjugate hats.[l].[k]
    Array.concat (hats |> Array.map (fun h -> UnitaryDft.InverseReal(System.ReadOnlySpan h)))

/// Fully connected invariance: w_l -> A^-1 w_l A' between consecutive layers (square hidden layers).
let private rebalanceFullyConnected (rng: SeededRandom) (w: float[]) dim depth =
    let net = FullyConnectedNetwork(dim, depth)
    let layers =
        [| for l in 1 .. depth ->
            let ww = net.Widths in
            Matrix<float>.Build.DenseOfRowMajor(ww.[l - 1], ww.[l], net.Layer(System.ReadOnlySpan w, l).ToArray()) |]
    for l in 0 .. depth - 2 do
        let a = Matrix<float>.Build.DenseIdentity(dim)
                + Matrix<float>.Build.Dense(dim, dim, fun _ _ -> 0.3 * rng.NextGaussian())
        layers.[l] <- layers.[l] * a
        layers.[l + 1] <- a.Inverse() * layers.[l + 1]
    Array.concat (layers |> Array.map (fun m -> m.ToRowMajorArray()))

type private Case = { Name: string; Model: int -> int -> IParameterization; Penalty: float[] -> int -> float;
                      Balanced: float[] -> int -> float[]; Rebalance: SeededRandom -> float[] -> int -> int -> float[] }

let private cases = [
    { Name = "fully connected (Lemma 5)"; Model = (fun d l -> FullyConnectedNetwork(d, l));
      Penalty = (fun b l -> ImpliedPenalty.FullyConnected(System.ReadOnlySpan b, l))
      Balanced = (fun b l -> BalancedParameters.FullyConnected(System.ReadOnlySpan b, l));
      Rebalance = rebalanceFullyConnected }
    { Name = "diagonal (Lemma 6)"; Model = (fun d l -> DiagonalNetwork(d, l));
      Penalty = (fun b l -> ImpliedPenalty.Diagonal(System.ReadOnlySpan b, l))
      Balanced = (fun b l -> BalancedParameters.Diagonal(System.ReadOnlySpan b, l)); Rebalance = rebalanceDiagonal }
    // The time-domain network (eq. 2-3) checks P(w*) = beta independently of the Fourier formulas.
    { Name = "convolutional (Lemma 7)"; Model = (fun d l -> ConvolutionalNetwork(d, l));
      Penalty = (fun b l -> ImpliedPenalty.Convolutional(System.ReadOnlySpan b, l))
      Balanced = (fun b l -> BalancedParameters.Convolutional(System.ReadOnlySpan b, l));
      Rebalance = rebalanceConvolutional } ]

[<Tests>]
let tests =
    testList "ImpliedPenalty" [
        for c in cases do
            for depth in [ 1; 2; 3; 4 ] do
                for dim in [ 1; 7; 8 ] do
                    testCase $"{c.Name}, L = {depth}, D = {dim}: P(w*) = beta and ||w*||^2 = R(beta)" <| fun () ->
                        let beta = gaussian (uint64 (10 * depth + dim)) dim
                        let w = c.Balanced beta depth
                        let model = c.Model dim depth
                        Expect.equal w.Length model.ParameterCount "layout"
                        Expect.isLessThan (relativeError (model.Predictor(System.ReadOnlySpan w)) beta) 1e-12
                            "P(w*) = beta"
                        Expect.floatClose Accuracy.high (sq w) (c.Penalty beta depth) "||w*||^2 = R(beta)"
            testCase $"{c.Name}: depth 1 gives ||beta||^2" <| fun () ->
                let beta = gaussian 5UL 8
                Expect.floatClose Accuracy.high (c.Penalty beta 1) (sq beta) "R = ||beta||^2 (Parseval for conv)"
            for depth in [ 2; 3 ] do
                testCase $"{c.Name}, L = {depth}: re-balanced parameters with the same beta are never smaller"
                <| fun () ->
                    let dim = 6
                    let beta = gaussian 7UL dim
                    let rng = SeededRandom(8UL)
                    let model = c.Model dim depth
                    let r = c.Penalty beta depth
                    for _ in 1 .. 20 do
                        let w = c.Rebalance rng (c.Balanced beta depth) dim depth
                        Expect.isLessThan (relativeError (model.Predictor(System.ReadOnlySpan w)) beta) 1e-9
                            "still P(w) = beta"
                        Expect.isGreaterThan (sq w) (r * (1.0 - 1e-12)) "||w||^2 >= R(beta)"
        testProperty "diagonal and convolutional: random re-balancings of random beta never beat R(beta)"
        <| fun (seed: uint64) (depthChoice: bool) ->
            let depth = if depthChoice then 3 else 2
            let dim = 5
            let beta = gaussian seed dim
            let rng = SeededRandom(seed + 1UL)
            let diag = rebalanceDiagonal rng (BalancedParameters.Diagonal(System.ReadOnlySpan beta, depth)) dim depth
            let conv =
                rebalanceConvolutional rng (BalancedParameters.Convolutional(System.ReadOnlySpan beta, depth)) dim depth
            sq diag >= ImpliedPenalty.Diagonal(System.ReadOnlySpan beta, depth) * (1.0 - 1e-12)
            && sq conv >= ImpliedPenalty.Convolutional(System.ReadOnlySpan beta, depth) * (1.0 - 1e-12)
    ]
