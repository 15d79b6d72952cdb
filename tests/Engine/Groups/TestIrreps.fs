/// The irreps and their certificate (core/Engine/Groups/IrrepDecomposition.cs, IrrepCertificate.cs): every built-in
/// group certified to 1e-12, the known degrees and Frobenius-Schur types, real-type irreps real orthogonal, and the
/// certificate failing on a planted wrong table or a planted wrong matrix.
module ImplicitBias.Tests.Engine.Groups.TestIrreps

open System.Numerics
open Expecto
open ImplicitBias.Engine.Groups

/// (name, degrees sorted, number of complex and quaternionic irreps), from character tables.
let private known =
    [ "D3", [ 1; 1; 2 ], 0, 0
      "D4", [ 1; 1; 1; 1; 2 ], 0, 0
      "D5", [ 1; 1; 2; 2 ], 0, 0
      "D8", [ 1; 1; 1; 1; 2; 2; 2 ], 0, 0
      "D15", [ 1; 1 ] @ List.replicate 7 2, 0, 0
      "D60", [ 1; 1; 1; 1 ] @ List.replicate 29 2, 0, 0
      "Q8", [ 1; 1; 1; 1; 2 ], 0, 1
      "A4", [ 1; 1; 1; 3 ], 2, 0
      "S4", [ 1; 1; 2; 3; 3 ], 0, 0
      "C5", List.replicate 5 1, 4, 0
      "C4xC4", List.replicate 16 1, 12, 0
      "D3xC2", [ 1; 1; 1; 1; 2; 2 ], 0, 0
      "Q8xC3", List.replicate 12 1 @ [ 2; 2; 2 ], 10, 1
      "D4xQ8", List.replicate 16 1 @ List.replicate 8 2 @ [ 4 ], 0, 5 ]

/// Worst residual of the certificate, with its summary for messages.
let certify (g: FiniteGroup) irreps =
    let c = IrrepCertificate.Check(g, irreps)
    c, c.Worst

[<Tests>]
let tests =
    testList "Groups.Irreps" [
        testCase "certified to 1e-12, known degrees and types: D_n (n = 3..60), Q8, A4, S4, products" <| fun _ ->
            for name, degrees, complexCount, quaternionic in known do
                let g = StandardGroups.Parse name
                let irreps = IrrepDecomposition.Compute g
                let c, worst = certify g irreps
                Expect.isTrue (c.Passes 1e-12) $"{name}: {c}"
                Expect.isLessThan worst 1e-12 name
                Expect.equal (irreps |> Seq.map (fun r -> r.Dimension) |> List.ofSeq) degrees $"{name} degrees"
                let count t = irreps |> Seq.filter (fun r -> r.Type = t) |> Seq.length
                let types = count IrrepType.Complex, count IrrepType.Quaternionic
                Expect.equal types (complexCount, quaternionic) $"{name} types"

        testCase "every D_n and C_n, n = 1..60, certified to 1e-12" <| fun _ ->
            for n in 1 .. 60 do
                for g in [ StandardGroups.Dihedral n; StandardGroups.Cyclic n ] do
                    let c = IrrepCertificate.Check(g, IrrepDecomposition.Compute g)
                    Expect.isTrue (c.Passes 1e-12) $"{g.Name}: {c}"

        testCase "real-type irreps are real orthogonal; trivial first; a complex pair is conjugate" <| fun _ ->
            for name in [ "D60"; "S4"; "A4"; "Q8xC3" ] do
                let irreps = IrrepDecomposition.Compute(StandardGroups.Parse name)
                for r in irreps do
                    if r.Type = IrrepType.Real then Expect.isTrue r.IsReal $"{name} {r}"
                let trivial = irreps[0].Character |> Array.forall (fun z -> (z - Complex.One).Magnitude < 1e-12)
                Expect.isTrue trivial $"{name}: trivial first"
                for r in irreps |> Seq.filter (fun r -> r.Type = IrrepType.Complex) do
                    let conjugate (s: Irrep) =
                        let a, b = Array.concat s.Matrices, Array.concat r.Matrices
                        s.Dimension = r.Dimension && Array.forall2 (fun (x: Complex) y -> x = Complex.Conjugate y) a b
                    let partner = irreps |> Seq.filter conjugate
                    Expect.equal (Seq.length partner) 1 $"{name}: one exact conjugate partner"

        testCase "another seed gives equivalent irreps (the same characters)" <| fun _ ->
            let g = StandardGroups.Symmetric4()
            let a, b = IrrepDecomposition.Compute(g, 1UL), IrrepDecomposition.Compute(g, 7UL)
            for r, s in Seq.zip a b do
                let gap = Array.map2 (fun (x: Complex) (y: Complex) -> (x - y).Magnitude) r.Character s.Character
                          |> Array.max
                Expect.isLessThan gap 1e-12 "characters"

        testCase "a planted wrong table (two rows swapped) fails the certificate" <| fun _ ->
            for name in [ "D4"; "Q8"; "S4" ] do
                let g = StandardGroups.Parse name
                let irreps = IrrepDecomposition.Compute g
                let wrong = FiniteGroup.Unchecked(TestFiniteGroups.swappedRows g 1 2, "wrong", "")
                let c, worst = certify wrong irreps
                Expect.isFalse (c.Passes 1e-6) $"{name}: {c}"
                Expect.isGreaterThan worst 0.5 name

        testCase "a planted wrong matrix, a missing irrep or a repeated one fails the certificate" <| fun _ ->
            let g = StandardGroups.Dihedral 5
            let irreps = IrrepDecomposition.Compute g |> List.ofSeq
            let last = irreps[irreps.Length - 1]
            last.Matrices[3][1] <- last.Matrices[3][1] + Complex(1e-6, 0)
            let c, _ = certify g irreps
            Expect.isFalse (c.Passes 1e-9) $"perturbed: {c}"
            Expect.isTrue (c.Passes 1e-5) $"only by the perturbation: {c}"
            let fresh = IrrepDecomposition.Compute g |> List.ofSeq
            Expect.isFalse ((IrrepCertificate.Check(g, fresh.Tail)).Passes 1e-6) "missing"
            Expect.isFalse ((IrrepCertificate.Check(g, fresh[0] :: fresh.Tail.Tail)).Passes 1e-6) "missing the second"
            Expect.isFalse ((IrrepCertificate.Check(g, fresh.Head :: fresh)).Passes 1e-6) "repeated"
            // The trivial irrep in place of the sign: right count, degrees and residuals of each;
            // only Schur's cross terms fail.
            let twice = fresh[0] :: fresh[0] :: fresh.Tail.Tail
            let c = IrrepCertificate.Check(g, twice)
            Expect.equal (c.SumOfSquares, c.Irreps.Count) (g.Order, g.Classes.Length) "counts still right"
            Expect.isFalse (c.Passes 1e-6) $"two equivalent irreps: {c}"
    ]
