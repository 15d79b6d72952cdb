namespace ImplicitBias

open ImplicitBias.Engine.Losses

/// The loss of a run, as data (so that a run specification has structural equality and a canonical text).
type LossKind =
    /// exp(-y <x, beta>), the paper's.
    | Exponential
    /// log(1 + exp(-y <x, beta>)).
    | Logistic

/// Losses by name.
module Loss =
    /// The command-line name: "exp" or "logistic" (also the run's canonical text and the store's column).
    let name loss =
        match loss with
        | Exponential -> "exp"
        | Logistic -> "logistic"

    /// "exp" or "logistic".
    let parse (text: string) : Result<LossKind, string> =
        match text with
        | "exp" -> Ok Exponential
        | "logistic" -> Ok Logistic
        | _ -> Error $"unknown loss '{text}'; expected exp or logistic"

    /// The engine's loss object.
    let create loss : ILoss =
        match loss with
        | Exponential -> ExponentialLoss()
        | Logistic -> LogisticLoss()
