namespace ImplicitBias

open Plotly.NET

/// The "Beyond the paper" figures as functions from numbers to charts (no training, no files):
/// F6, how the limit of a 2-layer K-kernel net moves from the l2 SVM (K = 1) to Fourier-l1 (K = D);
/// F7, the learned predictors on handwritten digits as 8 x 8 images and 2-D spectra.
module BeyondFigures =
    /// F6: two panels against the kernel size K (log axes): the angles from GD's direction to each
    /// reference (an angle of 0 is drawn at 1e-12, the bottom of the log axis) and the effective count of
    /// |beta_hat|; each curve drawn by its look (a reference's colour, dashed for C = K).
    let kernelSize (title: string) (angles: (Look * Series) list) (counts: (Look * Series) list) =
        // A tick at every K drawn (1, 2, 4, 8, 16), not only at the decades.
        let ks = angles @ counts |> Seq.collect (fun (_, s) -> s.X) |> Seq.distinct |> Seq.sort |> Array.ofSeq
        let kernelAxis = FigureStyle.axis "kernel size K" true
        kernelAxis.SetProperty("tickmode", "array")
        kernelAxis.SetProperty("tickvals", ks)
        let anglePanel =
            angles
            |> List.map (fun (look, s) -> FigureStyle.line look s.X (s.Y |> Array.map (fun y -> max y 1e-12)))
            |> Chart.combine
            |> Chart.withXAxis kernelAxis
            |> Chart.withYAxis (FigureStyle.axis "angle to the reference (rad)" true)
        let countPanel =
            counts
            |> List.map (fun (look, s) -> FigureStyle.line look s.X s.Y)
            |> Chart.combine
            |> Chart.withXAxis kernelAxis
            |> Chart.withYAxis (FigureStyle.axis "effective count of |β̂|" false)
        [ anglePanel; countPanel ]
        |> Chart.Grid(1, 2, SubPlotTitles = [| "angle from GD to each limit"; "sparsity of |β̂|" |], XGap = 0.22)
        |> Chart.withTitle title
        |> FigureStyle.finish
        |> Chart.withSize (1100, 560)

    /// The entries of a row-major image of the given width as rows (what a heat map draws).
    let toRows (width: int) (values: float[]) = values |> Array.chunkBySize width

    /// F7: small multiples of images: one row of panels per entry (row title, [column title, values,
    /// signed]), values row-major of the given width. Signed images (beta) use a diverging scale centred
    /// at 0 by their own largest magnitude; the others (|beta_hat|) a sequential scale from 0.
    let imageGrid (title: string) (width: int) (rows: (string * (string * float[] * bool) list) list) =
        let columns = rows |> List.map (snd >> List.length) |> List.max
        let panel (values: float[]) (signed: bool) =
            let top = values |> Array.map abs |> Array.fold max 0.0
            let z = toRows width (if top > 0.0 then values |> Array.map (fun v -> v / top) else values)
            let scale = if signed then StyleParam.Colorscale.RdBu else StyleParam.Colorscale.Viridis
            Chart.Heatmap(zData = z, ColorScale = scale, ShowScale = false, ReverseYAxis = true)
            |> Chart.withTraceInfo (Name = (if signed then "β / max|β|" else "|β̂| / max|β̂|"))
            // A fixed colour range: 0 is the scale's middle (white) for beta, its bottom for |beta_hat|.
            |> GenericChart.mapTrace (fun t ->
                t.SetProperty("zmin", (if signed then -1.0 else 0.0))
                t.SetProperty("zmax", 1.0)
                t)
            |> Chart.withXAxis (FigureStyle.axis (if signed then "pixel column" else "frequency k₂") false)
            |> Chart.withYAxis (FigureStyle.axis (if signed then "pixel row" else "frequency k₁") false)
        let cells =
            [ for (_, entries) in rows do
                for i in 0 .. columns - 1 do
                    match List.tryItem i entries with
                    | Some(_, values, signed) -> yield panel values signed
                    | None -> yield Chart.Invisible() ]
        let titles =
            [| for (rowTitle, entries) in rows do
                 for i in 0 .. columns - 1 do
                     yield (match List.tryItem i entries with Some(t, _, _) -> $"{rowTitle}, {t}" | None -> "") |]
        cells
        |> Chart.Grid(rows.Length, columns, SubPlotTitles = titles, XGap = 0.08, YGap = 0.25)
        |> Chart.withTitle title
        |> Chart.withSize (230 * columns + 100, 200 * rows.Length + 120)
