/// Shared helpers for the tests: seeded random vectors and relative comparisons.
module ImplicitBias.Tests.TestUtil

open ImplicitBias.Engine.Numerics

/// A seeded vector of standard normal entries.
let gaussian (seed: uint64) (length: int) =
    let v = Array.zeroCreate length
    SeededRandom(seed).FillGaussian(System.Span v)
    v

/// max_i |a_i - b_i| / max(max_i |b_i|, tiny): the relative error of a against the reference b.
let relativeError (a: float[]) (b: float[]) =
    let scale = max (b |> Array.map abs |> Array.max) 1e-300
    Array.map2 (fun x y -> abs (x - y)) a b |> Array.max |> fun e -> e / scale

/// ||a - b|| / ||b||: the relative Euclidean distance of a to the reference b.
let relativeDifference (a: float[]) (b: float[]) =
    let diff = Array.map2 (fun x y -> (x - y) * (x - y)) a b |> Array.sum |> sqrt
    diff / (b |> Array.sumBy (fun y -> y * y) |> sqrt)

/// Central finite differences of f at w, one coordinate at a time.
let finiteDifference (f: float[] -> float) (w: float[]) (h: float) =
    Array.init w.Length (fun i ->
        let plus, minus = Array.copy w, Array.copy w
        plus[i] <- plus[i] + h
        minus[i] <- minus[i] - h
        (f plus - f minus) / (2.0 * h))

/// A model's name, type and dimension, for failure messages.
let describe (m: ImplicitBias.Engine.Networks.IParameterization) = $"{m.Name} ({m.GetType().Name}) D={m.Dimension}"

/// Euclidean inner product.
let dot (a: float[]) (b: float[]) = Array.fold2 (fun s x y -> s + x * y) 0.0 a b

/// Runs f, expects it to throw 'E, and returns the exception for further checks of its message.
let throws<'E when 'E :> exn> (f: unit -> unit) (what: string) : 'E =
    try
        f ()
        failwithf "%s: expected %s, but nothing was thrown" what typeof<'E>.Name
    with
    | :? 'E as e -> e
