// BenchOut: where benchmark scripts write their tables: out/bench/NAME.md (Markdown) and out/bench/NAME.csv.
open System.IO

/// Writes out/bench/NAME.md and out/bench/NAME.csv (the folder made if needed).
let write (name: string) (markdown: string list) (csv: string list) =
    let folder = Path.Combine(__SOURCE_DIRECTORY__, "..", "out", "bench")
    Directory.CreateDirectory folder |> ignore
    File.WriteAllLines(Path.Combine(folder, name + ".md"), markdown)
    File.WriteAllLines(Path.Combine(folder, name + ".csv"), csv)
