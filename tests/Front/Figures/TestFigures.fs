/// Figure functions, tested on their chart JSON (no browser).
module ImplicitBias.Tests.TestFigures

open System.Text.Json
open Expecto
open Plotly.NET
open ImplicitBias

let json chart = JsonDocument.Parse(GenericChart.toFigureJson chart).RootElement
let traces chart = [ for t in (json chart).GetProperty("data").EnumerateArray() -> t ]
let name (t: JsonElement) = t.GetProperty("name").GetString()
let floats (t: JsonElement) (key: string) = [| for v in t.GetProperty(key).EnumerateArray() -> v.GetDouble() |]
let layout chart = (json chart).GetProperty("layout")

[<Tests>]
let tests =
    testList "Figures" [
        testCase "spectra: one bar chart per (depth, model), frequencies 0..D/2" <| fun () ->
            let m = Array.init 16 (fun k -> float k / 16.0)
            let chart = Figures.spectra [ "conv", [ 1, m; 2, m ]; "fc", [ 1, m; 2, m ] ]
            let ts = traces chart
            Expect.equal (ts |> List.map name) [ "conv L=1"; "fc L=1"; "conv L=2"; "fc L=2" ] "row-major by depth"
            Expect.equal (floats ts[0] "y") m[0..8] "|beta_hat[0..D/2]|"
            Expect.equal (ts[3].GetProperty("xaxis").GetString(), ts[3].GetProperty("yaxis").GetString()) ("x4", "y4")
                "fourth cell"
            Expect.equal ((layout chart).GetProperty("grid").GetProperty("rows").GetInt32()) 2 "two depth rows"

        testCase "bands: shaded range between lower and upper, centre line on top" <| fun () ->
            let b = { Name = "conv"; X = [| 1.0; 2.0 |]; Center = [| 3.0; 2.0 |]; Lower = [| 2.5; 1.5 |]
                      Upper = [| 3.5; 2.5 |] }
            let ts = traces (Figures.bands "t" "depth" "count" [ FigureStyle.look "conv" "conv", b ])
            Expect.equal (ts |> List.map name) [ "conv upper"; "conv lower"; "conv" ] "trace order"
            let groups = [ for t in ts -> t.GetProperty("legendgroup").GetString() ]
            Expect.equal groups [ "conv"; "conv"; "conv" ] "one group"
            Expect.equal (ts[1].GetProperty("fill").GetString()) "tonexty" "lower fills to upper"
            Expect.equal (floats ts[2] "y") b.Center "centre"

        testCase "log-log panels: log axes, non-positive points dropped, fixed steps dashed" <| fun () ->
            let s1 = { Name = "normalized"; X = [| 0.0; 1.0; 10.0 |]; Y = [| 1.0; 0.5; 0.05 |] }
            let s2 = { Name = "fixed"; X = [| 1.0; 10.0 |]; Y = [| 0.9; 0.0 |] }
            let run step =
                FigureStyle.ofRun true { Sweep.defaults with Model = Convolutional; Depth = 2; Step = step }
            let settling, fixedStep = run Sweep.defaults.Step, run (Engine.Training.FixedStep 0.1)
            let panels = [ "a", "angle", [ settling, s1; fixedStep, s2 ]; "b", "angle", [ settling, s1 ] ]
            let chart = Figures.logLogPanels "t" "step" panels
            let ts = traces chart
            Expect.equal (floats ts[0] "x") [| 1.0; 10.0 |] "step 0 dropped"
            Expect.equal (floats ts[1] "y") [| 0.9 |] "zero dropped"
            Expect.equal (ts[1].GetProperty("line").GetProperty("dash").GetString()) "dash" "fixed is dashed"
            Expect.equal (ts |> List.map name) [ "conv L=2 settling"; "conv L=2 fixed"; "conv L=2 settling" ]
                "short names: the rule's, not its parameters"
            Expect.equal (ts[2].GetProperty("showlegend").GetBoolean()) false "the second panel's repeat has no entry"
            let l = layout chart
            for axis in [ "xaxis"; "yaxis"; "xaxis2"; "yaxis2" ] do
                Expect.equal (l.GetProperty(axis).GetProperty("type").GetString()) "log" axis

        testCase "checks: measured errors as bars beside tolerances, log axis" <| fun () ->
            let chart = Figures.checks "t" [ "Lemma 3", 1e-15, 1e-10; "Lemma 5", 0.0, 1e-8 ]
            let ts = traces chart
            Expect.equal (floats ts[0] "y") [| 1e-15; 1e-17 |] "an exact zero sits at the floor"
            Expect.equal (floats ts[1] "y") [| 1e-10; 1e-8 |] "tolerances"
            Expect.equal ((layout chart).GetProperty("yaxis").GetProperty("type").GetString()) "log" "log axis"
    ]
