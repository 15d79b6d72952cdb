namespace ImplicitBias

open Plotly.NET

/// A named curve.
type Series = { Name: string; X: float[]; Y: float[] }

/// A named curve with a shaded band (for instance median and min..max over seeds).
type Band =
    { Name: string
      X: float[]
      Center: float[]
      Lower: float[]
      Upper: float[] }

/// The paper's figures as functions from numbers to charts (no training, no files, no browser):
/// tested by asserting on their JSON (GenericChart.toFigureJson).
module Figures =
    let private colour (look: Look) = Color.fromString (FigureStyle.colourOf look)

    /// F1: |beta_hat| of the limit direction, one bar chart per (depth, column), in the family's colour. Each
    /// column is a model family (e.g. "conv", "fc"), each entry (depth, |beta_hat| over all D frequencies);
    /// frequencies 0..D/2 are shown (|beta_hat[D-k]| = |beta_hat[k]| for real beta). Rows are depths.
    let spectra (columns: (string * (int * float[]) list) list) =
        let depths = columns |> List.collect (snd >> List.map fst) |> List.distinct |> List.sort
        let cell family (depth: int) (magnitudes: float[]) =
            let half = magnitudes.Length / 2
            Chart.Column(values = magnitudes[0..half], Keys = [ 0..half ], Name = $"{family} L={depth}",
                         MarkerColor = colour (FigureStyle.look family family), ShowLegend = false)
            |> Chart.withXAxis (FigureStyle.axis "frequency k" false)
            |> Chart.withYAxis (
                LayoutObjects.LinearAxis.init (
                    Title = Title.init "|β̂ₖ|", Range = StyleParam.Range.MinMax(0.0, 1.0)))
        let cells =
            [ for depth in depths do
                for (family, entries) in columns do
                    match entries |> List.tryFind (fun (l, _) -> l = depth) with
                    | Some(_, m) -> yield cell family depth m
                    | None -> yield Chart.Invisible() ]
        let titles = [| for depth in depths do for (family, _) in columns -> $"{family}, L = {depth}" |]
        cells
        |> Chart.Grid(depths.Length, columns.Length, SubPlotTitles = titles, YGap = 0.45)
        |> Chart.withTitle "F1: |β̂| of the limit direction (unitary DFT, frequency k = 0..D/2) by depth"
        |> Chart.withSize (900, 190 * depths.Length + 120)

    /// F2: a measure (e.g. an effective count) against depth, one band per look: the centre line
    /// and a shaded range in the look's colour (the caller says which statistics in the title).
    let bands (title: string) (xTitle: string) (yTitle: string) (items: (Look * Band) list) =
        [ for look, b in items do
            let c = FigureStyle.colourOf look
            let edge y = Chart.Line(x = b.X, y = y, ShowLegend = false, LineColor = Color.fromString c, LineWidth = 0.0)
            yield edge b.Upper |> Chart.withTraceInfo (Name = $"{look.Label} upper", LegendGroup = look.Label)
            yield edge b.Lower
                  |> Chart.withTraceInfo (Name = $"{look.Label} lower", LegendGroup = look.Label)
                  |> GenericChart.mapTrace (fun t ->
                      t.SetProperty("fill", "tonexty")
                      t.SetProperty("fillcolor", c + "33")
                      t)
            yield FigureStyle.line look b.X b.Center ]
        |> Chart.combine
        |> Chart.withTitle title
        |> Chart.withXAxis (FigureStyle.axis xTitle false)
        |> Chart.withYAxis (FigureStyle.axis yTitle false)
        |> FigureStyle.finish
        |> Chart.withSize (800, 560)

    /// Points with a non-positive coordinate cannot be drawn on log-log axes: dropped.
    let private positive (s: Series) =
        let keep = Array.map2 (fun x y -> x > 0.0 && y > 0.0 && System.Double.IsFinite y) s.X s.Y
        { s with X = Array.zip s.X keep |> Array.filter snd |> Array.map fst
                 Y = Array.zip s.Y keep |> Array.filter snd |> Array.map fst }

    /// Log-log curves, one panel per entry (panel title, y title, curves); each curve drawn by its look
    /// (colour by family, dash by step rule), one legend entry per look label across panels. F3 and F4.
    let logLogPanels (title: string) (xTitle: string) (panels: (string * string * (Look * Series) list) list) =
        panels
        |> List.map (fun (_, yTitle, curves) ->
            let drawn = curves |> List.map (fun (look, s) -> look, positive s)
            drawn
            |> List.map (fun (look, p) -> FigureStyle.line look p.X p.Y)
            |> Chart.combine
            |> Chart.withXAxis (FigureStyle.logAxisFor xTitle (drawn |> Seq.collect (fun (_, p) -> p.X)))
            |> Chart.withYAxis (FigureStyle.logAxisFor yTitle (drawn |> Seq.collect (fun (_, p) -> p.Y))))
        |> Chart.Grid(1, panels.Length, SubPlotTitles = (panels |> List.map (fun (t, _, _) -> t) |> Array.ofList),
                      XGap = 0.22)
        |> Chart.withTitle title
        |> FigureStyle.finish
        |> Chart.withSize (max 760 (460 * panels.Length), 560)

    /// F5: checks of exact identities, as relative errors on a log axis beside their tolerance.
    /// Each row: (check, measured relative error, tolerance).
    let checks (title: string) (rows: (string * float * float) list) =
        let names = rows |> List.map (fun (n, _, _) -> n)
        let floor v = max v 1e-17 // an exact zero is drawn at the bottom of the log axis
        let measured, tolerance = FigureStyle.look "measured" "measured", FigureStyle.look "tolerance" "tolerance"
        [ Chart.Column(values = (rows |> List.map (fun (_, m, _) -> floor m)), Keys = names, Name = measured.Label,
                       MarkerColor = colour measured)
          Chart.Line(x = names, y = (rows |> List.map (fun (_, _, t) -> t)), Name = tolerance.Label, ShowMarkers = true,
                     LineColor = colour tolerance, MarkerColor = colour tolerance,
                     LineDash = StyleParam.DrawingStyle.Dash) ]
        |> Chart.combine
        |> Chart.withTitle title
        |> Chart.withXAxis (FigureStyle.axis "identity checked" false)
        |> Chart.withYAxis (FigureStyle.axis "relative error" true)
        |> FigureStyle.finish
        |> Chart.withSize (900, 560)

    /// The rates figure (issue 22.6): left, each run's off-support share against theta on log axes (one colour per
    /// family); right, the fitted rate against the predicted one per run, with the line measured = predicted.
    /// `runs`: (look of the model, dataset, predicted, measured, curve of (theta, share)).
    let rates (title: string) (runs: (Look * string * float * float * (float * float)[]) list) =
        let points = runs |> Seq.collect (fun (_, _, _, _, curve) -> curve)
        let curves =
            [ for look, name, _, _, curve in runs do
                let kept = curve |> Array.filter (fun (_, s) -> s > 0.0 && System.Double.IsFinite s)
                yield Chart.Line(x = Array.map fst kept, y = Array.map snd kept, Name = $"{look.Label} {name}",
                                 ShowLegend = false, LineColor = colour look, LineWidth = 1.0)
                      |> Chart.withTraceInfo (LegendGroup = look.Label) ]
            |> Chart.combine
            |> Chart.withXAxis (FigureStyle.logAxisFor "θ = log(−log L)" (points |> Seq.map fst))
            |> Chart.withYAxis (FigureStyle.logAxisFor "off-support share of β̂/‖β̂‖" (points |> Seq.map snd))
        let top =
            runs
            |> List.collect (fun (_, _, p, m, _) -> [ p; m ])
            |> List.filter System.Double.IsFinite
            |> List.fold max 0.0
        let equality = FigureStyle.look "equality" "measured = predicted"
        let scatter =
            [ for look in runs |> List.map (fun (l, _, _, _, _) -> l) |> List.distinct do
                let mine = runs |> List.filter (fun (l, _, _, _, _) -> l = look)
                yield Chart.Point(x = (mine |> List.map (fun (_, _, p, _, _) -> p)),
                                  y = (mine |> List.map (fun (_, _, _, d, _) -> d)),
                                  Name = look.Label, MarkerColor = colour look,
                                  MultiText = (mine |> List.map (fun (_, n, _, _, _) -> n)))
                      |> Chart.withTraceInfo (LegendGroup = look.Label)
              yield Chart.Line(x = [ 0.0; 1.1 * top ], y = [ 0.0; 1.1 * top ], Name = equality.Label,
                               LineColor = colour equality, LineDash = StyleParam.DrawingStyle.Dash) ]
            |> Chart.combine
            |> Chart.withXAxis (FigureStyle.axis "predicted δ = 1 − max off-support |Σ α_n ẑ_n|" false)
            |> Chart.withYAxis (FigureStyle.axis "fitted δ (share ∝ exp(−δ θ))" false)
        [ curves; scatter ]
        |> Chart.Grid(1, 2, SubPlotTitles = [| "off-support share along the run"; "rate: fitted against predicted" |],
                      XGap = 0.22)
        |> Chart.withTitle title
        |> FigureStyle.finish
        |> Chart.withSize (1000, 560)
