/// The groups as tables (core/Engine/Groups/FiniteGroup.cs, StandardGroups.cs): the documented element orders, the
/// defining relations, conjugacy classes against known counts, and the checks that reject a table that is no group.
module ImplicitBias.Tests.Engine.Groups.TestFiniteGroups

open Expecto
open ImplicitBias.Engine.Groups

let private rejects (f: unit -> 'a) what =
    ImplicitBias.Tests.TestUtil.throws<System.ArgumentException> (fun () -> f () |> ignore) what

/// The table of a group with rows a and b swapped (a planted error).
let swappedRows (g: FiniteGroup) a b =
    let t = g.Table()
    for c in 0 .. g.Order - 1 do
        let x = t[a, c]
        t[a, c] <- t[b, c]
        t[b, c] <- x
    t

[<Tests>]
let tests =
    testList "Groups.FiniteGroup" [
        testCase "D_n: feature k + n j is r^k s^j, s r s = r^-1, order 2n (n = 1..60)" <| fun _ ->
            for n in 1 .. 60 do
                let g = StandardGroups.Dihedral n
                let r, s = (if n = 1 then 0 else 1), n
                Expect.equal g.Order (2 * n) $"D{n} has order 2n"
                let power x k = Seq.fold (fun acc _ -> g.Multiply(acc, x)) g.Identity (seq { 1 .. k })
                for k in 0 .. n - 1 do
                    for j in 0 .. 1 do
                        Expect.equal (g.Multiply(power r k, power s j)) (k + n * j) $"D{n}: r^{k} s^{j}"
                Expect.equal (g.Multiply(g.Multiply(s, r), s)) (g.Inverse r) $"D{n}: s r s = r^-1"
                Expect.equal g.ElementNames[n + 2 % n] $"r^{2 % n}s" "names follow the order"

        testCase "C_n is Z_n; Q8 satisfies i^2 = j^2 = k^2 = ijk = -1 and has order-4 elements only off +-1" <| fun _ ->
            let c = StandardGroups.Cyclic 7
            for a in 0 .. 6 do
                for b in 0 .. 6 do Expect.equal (c.Multiply(a, b)) ((a + b) % 7) "Z_7"
            let q = StandardGroups.Quaternion()
            let i, j, k, minusOne = 1, 2, 3, 4
            for x in [ i; j; k ] do Expect.equal (q.Multiply(x, x)) minusOne "square is -1"
            Expect.equal (q.Multiply(q.Multiply(i, j), k)) minusOne "ijk = -1"
            Expect.equal (q.Multiply(j, i)) (4 + k) "ji = -k"

        testCase "class counts and sizes: D_n, Q8, A4, S4, products (known values)" <| fun _ ->
            let sizes (g: FiniteGroup) = g.Classes |> Array.map Array.length |> Array.sort |> List.ofArray
            Expect.equal (sizes (StandardGroups.Symmetric4())) [ 1; 3; 6; 6; 8 ] "S4"
            Expect.equal (sizes (StandardGroups.Alternating4())) [ 1; 3; 4; 4 ] "A4"
            Expect.equal (sizes (StandardGroups.Quaternion())) [ 1; 1; 2; 2; 2 ] "Q8"
            for n in [ 3; 4; 5; 8; 15; 60 ] do
                let expected = if n % 2 = 1 then (n + 3) / 2 else n / 2 + 3
                Expect.equal (StandardGroups.Dihedral n).Classes.Length expected $"D{n}"
            Expect.equal (StandardGroups.Parse "D3xC2").Classes.Length 6 "D3 x C2"
            Expect.equal (StandardGroups.Parse "C4xC5").Classes.Length 20 "abelian"

        testCase "S4 and A4 are permutations in lexicographic order, product (a b)(x) = a(b(x))" <| fun _ ->
            let s4 = StandardGroups.Symmetric4()
            Expect.equal s4.Order 24 "order"
            Expect.equal (s4.ElementNames[0], s4.ElementNames[1], s4.ElementNames[23]) ("0123", "0132", "3210") "order"
            let perm (name: string) = name |> Seq.map (fun ch -> int ch - int '0') |> Array.ofSeq
            for a in 0 .. 23 do
                for b in 0 .. 23 do
                    let pa, pb = perm s4.ElementNames[a], perm s4.ElementNames[b]
                    Expect.equal (perm s4.ElementNames[s4.Multiply(a, b)]) (Array.map (fun x -> pa[x]) pb) "composition"
            Expect.equal (StandardGroups.Alternating4()).Order 12 "A4"

        testCase "C_M x C_N: feature i N + j is (r^i, r^j), the image grid's row-major order" <| fun _ ->
            let g = StandardGroups.Parse "C3xC4"
            for a in 0 .. 11 do
                for b in 0 .. 11 do
                    Expect.equal (g.Multiply(a, b)) ((a / 4 + b / 4) % 3 * 4 + (a % 4 + b % 4) % 4) "row-major"

        testCase "FromTable rejects two swapped rows, a non-Latin table and a non-associative one" <| fun _ ->
            let d4 = StandardGroups.Dihedral 4
            let e = rejects (fun () -> FiniteGroup.FromTable(swappedRows d4 1 2, "bad", "")) "swap"
            Expect.stringContains e.Message "not a group" "message"
            rejects (fun () -> FiniteGroup.FromTable(Array2D.create 3 3 0, "zeros", "")) "Latin" |> ignore
            // A Latin square with an identity that is not associative (the smallest loop that is not a group, order 5).
            let loop = array2D [ [0;1;2;3;4]; [1;0;3;4;2]; [2;4;0;1;3]; [3;2;4;0;1]; [4;3;1;2;0] ]
            let e = rejects (fun () -> FiniteGroup.FromTable(loop, "loop", "")) "loop"
            Expect.stringContains e.Message "associative" "message"

        testCase "Parse names the built-ins and refuses unknown names" <| fun _ ->
            for name, order in [ "C12", 12; "D8", 16; "Q8", 8; "A4", 12; "S4", 24; "D3xC2", 12; "Q8xC2", 16 ] do
                let g = StandardGroups.Parse name
                Expect.equal (g.Name, g.Order) (name, order) name
            rejects (fun () -> StandardGroups.Parse "E8") "unknown" |> ignore
    ]
