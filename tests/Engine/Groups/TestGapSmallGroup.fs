/// GAP's SmallGroups read from GAP's output (core/Engine/Groups/GapSmallGroup.cs): the groups match the built-ins by
/// their invariants, their irreps certify, and the network's two paths agree on them. Needs Debian's GAP
/// (`dotnet fsi build.fsx -t Test` installs it).
module ImplicitBias.Tests.Engine.Groups.TestGapSmallGroup

open System
open System.IO
open Expecto
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Networks
open ImplicitBias.Tests.TestUtil

let private span (a: float[]) = ReadOnlySpan a

let private gap () =
    if not (File.Exists GapSmallGroup.Executable) then
        failtestf "%s not found: these tests need GAP (apt-get install -y gap-core gap-libs gap-smallgrp; %s)"
            GapSmallGroup.Executable "dotnet fsi build.fsx -t Test installs it"

/// Sorted class sizes and sorted irrep degrees: invariants that the built-in and GAP's copy must share.
let private invariants (g: FiniteGroup) =
    let degrees = IrrepDecomposition.Compute g |> Seq.map (fun r -> r.Dimension, r.Type) |> Seq.sort |> List.ofSeq
    (g.Classes |> Array.map Array.length |> Array.sort |> List.ofArray), degrees

[<Tests>]
let tests =
    testList "Groups.GapSmallGroup" [
        testCase "SmallGroup (8,3), (8,4), (12,3), (24,12), (20,4) are D4, Q8, A4, S4, D10 by invariants" <| fun _ ->
            gap ()
            for (n, k), builtIn in [ (8, 3), "D4"; (8, 4), "Q8"; (12, 3), "A4"; (24, 12), "S4"; (20, 4), "D10" ] do
                let g = StandardGroups.Parse $"SmallGroup({n},{k})"
                Expect.equal (g.Name, g.Order) ($"SmallGroup({n},{k})", n) "name and order"
                let expected = invariants (StandardGroups.Parse builtIn)
                Expect.equal (invariants g) expected $"SmallGroup({n},{k}) ~ {builtIn}"
                Expect.stringContains g.ElementOrder "AsSSortedList" "element order documented"

        testCase "irreps of S5 = SmallGroup(120,34) and SmallGroup(16,8) certify; the network's paths agree" <| fun _ ->
            gap ()
            for (n, k), degrees in [ (120, 34), [ 1; 1; 4; 4; 5; 5; 6 ]; (16, 8), [ 1; 1; 1; 1; 2; 2; 2 ] ] do
                let g = GapSmallGroup.Load(n, k)
                let irreps = IrrepDecomposition.Compute g
                let c = IrrepCertificate.Check(g, irreps)
                Expect.isTrue (c.Passes 1e-12) $"SmallGroup({n},{k}): {c}"
                Expect.equal (irreps |> Seq.map (fun r -> r.Dimension) |> List.ofSeq) degrees "degrees"
                let twin = GroupConvolutionalNetwork(g, 3)
                let fast = GroupConvolutionalFourierNetwork(GroupFourier(g, irreps), 3)
                let w = gaussian 5UL twin.ParameterCount
                let beta = relativeError (fast.Predictor(span w)) (twin.Predictor(span w))
                Expect.isLessThan beta 1e-12 $"SmallGroup({n},{k}): beta"
    ]
