/// F6 and F7 (core/Front/Figures/BeyondFigures.fs), tested on their chart JSON (no browser).
module ImplicitBias.Tests.TestBeyondFigures

open Expecto
open ImplicitBias
open ImplicitBias.Tests.TestFigures

let private zRows (t: System.Text.Json.JsonElement) =
    [| for row in t.GetProperty("z").EnumerateArray() -> [| for v in row.EnumerateArray() -> v.GetDouble() |] |]

[<Tests>]
let tests =
    testList "BeyondFigures" [
        testCase "F6: angles on a log axis (0 drawn at 1e-12), counts beside them, against K" <| fun () ->
            let ks = [| 1.0; 2.0; 4.0; 16.0 |]
            let angles =
                [ FigureStyle.look "l2 SVM" "to l2 SVM, C=1", { Name = "a"; X = ks; Y = [| 0.0; 0.2; 0.5; 0.9 |] }
                  FigureStyle.look "Fourier-l1" "to Fourier-l1, C=1",
                  { Name = "b"; X = ks; Y = [| 0.9; 0.4; 0.1; 1e-7 |] } ]
            let counts = [ FigureStyle.look "kernel-conv" "C=1", { Name = "c"; X = ks; Y = [| 9.0; 6.0; 4.0; 2.0 |] } ]
            let chart = BeyondFigures.kernelSize "F6" angles counts
            let ts = traces chart
            Expect.equal (ts |> List.map name) [ "to l2 SVM, C=1"; "to Fourier-l1, C=1"; "C=1" ]
                "angles first, then counts"
            Expect.equal (floats ts[0] "y") [| 1e-12; 0.2; 0.5; 0.9 |] "a zero angle sits at the bottom of the log axis"
            Expect.equal (floats ts[2] "y") (snd counts[0]).Y "counts as given"
            Expect.equal (ts[2].GetProperty("xaxis").GetString()) "x2" "counts in the second panel"
            let l = layout chart
            Expect.equal (l.GetProperty("yaxis").GetProperty("type").GetString()) "log" "angles on a log axis"
            Expect.equal (l.GetProperty("xaxis2").GetProperty("type").GetString()) "log" "K on a log axis"

        testCase
            "F7: one heat map per (row, column), images as rows of the given width, scaled by their largest magnitude"
        <| fun () ->
            let beta = Array.init 16 (fun i -> float (i - 5))   // 4 x 4, largest magnitude 10
            let spectrum = Array.init 16 (fun i -> float i / 3.0)
            let chart =
                BeyondFigures.imageGrid "F7" 4
                    [ "fc", [ "L=1 β", beta, true; "L=1 |β̂|", spectrum, false ]
                      "conv", [ "L=1 β", beta, true ] ]
            let ts = traces chart
            Expect.equal ts.Length 4 "three heat maps and one empty cell"
            let z = zRows ts[0]
            Expect.equal z.Length 4 "four rows"
            Expect.equal z[0] [| -0.5; -0.4; -0.3; -0.2 |] "row 0 of beta / 10"
            Expect.equal (z[3][3]) 1.0 "largest entry scaled to 1"
            Expect.equal ((zRows ts[1])[3][3]) 1.0 "spectrum scaled by its own largest entry"
            Expect.equal (ts[0].GetProperty("type").GetString()) "heatmap" "heat map"
            Expect.equal (ts[0].GetProperty("zmin").GetDouble(), ts[0].GetProperty("zmax").GetDouble()) (-1.0, 1.0)
                "beta: 0 in the middle of the scale"
            Expect.equal (ts[1].GetProperty("zmin").GetDouble(), ts[1].GetProperty("zmax").GetDouble()) (0.0, 1.0)
                "|beta_hat|: 0 at the bottom"
            Expect.equal ((layout chart).GetProperty("grid").GetProperty("rows").GetInt32()) 2 "two rows"
    ]
