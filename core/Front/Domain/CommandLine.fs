namespace ImplicitBias

open System

/// A script's command written as text, for a reader to copy (the report's rerun commands).
module CommandLine =
    /// A word as a POSIX shell reads it back: unchanged when it holds only safe characters, else in single quotes.
    let quote (word: string) =
        let safe (c: char) = Char.IsAsciiLetterOrDigit c || "_./:,=+-@%".Contains c
        if word <> "" && Seq.forall safe word then word else "'" + word.Replace("'", "'\\''") + "'"

    /// The command that runs scripts/SCRIPT with the arguments, as one shell line.
    let command (script: string) (args: string list) =
        String.concat " " ([ "dotnet"; "fsi"; $"scripts/{script}" ] @ List.map quote args)
