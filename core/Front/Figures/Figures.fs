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
    /// Colours for depths 1, 2, 3, ... (dark to light, colour-blind safe).
    let palette = [| "#1b1f5e"; "#2c6fb0"; "#2aa198"; "#8fbc3c"; "#e0a526"; "#c0392b"; "#7f3c8d" |]

    let private colour i = Color.fromString palette[i % palette.Length]

    /// F1: |beta_hat| of the limit direction, one bar chart per (depth, column). Each column is a
    /// model (e.g. "convolutional", "fully connected"), each entry (depth, |beta_hat| over all D
    /// frequencies); frequencies 0..D/2 are shown (|beta_hat[D-k]| = |beta_hat[k]| for real beta).
    /// Rows are depths, so depth-dependent sparsity reads top to bottom.
    let spectra (columns: (string * (int * float[]) list) list) =
        let depths = columns |> List.collect (snd >> List.map fst) |> List.distinct |> List.sort
        let cell title (depth: int) (magnitudes: float[]) =
            let half = magnitudes.Length / 2
            Chart.Column(values = magnitudes[0..half], Keys = [ 0..half ], Name = $"{title} L={depth}",
                         MarkerColor = colour (depth - 1), ShowLegend = false)
            |> Chart.withYAxisStyle (MinMax = (0.0, 1.0))
        let cells =
            [ for depth in depths do
                for (title, entries) in columns do
                    match entries |> List.tryFind (fun (l, _) -> l = depth) with
                    | Some(_, m) -> yield cell title depth m
                    | None -> yield Chart.Invisible() ]
        let titles = [| for depth in depths do for (title, _) in columns -> $"{title}, L = {depth}" |]
        cells
        |> Chart.Grid(depths.Length, columns.Length, SubPlotTitles = titles, YGap = 0.35)
        |> Chart.withTitle "F1: |β̂| of the limit direction (frequency k = 0..D/2) by depth"
        |> Chart.withSize (900, 170 * depths.Length + 120)

    let private line (i: int) (s: Series) dash =
        Chart.Line(x = s.X, y = s.Y, Name = s.Name, ShowMarkers = true, LineColor = colour i, MarkerColor = colour i,
                   LineDash = dash)

    /// F2: a measure (e.g. an effective count) against depth, one band per model: the centre line
    /// and a shaded range (the caller says which statistics in the title).
    let bands (title: string) (xTitle: string) (yTitle: string) (items: Band list) =
        [ for i, b in List.indexed items do
            let c = palette[i % palette.Length]
            yield Chart.Line(x = b.X, y = b.Upper, Name = $"{b.Name} upper", ShowLegend = false, LineColor = Color.fromString c,
                             LineWidth = 0.0)
            yield Chart.Line(x = b.X, y = b.Lower, Name = $"{b.Name} lower", ShowLegend = false, LineColor = Color.fromString c,
                             LineWidth = 0.0, Fill = StyleParam.Fill.ToNext_y, FillColor = Color.fromString (c + "40"))
            yield line i { Name = b.Name; X = b.X; Y = b.Center } StyleParam.DrawingStyle.Solid ]
        |> Chart.combine
        |> Chart.withTitle title
        |> Chart.withXAxisStyle (TitleText = xTitle)
        |> Chart.withYAxisStyle (TitleText = yTitle)
        |> Chart.withSize (800, 520)

    /// Points with a non-positive coordinate cannot be drawn on log-log axes: dropped.
    let private positive (s: Series) =
        let keep = Array.map2 (fun x y -> x > 0.0 && y > 0.0 && System.Double.IsFinite y) s.X s.Y
        { s with X = Array.zip s.X keep |> Array.filter snd |> Array.map fst
                 Y = Array.zip s.Y keep |> Array.filter snd |> Array.map fst }

    /// Log-log curves, one panel per entry (title, series); series whose name contains "fixed"
    /// are dashed. Used by F3 (angle to the predicted limit) and F4 (KKT residual).
    let logLogPanels (title: string) (xTitle: string) (yTitle: string) (panels: (string * Series list) list) =
        panels
        |> List.map (fun (_, series) ->
            series
            |> List.mapi (fun i s ->
                let dash = if s.Name.Contains "fixed" then StyleParam.DrawingStyle.Dash else StyleParam.DrawingStyle.Solid
                line i (positive s) dash)
            |> Chart.combine
            |> Chart.withXAxisStyle (TitleText = xTitle, AxisType = StyleParam.AxisType.Log)
            |> Chart.withYAxisStyle (TitleText = yTitle, AxisType = StyleParam.AxisType.Log))
        |> Chart.Grid(1, panels.Length, SubPlotTitles = (panels |> List.map fst |> Array.ofList), XGap = 0.15)
        |> Chart.withTitle title
        |> Chart.withSize (max 760 (420 * panels.Length), 480)

    /// F5: checks of exact identities, as relative errors on a log axis beside their tolerance.
    /// Each row: (check, measured relative error, tolerance).
    let checks (title: string) (rows: (string * float * float) list) =
        let names = rows |> List.map (fun (n, _, _) -> n)
        let floor v = max v 1e-17 // an exact zero is drawn at the bottom of the log axis
        [ Chart.Column(values = (rows |> List.map (fun (_, m, _) -> floor m)), Keys = names, Name = "measured",
                       MarkerColor = colour 1)
          Chart.Line(x = names, y = (rows |> List.map (fun (_, _, t) -> t)), Name = "tolerance", ShowMarkers = true,
                     LineColor = colour 5, MarkerColor = colour 5, LineDash = StyleParam.DrawingStyle.Dash) ]
        |> Chart.combine
        |> Chart.withTitle title
        |> Chart.withYAxis (
            LayoutObjects.LinearAxis.init (
                Title = Title.init "relative error", AxisType = StyleParam.AxisType.Log,
                ExponentFormat = StyleParam.ExponentFormat.Power))
        |> Chart.withSize (900, 520)

    /// The rates figure (issue 22.6): left, each run's off-support share against theta on log axes (one colour per
    /// model); right, the fitted rate against the predicted one per run, with the line measured = predicted.
    /// `runs`: (model, dataset, predicted, measured, curve of (theta, share)).
    let rates (title: string) (runs: (string * string * float * float * (float * float)[]) list) =
        let models = runs |> List.map (fun (m, _, _, _, _) -> m) |> List.distinct
        let apart = [| 1; 5; 2; 4 |] // far apart in the palette
        let colourOf m = colour apart[List.findIndex ((=) m) models % apart.Length]
        let curves =
            [ for m, name, _, _, curve in runs do
                let kept = curve |> Array.filter (fun (_, s) -> s > 0.0 && System.Double.IsFinite s)
                yield Chart.Line(x = Array.map fst kept, y = Array.map snd kept, Name = $"{m} {name}",
                                 ShowLegend = false,
                                 LineColor = colourOf m, LineWidth = 1.0) ]
            |> Chart.combine
            |> Chart.withXAxisStyle (TitleText = "θ = log(−log L)", AxisType = StyleParam.AxisType.Log)
            |> Chart.withYAxis (
                LayoutObjects.LinearAxis.init (
                    Title = Title.init "off-support share of β̂/‖β̂‖", AxisType = StyleParam.AxisType.Log,
                    ExponentFormat = StyleParam.ExponentFormat.Power))
        let top =
            runs
            |> List.collect (fun (_, _, p, m, _) -> [ p; m ])
            |> List.filter System.Double.IsFinite
            |> List.fold max 0.0
        let scatter =
            [ for m in models do
                let mine = runs |> List.filter (fun (x, _, _, _, _) -> x = m)
                yield Chart.Point(x = (mine |> List.map (fun (_, _, p, _, _) -> p)),
                                  y = (mine |> List.map (fun (_, _, _, d, _) -> d)),
                                  Name = m, MarkerColor = colourOf m,
                                  MultiText = (mine |> List.map (fun (_, n, _, _, _) -> n)))
              yield Chart.Line(x = [ 0.0; 1.1 * top ], y = [ 0.0; 1.1 * top ], Name = "measured = predicted",
                               LineColor = Color.fromString "#888888", LineDash = StyleParam.DrawingStyle.Dash) ]
            |> Chart.combine
            |> Chart.withXAxisStyle (TitleText = "predicted δ = 1 − max off-support |Σ α_n ẑ_n|")
            |> Chart.withYAxisStyle (TitleText = "fitted δ (share ∝ exp(−δ θ))")
        [ curves; scatter ]
        |> Chart.Grid(1, 2, SubPlotTitles = [| "off-support share along the run"; "rate: fitted against predicted" |],
                      XGap = 0.15)
        |> Chart.withTitle title
        |> Chart.withSize (1000, 480)
