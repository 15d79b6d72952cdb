/// The figures' style (core/Front/Figures/FigureStyle.fs), checked on the chart JSON of every figure: exponents
/// written as powers of ten, every axis titled, one legend entry per name, one hue per model family across figures;
/// each check is also shown to catch a planted fault.
module ImplicitBias.Tests.TestFigureStyle

open System.Text.Json
open Expecto
open Plotly.NET
open ImplicitBias
open ImplicitBias.Engine.Fourier
open ImplicitBias.Tests.TestFigures

let private text (e: JsonElement) (key: string) =
    match e.TryGetProperty key with
    | true, v when v.ValueKind = JsonValueKind.String -> v.GetString()
    | _ -> ""

/// A chart's traces and layout, from one serialization (toFigureJson is slow: it carries the whole template).
let private parse chart =
    let root = json chart
    [ for t in root.GetProperty("data").EnumerateArray() -> t ], root.GetProperty "layout"

/// The layout axes the traces draw on ("x2" -> "xaxis2"), with their JSON (Undefined when not in the layout).
let private usedAxes (ts: JsonElement list) (l: JsonElement) =
    [ for t in ts do
        if text t "type" <> "" then // Chart.Invisible fills an empty grid cell with a trace of no type
          for key, prefix in [ "xaxis", "x"; "yaxis", "y" ] do
              let id = match text t key with "" -> prefix | v -> v
              yield key + id.Substring 1 ]
    |> List.distinct
    |> List.map (fun a -> a, (match l.TryGetProperty a with | true, v -> v | _ -> JsonElement()))

let private title (axis: JsonElement) =
    if axis.ValueKind <> JsonValueKind.Object then ""
    else match axis.TryGetProperty "title" with
         | true, t when t.ValueKind = JsonValueKind.Object -> text t "text"
         | true, t when t.ValueKind = JsonValueKind.String -> t.GetString()
         | _ -> ""

/// What a reader would stumble on: SI or default exponents on a log axis, untitled axes, legend names twice.
let problems chart =
    let ts, l = parse chart
    [ for a, axis in usedAxes ts l do
        if title axis = "" then yield $"{a} has no title"
        if axis.ValueKind = JsonValueKind.Object && text axis "type" = "log"
           && not (List.contains (text axis "exponentformat") [ "power"; "e" ]) then
            let format = text axis "exponentformat"
            yield $"{a} is a log axis with exponent format '{format}' (SI prefixes: 1f, 100µ)"
      let shown =
          [ for t in ts do
              let inLegend =
                  match t.TryGetProperty "showlegend" with
                  | true, v -> v.GetBoolean()
                  | _ -> text t "type" <> "heatmap"
              if inLegend then yield text t "name" ]
      for n, copies in shown |> List.countBy id do
          if copies > 1 then yield $"legend entry '{n}' appears {copies} times" ]

/// The model family a trace's name starts with (the longest family name that is a prefix), if any.
let familyOf (traceName: string) =
    FigureStyle.families
    |> List.map fst
    |> List.filter (fun f -> traceName = f || traceName.StartsWith(f + " ") || traceName.StartsWith(f + ":"))
    |> List.sortByDescending String.length
    |> List.tryHead

/// Hue in degrees of "#RRGGBB" (None for greys).
let hue (hex: string) =
    let c i = float (System.Convert.ToInt32(hex.Substring(1 + 2 * i, 2), 16)) / 255.0
    let r, g, b = c 0, c 1, c 2
    let hi, lo = max r (max g b), min r (min g b)
    if hi - lo < 1e-9 then None
    else
        let h =
            if hi = r then (g - b) / (hi - lo)
            elif hi = g then 2.0 + (b - r) / (hi - lo)
            else 4.0 + (r - g) / (hi - lo)
        Some((60.0 * h + 360.0) % 360.0)

let private colourOf (t: JsonElement) =
    [ "line"; "marker" ]
    |> List.tryPick (fun k ->
        match t.TryGetProperty k with
        | true, o when o.ValueKind = JsonValueKind.Object && text o "color" <> "" -> Some(text o "color")
        | _ -> None)

/// Families drawn in more than one hue over the given figures (hues 3 degrees apart or more: a family's lighter
/// shades keep its hue up to the rounding of 8-bit channels), and distinct families sharing a hue.
let familyHueProblems (charts: GenericChart list) =
    let near (a: float option) (b: float option) =
        match a, b with
        | Some x, Some y -> abs (x - y) < 3.0
        | None, None -> true
        | _ -> false
    let hues =
        [ for chart in charts do
            for t in fst (parse chart) do
                match familyOf (text t "name"), colourOf t with
                | Some f, Some c -> yield f, hue c
                | _ -> () ]
        |> List.distinct
        |> List.groupBy fst
        |> List.map (fun (f, hs) -> f, List.map snd hs)
    [ for f, hs in hues do
        if hs |> List.exists (fun h -> not (near h hs.Head)) then yield $"family {f} has several hues: %A{hs}"
      for (f, hs), (g, gs) in List.allPairs hues hues do
          if f < g && near hs.Head gs.Head then yield $"families {f} and {g} share a hue" ]

let private config model depth step = { Sweep.defaults with Model = model; Depth = depth; Step = step }
let private series y = { Name = ""; X = [| 1.0; 10.0; 100.0 |]; Y = y }

/// F3 as the script builds it: three families, two step rules, two panels.
let f3 () =
    let normalized, fixedStep = Sweep.defaults.Step, Engine.Training.FixedStep 0.1 :> Engine.Training.StepRule
    [ for kind in [ FullyConnected; Convolutional; Diagonal ] ->
        Model.name kind, "angle to the limit (rad)",
        [ for step in [ normalized; fixedStep ] ->
            FigureStyle.ofRun true (config kind 2 step), series [| 1.0; 1e-4; 1e-15 |] ] ]
    |> Figures.logLogPanels "F3" "step"

/// F4 as the script builds it: median and worst of conv L=3..5 and diag L=3 over sets, two panels.
let f4 () =
    let along =
        [ for kind, depth in [ Convolutional, 3; Convolutional, 4; Convolutional, 5; Diagonal, 3 ] do
            for set in 1 .. 3 ->
                FigureStyle.ofRun false (config kind depth Sweep.defaults.Step),
                [ 10L, 1e-3 * float set; 100L, 1e-9 * float set ] ]
    [ "residual", "relative KKT residual", SuiteEvidence.medianAndWorst along
      "angle", "angle (rad)", SuiteEvidence.medianAndWorst along ]
    |> Figures.logLogPanels "F4" "step"

let private everyFigure () =
    let m = Array.init 16 (fun k -> 1.0 / float (k + 1))
    let band =
        { Name = ""; X = [| 1.0; 2.0 |]; Center = [| 3.0; 2.0 |]; Lower = [| 2.0; 1.0 |]; Upper = [| 4.0; 3.0 |] }
    [ "F1", Figures.spectra [ "conv", [ 1, m; 2, m ]; "fc", [ 1, m ] ]
      "F2", Figures.bands "F2" "depth L" "effective count" [ FigureStyle.look "conv" "conv: Fourier", band
                                                             FigureStyle.look "fc" "fc: Fourier", band ]
      "F3", f3 ()
      "F4", f4 ()
      "F5", Figures.checks "F5" [ "Lemma 3", 1e-15, 1e-10; "Lemma 5", 0.0, 1e-8 ]
      "F6", BeyondFigures.kernelSize "F6" [ FigureStyle.look "l2 SVM" "to l2 SVM", series [| 0.1; 1e-3; 0.0 |] ]
                [ FigureStyle.look "kernel-conv" "count, C = 1", series [| 9.0; 4.0; 2.0 |] ]
      "F7", BeyondFigures.imageGrid "F7" 2 [ "fc", [ "L=1", [| 1.0; -1.0; 0.5; 0.0 |], true; "L=1", m[0..3], false ] ]
      "F8", GroupFigures.blockSpectra "F8" [ FigureStyle.look "gconv" "gconv L=2", [ "ρ0 (d=1)", [| 1.0 |] ]
                                             FigureStyle.look "conv" "conv L=2", [ "ρ0 (d=1)", [| 0.5 |] ]
                                             FigureStyle.look "fc" "fc L=2", [ "ρ1 (d=2)", [| 1.0; 1e-12 |] ] ]
      "rates",
      Figures.rates "rates" [ FigureStyle.look "conv" "conv L=2", "set 1", 0.5, 0.45, [| 2.0, 0.1; 20.0, 1e-6 |]
                              FigureStyle.look "diag" "diag L=2", "set 1", 0.3, 0.35, [| 2.0, 0.2; 20.0, 1e-5 |] ] ]

[<Tests>]
let tests =
    testList "FigureStyle" [
        testCase "every figure: exponents as powers of ten, every axis titled, each legend name once" <| fun () ->
            for figure, chart in everyFigure () do
                Expect.equal (problems chart) [] figure

        testCase "one hue per model family across the figures, a different hue per family" <| fun () ->
            let charts = everyFigure () |> List.map snd
            Expect.equal (familyHueProblems charts) [] "F1..F7 and the rates figure"
            let f3Traces = traces (f3 ())
            let f3Hues = [ for t in f3Traces -> familyOf (text t "name") ] |> List.choose id |> List.distinct
            Expect.equal f3Hues [ "fc"; "conv"; "diag" ] "F3's traces are recognised by family"

        testCase "F3: the rule's name in the legend and its dash; F4: median and worst share one entry" <| fun () ->
            let names = traces (f3 ()) |> List.map name
            Expect.contains names "conv L=2 fixed" "the rule's name, not 'fixed:0.1'"
            let f4Traces, f4Layout = parse (f4 ())
            let inLegend (t: JsonElement) =
                match t.TryGetProperty "showlegend" with
                | true, v -> v.GetBoolean()
                | _ -> true
            let shown = f4Traces |> List.filter inLegend |> List.map name
            Expect.equal shown [ "conv L=3"; "conv L=4"; "conv L=5"; "diag L=3" ] "one entry per series"
            Expect.equal f4Traces.Length 16 "median and worst per series and panel"
            let worst = f4Traces |> List.find (fun t -> name t = "conv L=3 worst")
            Expect.equal (text worst "legendgroup") "conv L=3" "the worst line is in its median's group"
            Expect.equal (f4Layout.GetProperty("legend").GetProperty("orientation").GetString()) "h"
                "the legend is a row under the plot, not a column cut off at the side"

        testCase "planted faults caught: SI exponents, no axis title, a name twice, a recoloured family" <| fun () ->
            let s = { Name = "a"; X = [| 1.0; 10.0 |]; Y = [| 1e-3; 1e-15 |] }
            let si =
                Chart.Line(x = s.X, y = s.Y, Name = "conv L=2")
                |> Chart.withXAxisStyle (TitleText = "step")
                |> Chart.withYAxisStyle (TitleText = "angle", AxisType = StyleParam.AxisType.Log)
            Expect.exists (problems si) (fun p -> p.Contains "SI prefixes") "the default (SI) format on a log axis"
            let untitled = Chart.Line(x = s.X, y = s.Y, Name = "conv L=2") |> Chart.withXAxisStyle (TitleText = "step")
            Expect.exists (problems untitled) (fun p -> p.Contains "yaxis has no title") "an untitled y axis"
            let twice =
                [ for _ in 1 .. 2 -> Chart.Line(x = s.X, y = s.Y, Name = "conv L=2") ]
                |> Chart.combine
                |> Chart.withXAxisStyle (TitleText = "step")
                |> Chart.withYAxisStyle (TitleText = "angle")
            Expect.exists (problems twice) (fun p -> p.Contains "appears 2 times") "a legend name twice"
            let recoloured =
                f4 () |> GenericChart.mapTrace (fun t ->
                    if (t.TryGetTypedPropertyValue<string> "name") = Some "conv L=4" then
                        t.SetProperty("line", {| color = "#0072B2"; width = 2.0 |})
                    t)
            Expect.isNonEmpty (familyHueProblems [ f3 (); recoloured ]) "conv drawn in fc's blue in F4"
            Expect.isEmpty (familyHueProblems [ f3 (); f4 () ]) "the unplanted pair passes"

        testCase "looks: a family's shades keep its hue; a run's family and rule" <| fun () ->
            for f, c in FigureStyle.families do
                match hue (FigureStyle.lighten 0.6 c), hue c with
                | Some h, Some h0 -> Expect.floatClose { absolute = 3.0; relative = 0.0 } h h0 f
                | h, h0 -> Expect.equal h h0 $"{f}: a grey stays grey"
            let kernel = { Sweep.defaults with Model = Convolutional; Kernel = Some(Engine.Fourier.KernelSize.Line 4) }
            Expect.equal (FigureStyle.familyOf kernel) "kernel-conv" "a conv with a kernel size"
            Expect.equal (FigureStyle.ruleName (Engine.Training.FixedStep 0.1)) "fixed" "the rule's name"
            Expect.throws (fun () -> FigureStyle.familyColour "resnet" |> ignore) "an unknown family has no colour"
    ]
