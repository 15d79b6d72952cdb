namespace ImplicitBias

open System.IO
open System.Text.Json

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
      Evidence: string }

/// Building claim rows, keeping them beside the figures, and writing the report.
module Claims =
    /// A row whose verdict is PASS when `holds`, FAIL otherwise.
    let check claim prediction measured tolerance holds evidence =
        { Claim = claim; Prediction = prediction; Measured = measured; Tolerance = tolerance
          Verdict = (if holds then "PASS" else "FAIL"); Evidence = evidence }

    /// A row for a claim that could not be checked (says why; never PASS).
    let unavailable claim prediction reason evidence =
        { Claim = claim; Prediction = prediction; Measured = reason; Tolerance = "-"; Verdict = "NOT AVAILABLE"
          Evidence = evidence }

    /// Writes a script's rows to dir/name.json (atomically), for the report to collect.
    let save dir name (rows: ClaimRow list) =
        AtomicFile.writeAllText (Path.Combine(dir, name + ".json")) (JsonSerializer.Serialize(Array.ofList rows))

    /// Every row saved in dir, by file name order.
    let loadAll dir =
        if not (Directory.Exists dir) then []
        else
            [ for file in Directory.GetFiles(dir, "*.json") |> Array.sort do
                yield! JsonSerializer.Deserialize<ClaimRow[]>(File.ReadAllText file) ]

    /// Display order of the paper's claims.
    let private order (claim: string) =
        let keys = [ "Theorem 1"; "Theorem 2 "; "Theorem 2a"; "Lemma 3"; "Theorem 4"; "Lemma 5"; "Lemma 6"; "Lemma 7" ]
        keys |> List.tryFindIndex (fun k -> (claim + " ").StartsWith k) |> Option.defaultValue keys.Length

    let private cell (s: string) = s.Replace("|", "\\|").Replace("\n", " ")

    /// Claims beyond the paper (kernel sizes, channels, 2-D, real images) start with this; the report
    /// gives them their own table after the paper's.
    let beyondPrefix = "Beyond:"

    let private table (rows: ClaimRow list) =
        [ yield "| Claim | Predicted | Measured | Tolerance | Verdict | Evidence |"
          yield "| --- | --- | --- | --- | --- | --- |"
          for r in rows do
              yield $"| {cell r.Claim} | {cell r.Prediction} | {cell r.Measured} | {cell r.Tolerance} | **{r.Verdict}** | {cell r.Evidence} |" ]

    /// The report: a header, a table with one row per claim of the paper, then (if any) the part
    /// "Beyond the paper" with its own table, and a summary line over all rows.
    let markdown (header: string) (rows: ClaimRow list) =
        let beyond, paper = rows |> List.partition (fun r -> r.Claim.StartsWith beyondPrefix)
        let paper = paper |> List.sortBy (fun r -> order r.Claim, r.Claim)
        let passed = rows |> List.filter (fun r -> r.Verdict = "PASS") |> List.length
        [ yield header
          yield ""
          yield! table paper
          if not beyond.IsEmpty then
              yield ""
              yield "## Beyond the paper"
              yield ""
              yield "Later results checked with the same machinery: kernel size K with C channels (Jagadeesan, Razenshteyn, Gunasekar, COLT 2022: the R_K max-margin predictor), 2-D circular convolutions (the 2-D DFT in Theorem 2 and eq. (10)-(13); Lawrence et al., ICML 2022) and real handwritten digits."
              yield ""
              yield! table (beyond |> List.sortBy (fun r -> r.Claim))
          yield ""
          yield $"{passed} of {rows.Length} claims PASS." ]
        |> String.concat "\n"
