/// ScriptArgs: the scripts' own options: `--name value` pairs after the script's path (dotnet fsi SCRIPT --name value
/// ...).
open System
open System.Globalization

let private args = fsi.CommandLineArgs |> Array.skip 1

/// The value after `name`, or `fallback` when the option is absent; an option without a value is an error.
let option name fallback =
    match Array.tryFindIndex ((=) name) args with
    | Some i when i + 1 < args.Length -> args[i + 1]
    | Some _ -> failwithf "%s needs a value" name
    | None -> fallback

/// `text` as a positive integer, or an error naming the option and the text.
let parsePositive name (text: string) =
    match Int64.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture) with
    | true, v when v > 0L -> v
    | _ -> failwithf "%s must be a positive integer (got '%s')" name text

/// The option `name` as a positive integer (`fallback` when absent).
let positive name (fallback: int64) = parsePositive name (option name (string fallback))

/// Whether the flag `name` is given.
let flag name = Array.contains name args
