/// The high-precision twins of the parameterizations (core/Engine/Reference/HighPrecision/HighPrecision*.cs) against
/// the engine's double Predictor and PullBack, within a forward error bound of the double computation, and against
/// central differences of their own predictor at 256 bits.
module ImplicitBias.Tests.TestHighPrecisionModels

open System
open Expecto
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Reference.HighPrecision
open ImplicitBias.Tests.TestUtil

let private p = 256
let private span (a: float[]) = ReadOnlySpan a
let private toBig (a: float[]) = BigVector.FromDoubles(span a, p)

/// Every engine model with a twin, at small sizes, with its largest layer width. (The Fourier-domain convolutional
/// network shares the time-domain twin; TestParameterizations holds it to the time-domain network, its own slow twin.)
let private models : (IParameterization * int) list =
    [ for d in [ 1; 3; 8 ] do
        yield (LinearModel(d) :> IParameterization), d
        for depth in 1 .. 3 do
            yield (DiagonalNetwork(d, depth) :> IParameterization), d
            yield (FullyConnectedNetwork(d, depth) :> IParameterization), d
            yield (ConvolutionalNetwork(d, depth) :> IParameterization), d
      yield (FullyConnectedNetwork(6, 3, [| 2; 9 |]) :> IParameterization), 9 ]

/// gamma_k = k u / (1 - k u), u = 2^-53, with k = L (W + 3): each entry of P(w) and of J_P(w)^T g is formed by L
/// nested sums of at most W products, each layer adding at most W + 3 roundings (the sum, the product, and for the
/// convolution the rounded 1/sqrt(D)); so |double - exact| <= gamma_k times the same computation on |w| and |g|
/// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., Lemma 3.1 and section 3.5).
let private gamma (model: IParameterization) (width: int) =
    let k = float (model.Degree * (width + 3))
    let u = Math.ScaleB(1.0, -53)
    k * u / (1.0 - k * u)

[<Tests>]
let tests =
    testList "HighPrecisionModels" [
        testCase "predictor and pull-back agree with the engine's within the doubles' forward error bound" <| fun _ ->
            for model, width in models do
                let twin = HighPrecisionModels.Of model
                Expect.equal twin.ParameterCount model.ParameterCount (describe model)
                Expect.equal twin.Degree model.Degree (describe model)
                for seed in 1UL .. 3UL do
                    let w = gaussian seed model.ParameterCount
                    let g = gaussian (seed + 10UL) model.Dimension
                    let abs' = Array.map abs
                    let check (exact: BigFloat[]) (double: float[]) (absolute: float[]) what =
                        for i in 0 .. double.Length - 1 do
                            let error = abs ((exact[i] - BigFloat.FromDouble(double[i], p)).ToDouble())
                            Expect.isLessThanOrEqual error (gamma model width * absolute[i])
                                $"{describe model} {what}[{i}]"
                    check (twin.Predictor(toBig w)) (model.Predictor(span w)) (model.Predictor(span (abs' w))) "beta"
                    let pulled = twin.PullBack(toBig w, toBig g)
                    check pulled (model.PullBack(span w, span g)) (model.PullBack(span (abs' w), span (abs' g))) "grad"

        testCase "pull-back is the gradient of <g, P(w)>: central differences at 256 bits, and Euler's identity"
        <| fun _ ->
            // P is a polynomial of degree L <= 3: the central difference with step 2^-60 is off by about 2^-120 times
            // the third derivative (and by 2^-196 of rounding); <w, grad> = L <g, P(w)> holds to rounding.
            for model, _ in models do
                let twin = HighPrecisionModels.Of model
                let w, g = toBig (gaussian 21UL model.ParameterCount), toBig (gaussian 22UL model.Dimension)
                let direction = toBig (gaussian 23UL model.ParameterCount)
                let value (x: BigFloat[]) = BigVector.Dot(g, twin.Predictor x)
                let step = BigFloat.One(p).ScaleB(-60L)
                let plus = BigVector.AddScaled(w, step, direction)
                let minus = BigVector.AddScaled(w, -step, direction)
                let difference = (value plus - value minus) / step.ScaleB(1L)
                let grad = twin.PullBack(w, g)
                let derivative = BigVector.Dot(grad, direction)
                let scale = max 1.0 (abs (derivative.ToDouble()))
                Expect.isLessThan (abs ((difference - derivative).ToDouble()) / scale) 1e-30
                    $"{describe model} derivative"
                let euler = BigVector.Dot(w, grad) - value w * BigFloat.FromInteger(Numerics.BigInteger model.Degree, p)
                Expect.isLessThan (abs (euler.ToDouble()) / max 1.0 (abs ((value w).ToDouble()))) 1e-70
                    $"{describe model} Euler"

        testCase "the twin by kind name is the twin of the engine model; other models and kinds are refused" <| fun _ ->
            for kind, model in [ "linear", (LinearModel(5) :> IParameterization)
                                 "diag", (DiagonalNetwork(5, 3) :> IParameterization)
                                 "fc", (FullyConnectedNetwork(5, 3) :> IParameterization)
                                 "conv-time", (ConvolutionalNetwork(5, 3) :> IParameterization)
                                 "conv-time", (ConvolutionalFourierNetwork(5, 3) :> IParameterization) ] do
                let byName = HighPrecisionModels.Of(kind, model.Degree, 5)
                Expect.equal byName.Name model.Name kind
                Expect.equal byName.ParameterCount model.ParameterCount kind
                let w = toBig (gaussian 31UL model.ParameterCount)
                let a, b = byName.Predictor w, (HighPrecisionModels.Of model).Predictor w
                Expect.isTrue (Array.forall2 (fun (x: BigFloat) y -> x = y) a b) kind
            throws<ArgumentException> (fun () -> HighPrecisionModels.Of("conv", 2, 5) |> ignore)
                "unknown kind" |> ignore
            let kernel = KernelConvolutionalNetwork(8, 3, 1, 2)
            throws<NotSupportedException> (fun () -> HighPrecisionModels.Of(kernel) |> ignore) "kernel model" |> ignore
    ]
