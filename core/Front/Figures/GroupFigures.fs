namespace ImplicitBias

open Plotly.NET
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Networks

/// F8 (issue 24): the singular values of each group Fourier block of a predictor, one panel per model and depth, so
/// that depth's drive to low-rank blocks shows. Numbers in, chart out (no training, no files).
module GroupFigures =
    /// Singular values below this fraction of the largest are drawn at it (the bottom of the log axis).
    let floor = 1e-12

    /// A block's label on the x axis: its index among the irreps and its dimension, e.g. "ρ3 (d=3)".
    let blockLabel (fourier: GroupFourier) (t: int) = $"ρ{t} (d={fourier.Irreps[t].Dimension})"

    /// The singular values of each block of beta_hat (unitary transform), largest first, over the largest of all
    /// blocks, floored at `floor`: (block label, values) in the irreps' order.
    let blockSpectrum (fourier: GroupFourier) (beta: float[]) =
        let blocks = fourier.NewBlocks()
        fourier.Forward(System.ReadOnlySpan beta, blocks)
        let values =
            [ for t in 0 .. blocks.Length - 1 ->
                GroupImpliedPenalty.SingularValues(blocks[t], fourier.Irreps[t].Dimension) ]
        let top = values |> List.collect List.ofArray |> List.fold max 0.0
        [ for t, v in List.indexed values ->
            blockLabel fourier t, v |> Array.map (fun s -> if top > 0.0 then max (s / top) floor else floor) ]

    /// The number of singular values above `threshold` times the largest, over all blocks (a direction's total rank).
    let totalRank (threshold: float) (spectrum: (string * float[]) list) =
        spectrum |> List.sumBy (fun (_, v) -> v |> Array.filter (fun s -> s > threshold) |> Array.length)

    /// F8: one panel per (look, block spectrum): x the blocks, y singular value / largest on a log axis from `floor`
    /// to 1, each value a marker in the look's colour (the family's, shaded by depth).
    let blockSpectra (title: string) (panels: (Look * (string * float[]) list) list) =
        // One range for every panel, 1e-12 .. 1 (log10 -12.5 .. 0.5), so that the panels compare at a glance.
        let yAxis = FigureStyle.axis "singular value / largest" true
        yAxis.SetProperty("range", [| log10 floor - 0.5; 0.5 |])
        let panel (look: Look, spectrum: (string * float[]) list) =
            let x = [| for label, v in spectrum do for _ in v -> label |]
            let y = [| for _, v in spectrum do yield! v |]
            let colour = FigureStyle.colourOf look
            Chart.Point(x = x, y = y, Name = look.Label, MarkerColor = Color.fromString colour)
            |> GenericChart.mapTrace (fun t ->
                t.SetProperty("legendgroup", look.Label)
                t.SetProperty("marker", {| color = colour; size = 8 |})
                t)
            |> Chart.withXAxis (FigureStyle.axis "group Fourier block (irrep, dimension d)" false)
            |> Chart.withYAxis yAxis
        let columns = min 3 panels.Length
        let rows = (panels.Length + columns - 1) / columns
        panels
        |> List.map panel
        |> Chart.Grid(rows, columns, SubPlotTitles = [| for look, _ in panels -> look.Label |], XGap = 0.2,
                      YGap = 0.3)
        |> Chart.withTitle title
        |> FigureStyle.finish
        |> Chart.withSize (420 * columns + 120, 330 * rows + 200)
