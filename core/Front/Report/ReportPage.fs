namespace ImplicitBias

open System
open System.Globalization
open System.IO
open System.Text.Json
open Plotly.NET

/// A figure of the report page: its file name (e.g. "f4-stationarity"), title, and Plotly figure JSON
/// ({"data": [...], "layout": {...}}, as GenericChart.toFigureJson writes it).
type PageFigure = { Name: string; Title: string; Json: string }

/// What the page's header says: the run that made it and how to make it again.
type PageHeader =
    { Title: string
      Engine: string
      Commit: string
      Cores: int
      Seconds: float
      /// The command that reruns the whole job, e.g. "dotnet fsi build.fsx -t Reproduce".
      Command: string
      /// Further lines (the suites and their sets), shown folded.
      Notes: string list }

/// out/report.html: one self-contained page (opens offline) with the header, the claims table (verdicts
/// coloured; each row links to its evidence: the row's sets and its figure), then every figure, drawn by one
/// embedded copy of plotly.js from the JSON that FigureFiles.saveJson keeps beside each figure.
module ReportPage =
    /// The CSS class of a verdict's cell: PASS green, FAIL red, anything else (NOT AVAILABLE) neutral.
    let verdictClass (verdict: string) =
        match verdict with
        | "PASS" -> "pass"
        | "FAIL" -> "fail"
        | _ -> "other"

    /// The layout's title text (a string or {"text": ...}), else `fallback`.
    let private titleOf (fallback: string) (json: string) =
        use doc = JsonDocument.Parse json
        let mutable layout = Unchecked.defaultof<JsonElement>
        let mutable title = Unchecked.defaultof<JsonElement>
        let mutable text = Unchecked.defaultof<JsonElement>
        if doc.RootElement.TryGetProperty("layout", &layout) && layout.TryGetProperty("title", &title) then
            if title.ValueKind = JsonValueKind.String then title.GetString()
            elif title.ValueKind = JsonValueKind.Object && title.TryGetProperty("text", &text) then text.GetString()
            else fallback
        else fallback

    /// A figure from its figure JSON.
    let figureOfJson (name: string) (json: string) = { Name = name; Title = titleOf name json; Json = json }

    /// A figure from its chart.
    let figureOf (name: string) (chart: GenericChart) = figureOfJson name (GenericChart.toFigureJson chart)

    /// Every figure kept in dir (the *.json that FigureFiles.save writes), by name.
    let loadFigures (dir: string) =
        if not (Directory.Exists dir) then []
        else
            [ for file in Directory.GetFiles(dir, "*.json") |> Array.sort ->
                figureOfJson (Path.GetFileNameWithoutExtension file) (File.ReadAllText file) ]

    /// plotly.js as Plotly.NET embeds it (the copy its HTML files carry).
    let plotlyJs =
        lazy
            (let assembly = typeof<GenericChart>.Assembly
             let resource = $"Plotly.NET.plotly-{Globals.PLOTLYJS_VERSION}.min.js"
             use stream = assembly.GetManifestResourceStream resource
             if isNull stream then failwith $"plotly.js not found in {assembly.GetName().Name} (resource {resource})"
             use reader = new StreamReader(stream)
             reader.ReadToEnd())

    /// The figures of a row saved by the script `source` ("f4" keeps f4-*.json).
    let figuresOf (source: string) (figures: PageFigure list) =
        figures |> List.filter (fun f -> f.Name = source || f.Name.StartsWith(source + "-"))

    let private number (x: float) =
        if Double.IsNaN x then "-" else x.ToString("G3", CultureInfo.InvariantCulture)

    let private figureId (f: PageFigure) = "figure-" + Html.anchor f.Name
    let private rowId (i: int) = $"row-{i}"
    let private td (content: string) = Html.element "td" [] (Html.escape content)
    let private th (content: string) = Html.element "th" [] (Html.escape content)

    /// A table of class `name` with a header row and body rows (already HTML).
    let private table (name: string) (headers: string list) (rows: string seq) =
        Html.element "table" [ "class", name ]
            (Html.element "thead" [] (Html.element "tr" [] (headers |> List.map th |> String.concat ""))
             + Html.element "tbody" [] (String.concat "\n" rows))

    /// A verdict's cell (or span), coloured by its class.
    let private verdictCell (tag: string) (verdict: string) =
        Html.element tag [ "class", $"verdict {verdictClass verdict}" ] (Html.escape verdict)

    /// The claims table; rows are (number, source, row).
    let private claimsTable (rows: (int * string * ClaimRow) list) =
        let line (i, _, r: ClaimRow) =
            [ td r.Claim; td r.Prediction; td r.Measured; td r.Tolerance; verdictCell "td" r.Verdict
              Html.element "td" [] (Html.element "a" [ "href", "#" + rowId i ] (Html.escape r.Evidence)) ]
            |> String.concat ""
            |> Html.element "tr" [ "id", $"claim-{i}" ]
        table "claims" [ "Claim"; "Predicted"; "Measured"; "Tolerance"; "Verdict"; "Evidence" ] (List.map line rows)

    /// A row's sets, failing ones first.
    let private setsTable (sets: SetRecord[]) =
        let line (s: SetRecord) =
            let result = if s.Passed then "pass" else "fail"
            [ td s.Dataset; Html.element "td" [ "class", $"verdict {result}" ] result; td s.Outcome; td (string s.Steps)
              td (number s.Angle); td (number s.Residual); td s.Note ]
            |> String.concat ""
            |> Html.element "tr" []
        table "sets" [ "Set"; "Result"; "Outcome"; "Steps"; "Final angle (rad)"; "Certificate residual"; "Note" ]
            (sets |> Array.sortBy (fun s -> s.Passed) |> Array.map line)

    /// A row's evidence: its figure(s), its sets, the commands that rerun its failing sets.
    let private evidence (figures: PageFigure list) (i: int, source: string, r: ClaimRow) =
        let mine = figuresOf source figures
        let sets = Claims.sets r
        let failing = sets |> Array.filter (fun s -> not s.Passed) |> Array.length
        [ yield Html.element "h3" [] (Html.escape r.Claim + " " + verdictCell "span" r.Verdict)
          yield Html.element "p" [] (Html.escape r.Measured)
          if mine.IsEmpty then yield Html.element "p" [] (Html.escape $"Evidence: {r.Evidence} (no figure).")
          else
              let link (f: PageFigure) = Html.element "a" [ "href", "#" + figureId f ] (Html.escape f.Title)
              yield Html.element "p" [] ("Figure: " + (mine |> List.map link |> String.concat ", "))
          if isNull r.Sets then
              yield Html.element "p" [] "This row was saved before rows kept their sets: rerun the job for its sets."
          if sets.Length > 0 then
              let summary = Html.escape $"{sets.Length} sets, {failing} failing: outcome, steps, final angle, residual"
              yield Html.element "details" (if failing > 0 then [ "open", "open" ] else [])
                        (Html.element "summary" [] summary + setsTable sets)
          let reruns = Claims.reruns r
          if reruns.Length > 0 then
              let item (x: Rerun) =
                  [ Html.escape x.Dataset
                    if x.Regenerate <> "" then Html.element "pre" [] (Html.escape x.Regenerate)
                    if x.Note <> "" then Html.element "p" [] (Html.escape x.Note)
                    if x.Train <> "" then Html.element "pre" [] (Html.escape x.Train) ]
                  |> String.concat "" |> Html.element "li" []
              yield Html.element "p" [] "Rerun a failing set (from the repository's root):"
              yield Html.element "ul" [] (reruns |> Array.map item |> String.concat "") ]
        |> String.concat "\n"
        |> Html.element "section" [ "id", rowId i; "class", "evidence" ]

    /// A figure's section: its title, a plot element, and the call that draws it.
    let private figure (f: PageFigure) =
        let plot = "plot-" + Html.anchor f.Name
        let draw = $"Plotly.newPlot('{plot}', f.data, f.layout, {{ responsive: true }});"
        let script = $"(function (f) {{ {draw} }})({Html.scriptJson f.Json});"
        [ Html.element "h3" [] (Html.escape f.Title)
          Html.element "div" [ "id", plot; "class", "plot" ] ""
          Html.element "script" [] script ]
        |> String.concat "\n"
        |> Html.element "section" [ "id", figureId f; "class", "figure" ]

    let private style =
        """body { font-family: system-ui, sans-serif; margin: 1.5em auto; max-width: 1400px; padding: 0 1em; }
table { border-collapse: collapse; margin: 0.5em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
th { background: #f0f0f0; }
.verdict { font-weight: bold; white-space: nowrap; }
.verdict.pass { background: #d7f5d7; color: #0a5c0a; }
.verdict.fail { background: #fbd5d5; color: #9b0d0d; }
.verdict.other { background: #eee; color: #444; }
span.verdict { padding: 0 0.4em; }
pre { background: #f6f6f6; padding: 0.4em; white-space: pre-wrap; overflow-wrap: anywhere; }
section.evidence, section.figure { border-top: 1px solid #ddd; margin-top: 1em; }
dl.header { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.header dt { font-weight: bold; }
dl.header dd { margin: 0; }"""

    /// The page. `rows` are the claim rows with the name of the script that saved each (Claims.loadSourced).
    let html (header: PageHeader) (rows: (string * ClaimRow) list) (figures: PageFigure list) =
        let paper, beyond = Claims.arrange snd rows
        let numbered = (paper @ beyond) |> List.mapi (fun i (source, r) -> i + 1, source, r)
        let paper, beyond = List.splitAt paper.Length numbered
        let passed = rows |> List.filter (fun (_, r) -> r.Verdict = "PASS") |> List.length
        let facts =
            [ "Engine", Html.escape header.Engine
              "Commit", Html.element "code" [] (Html.escape header.Commit)
              "Machine", Html.escape $"{header.Cores} cores"
              "Time", Html.escape $"""{header.Seconds.ToString("F0", CultureInfo.InvariantCulture)} s"""
              "Rerun", Html.element "code" [] (Html.escape header.Command) ]
            |> List.map (fun (k, v) -> Html.element "dt" [] k + Html.element "dd" [] v)
            |> String.concat ""
        [ "<!DOCTYPE html>"
          "<html lang=\"en\">"
          "<head><meta charset=\"utf-8\"><title>" + Html.escape header.Title + "</title>"
          Html.element "style" [] style
          Html.element "script" [] plotlyJs.Value
          "</head>"
          "<body>"
          Html.element "h1" [] (Html.escape header.Title)
          Html.element "dl" [ "class", "header" ] facts
          (if header.Notes.IsEmpty then ""
           else
               let notes = Html.element "pre" [] (Html.escape (String.concat "\n" header.Notes))
               Html.element "details" [] (Html.element "summary" [] "The suites and their sets" + notes))
          Html.element "h2" [ "id", "claims" ] "Claims"
          claimsTable paper
          (if beyond.IsEmpty then "" else Html.element "h2" [ "id", "beyond" ] "Beyond the paper" + claimsTable beyond)
          Html.element "p" [ "class", "summary" ] (Html.escape $"{passed} of {rows.Length} claims PASS.")
          Html.element "h2" [ "id", "evidence" ] "Evidence by row"
          numbered |> List.map (evidence figures) |> String.concat "\n"
          Html.element "h2" [ "id", "figures" ] "Figures"
          figures |> List.map figure |> String.concat "\n"
          "</body></html>" ]
        |> String.concat "\n"

    /// Writes the page to path (atomically).
    let write (path: string) (header: PageHeader) (rows: (string * ClaimRow) list) (figures: PageFigure list) =
        AtomicFile.writeAllText path (html header rows figures)
