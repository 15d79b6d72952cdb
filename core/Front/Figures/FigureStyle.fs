namespace ImplicitBias

open Plotly.NET
open Plotly.NET.LayoutObjects

/// How one curve is drawn: its legend entry (Label, shared by every trace of that series), the model
/// family that fixes its colour, the depth that shades it (0: unshaded), its step rule's dash, and
/// whether it is the series' worst case (drawn thin and faint under the same legend entry).
type Look =
    { Label: string
      Family: string
      Depth: int
      Dash: StyleParam.DrawingStyle
      Worst: bool }

/// The figures' one palette and the rules that turn a run into a Look: a colour per model family,
/// a dash per step rule, short legend names, log axes with exponents written 10^-15, never "1f".
module FigureStyle =
    /// One colour per model family, the same in every figure (Okabe-Ito hues, colour-blind safe).
    let families =
        [ "fc", "#0072B2"; "conv", "#D55E00"; "diag", "#009E73"; "linear", "#505050"
          "kernel-conv", "#E69F00"; "conv 2-D", "#CC79A7"; "gconv", "#882255" ]

    /// Colours of what is not a model family (references, measurements, tolerances); their hues differ
    /// from every family's.
    let others =
        [ "l2 SVM", "#56B4E9"; "Fourier-l1", "#7B3294"; "own limit", "#1A1A1A"
          "measured", "#56B4E9"; "tolerance", "#7B3294"; "equality", "#8C8C8C" ]

    /// The colour of a family (or of a key of `others`); the message lists the known ones.
    let familyColour (family: string) =
        match List.tryFind (fst >> (=) family) (families @ others) with
        | Some(_, c) -> c
        | None ->
            let known = families @ others |> List.map fst |> String.concat ", "
            invalidArg "family" $"no colour for '{family}'; known: {known}"

    /// A hex colour mixed with white by t in [0, 1) (keeps its hue): deeper nets get lighter shades.
    let lighten (t: float) (hex: string) =
        let channel i = System.Convert.ToInt32(hex.Substring(1 + 2 * i, 2), 16)
        let mix v = int (System.Math.Round(float v + t * (255.0 - float v)))
        let r, g, b = mix (channel 0), mix (channel 1), mix (channel 2)
        $"#%02X{r}%02X{g}%02X{b}"

    /// The colour of a look: its family's, lightened by depth (L = 2 or less: the family's own colour; L = 5: 45 %).
    let colourOf (look: Look) = familyColour look.Family |> lighten (min 0.6 (0.15 * float (max 0 (look.Depth - 2))))

    /// The family a run belongs to: a 2-D conv, a conv with a kernel size K (RunSpec.Kernel), or its model.
    let familyOf (c: RunSpec) =
        match c.Model, c.Shape, c.Kernel with
        | (Convolutional | ConvolutionalTime), Some _, _ -> "conv 2-D"
        | (Convolutional | ConvolutionalTime), None, Some _ -> "kernel-conv"
        | (Convolutional | ConvolutionalTime), _, _ -> "conv"
        | (GroupConvolutional | GroupConvolutionalTime), _, _ -> "gconv"
        | kind, _, _ -> Model.name kind

    /// A step rule's name without its parameters: "normalized", "fixed", "settling", "degree".
    let ruleName (rule: ImplicitBias.Engine.Training.StepRule) = rule.Describe().Split(':')[0]

    /// The dash of a step rule: the default (settling) solid, the paper's fixed step dashed.
    let dashOf (ruleName: string) =
        match ruleName with
        | "settling" -> StyleParam.DrawingStyle.Solid
        | "fixed" -> StyleParam.DrawingStyle.Dash
        | "normalized" -> StyleParam.DrawingStyle.DashDot
        | _ -> StyleParam.DrawingStyle.Dot

    /// A family's look with a label, solid, unshaded.
    let look (family: string) (label: string) =
        { Label = label; Family = family; Depth = 0; Dash = StyleParam.DrawingStyle.Solid; Worst = false }

    /// The look of a run: "conv L=3", shaded by depth; with `withRule`, the rule's name too and its dash.
    let ofRun (withRule: bool) (c: RunSpec) =
        let family = familyOf c
        let rule = ruleName c.Step
        { Label = (if withRule then $"{family} L={c.Depth} {rule}" else $"{family} L={c.Depth}")
          Family = family
          Depth = c.Depth
          Dash = (if withRule then dashOf rule else StyleParam.DrawingStyle.Solid)
          Worst = false }

    /// An axis with a title; log axes write exponents as powers of ten (10^-15), never SI prefixes.
    let axis (title: string) (log: bool) =
        if log then
            LinearAxis.init (Title = Title.init title, AxisType = StyleParam.AxisType.Log,
                             ExponentFormat = StyleParam.ExponentFormat.Power)
        else LinearAxis.init (Title = Title.init title, ExponentFormat = StyleParam.ExponentFormat.Power)

    /// A log axis for the given values that labels whole decades only (no 2, 3, 5 between them), every k-th
    /// decade so that at most 8 labels show.
    let logAxisFor (title: string) (values: float seq) =
        let positive = values |> Seq.filter (fun v -> v > 0.0 && System.Double.IsFinite v) |> Array.ofSeq
        let decades = if positive.Length = 0 then 1.0 else log10 (Array.max positive) - log10 (Array.min positive)
        let a = axis title true
        a.SetProperty("dtick", max 1 (int (ceil (decades / 8.0))))
        a

    /// A line trace of a look: the family's colour, the rule's dash, markers on the main series; the worst case
    /// thin and faint in the same legend group, so a series has one legend entry however many traces it has.
    let line (look: Look) (x: float[]) (y: float[]) =
        let c = Color.fromString (colourOf look)
        let name = if look.Worst then $"{look.Label} worst" else look.Label
        Chart.Line(x = x, y = y, Name = name, ShowMarkers = not look.Worst, LineColor = c, MarkerColor = c,
                   LineDash = look.Dash, LineWidth = (if look.Worst then 1.0 else 2.0),
                   Opacity = (if look.Worst then 0.5 else 1.0))
        |> GenericChart.mapTrace (fun t ->
            t.SetProperty("legendgroup", look.Label)
            t.SetProperty("marker", {| color = colourOf look; size = 5 |})
            t)

    /// Shows each legend group once (its first trace not already hidden), so panels repeating a series add no entry.
    let oneEntryPerSeries (chart: GenericChart) =
        let seen = System.Collections.Generic.HashSet<string>()
        chart
        |> GenericChart.mapTrace (fun t ->
            match t.TryGetTypedPropertyValue<string> "legendgroup", t.TryGetTypedPropertyValue<bool> "showlegend" with
            | Some g, (None | Some true) when not (seen.Add g) -> t.SetProperty("showlegend", false)
            | _ -> ()
            t)

    /// The legend as a row under the plot (never cut off at the side), one entry per series.
    let finish (chart: GenericChart) =
        chart
        |> oneEntryPerSeries
        |> Chart.withLegend (
            Legend.init (Orientation = StyleParam.Orientation.Horizontal, X = 0.0,
                         XAnchor = StyleParam.XAnchorPosition.Left, Y = -0.2, YAnchor = StyleParam.YAnchorPosition.Top))
        |> Chart.withMargin (Margin.init (Bottom = 140))
