namespace ImplicitBias

open System
open System.Globalization
open System.Numerics

/// What the scripts' command lines share: reading a seed (writing a command back: CommandLine).
module CliArgs =
    /// A seed from a flag's text: every uint64, 0 .. 2^64 - 1, written in decimal digits, as the toolkit
    /// prints seeds (data sets drawn by DataSuite have seeds above 2^63). The error names the flag and the text.
    let seed (flag: string) (text: string) : Result<uint64, string> =
        match UInt64.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture) with
        | true, v -> Ok v
        | _ ->
            let why =
                match BigInteger.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) with
                | true, v when v.Sign < 0 -> "is negative"
                | true, _ when text.StartsWith "+" || text.StartsWith "-" -> "has a sign" // +5, -0
                | true, _ -> "is larger than 2^64 - 1"
                | _ -> "is not a whole number"
            Error $"{flag}: '{text}' {why}; a seed is a whole number from 0 to {UInt64.MaxValue}"
