namespace ImplicitBias

open System.IO
open System.Text.Json
open System.Text.Json.Serialization

/// One row of the reproduction report: a claim of the paper, what it predicts, what was measured,
/// the tolerance, and the verdict (PASS, FAIL, or NOT AVAILABLE when a piece is missing).
[<CLIMutable>]
type ClaimRow =
    { Claim: string
      Prediction: string
      Measured: string
      Tolerance: string
      Verdict: string
      /// The figure or script the evidence comes from.
      Evidence: string
      /// For each set the row failed on, the commands that regenerate it and train the row's network on it
      /// (empty for rows of no suite; null in rows saved before they existed).
      Reruns: Rerun[]
      /// Each set's line of a suite row (empty for rows of no suite; null in rows saved before they existed).
      Sets: SetRecord[] }

/// Building claim rows, keeping them beside the figures, and writing the report.
module Claims =
    /// A row whose verdict is PASS when `holds`, FAIL otherwise.
    let check claim prediction measured tolerance holds evidence =
        { Claim = claim; Prediction = prediction; Measured = measured; Tolerance = tolerance
          Verdict = (if holds then "PASS" else "FAIL"); Evidence = evidence; Reruns = [||]; Sets = [||] }

    /// A row for a claim that could not be checked (says why; never PASS).
    let unavailable claim prediction reason evidence =
        { Claim = claim; Prediction = prediction; Measured = reason; Tolerance = "-"; Verdict = "NOT AVAILABLE"
          Evidence = evidence; Reruns = [||]; Sets = [||] }

    /// NaN angles (a set's angle in the Theorem 4 row) are written as "NaN", which plain JSON numbers cannot hold.
    let private options = JsonSerializerOptions(NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)

    /// Writes a script's rows to dir/name.json (atomically), for the report to collect.
    let save dir name (rows: ClaimRow list) =
        let json = JsonSerializer.Serialize(Array.ofList rows, options)
        AtomicFile.writeAllText (Path.Combine(dir, name + ".json")) json

    /// Every row saved in dir with the name it was saved under (the script's, e.g. "f4"), by file name order.
    let loadSourced dir =
        if not (Directory.Exists dir) then []
        else
            [ for file in Directory.GetFiles(dir, "*.json") |> Array.sort do
                for row in JsonSerializer.Deserialize<ClaimRow[]>(File.ReadAllText file, options) ->
                    Path.GetFileNameWithoutExtension file, row ]

    /// Every row saved in dir, by file name order.
    let loadAll dir = loadSourced dir |> List.map snd

    /// Display order of the paper's claims.
    let private order (claim: string) =
        let keys = [ "Theorem 1"; "Theorem 2 "; "Theorem 2a"; "Lemma 3"; "Theorem 4"; "Lemma 5"; "Lemma 6"; "Lemma 7" ]
        keys |> List.tryFindIndex (fun k -> (claim + " ").StartsWith k) |> Option.defaultValue keys.Length

    let private cell (s: string) = s.Replace("|", "\\|").Replace("\n", " ")

    /// Claims beyond the paper (kernel sizes, channels, 2-D, real images) start with this; the report
    /// gives them their own table after the paper's.
    let beyondPrefix = "Beyond:"

    /// The row's reruns (none in rows saved before they existed).
    let reruns (r: ClaimRow) = if isNull r.Reruns then [||] else r.Reruns

    /// The row's sets (none in rows saved before they existed).
    let sets (r: ClaimRow) = if isNull r.Sets then [||] else r.Sets

    /// Items holding rows (`rowOf`) in the report's order: the paper's claims in the paper's order, then the
    /// claims beyond the paper by name.
    let arrange (rowOf: 'a -> ClaimRow) (items: 'a list) =
        let beyond, paper = items |> List.partition (fun x -> (rowOf x).Claim.StartsWith beyondPrefix)
        let claim x = (rowOf x).Claim
        paper |> List.sortBy (fun x -> order (claim x), claim x), beyond |> List.sortBy claim

    /// Table lines of rows paired with the number i of their reruns' section, if any: the verdict links to
    /// #rerun-i, the anchor markdown gives the section's heading "Rerun i".
    let private table (rows: (ClaimRow * int option) list) =
        [ yield "| Claim | Predicted | Measured | Tolerance | Verdict | Evidence |"
          yield "| --- | --- | --- | --- | --- | --- |"
          for r, rerun in rows do
              let link = rerun |> Option.map (fun i -> $" ([commands](#rerun-{i}))") |> Option.defaultValue ""
              yield ($"| {cell r.Claim} | {cell r.Prediction} | {cell r.Measured} | {cell r.Tolerance} | " +
                     $"**{r.Verdict}**{link} | {cell r.Evidence} |") ]

    /// The section "Rerunning the failing sets": for each row with reruns, its heading, then each set's commands.
    let private rerunSection (rows: (ClaimRow * int option) list) =
        [ yield "## Rerunning the failing sets"
          yield ""
          yield ("For each set a row failed on: the command that writes the set (the same bits as the report's) and " +
                 "the one that trains the row's network on it with the report's settings; run them from the " +
                 "repository's root (docs/reproduce.md).")
          for r, rerun in rows do
              match rerun with
              | Some i ->
                  yield ""
                  yield $"### Rerun {i}"
                  yield ""
                  yield $"{r.Claim}: {(reruns r).Length} failing set(s)."
                  yield ""
                  for x in reruns r do yield! Rerun.markdown x
              | None -> () ]

    /// The report: a header, a table with one row per claim of the paper, then (if any) the part
    /// "Beyond the paper" with its own table, a summary line over all rows, and (if any row failed on
    /// sets with reruns) the commands that regenerate and train each of them, linked from the row's verdict.
    let markdown (header: string) (rows: ClaimRow list) =
        let paper, beyond = arrange id rows
        let numbered =
            paper @ beyond
            |> List.mapFold (fun next r ->
                if (reruns r).Length > 0 then (r, Some next), next + 1 else (r, None), next) 1
            |> fst
        let paper, beyond = List.splitAt paper.Length numbered
        let passed = rows |> List.filter (fun r -> r.Verdict = "PASS") |> List.length
        [ yield header
          yield ""
          yield! table paper
          if not beyond.IsEmpty then
              yield ""
              yield "## Beyond the paper"
              yield ""
              yield ("Later results checked with the same machinery: kernel size K with C channels (Jagadeesan, " +
                     "Razenshteyn, Gunasekar, COLT 2022: the R_K max-margin predictor), 2-D circular convolutions " +
                     "(the 2-D DFT in Theorem 2 and eq. (10)-(13); Lawrence et al., ICML 2022) and real handwritten " +
                     "digits.")
              yield ""
              yield! table beyond
          yield ""
          yield $"{passed} of {rows.Length} claims PASS."
          if numbered |> List.exists (snd >> Option.isSome) then
              yield ""
              yield! rerunSection numbered ]
        |> String.concat "\n"
