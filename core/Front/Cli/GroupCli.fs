namespace ImplicitBias

open System
open System.Globalization
open System.IO
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Theory

/// The group modes of scripts/reference.fsx (issue 24): `--bias group-nuclear|group-bridge --group NAME` solves and
/// certifies a group-convolutional network's limit; `--kkt BETA.csv --group NAME --p P` checks a given predictor.
module GroupCli =
    /// The usage text of the group modes.
    let usage =
        """Group-convolutional limits (linear G-CNNs on a finite group; features in the group's element order):

dotnet fsi scripts/reference.fsx --data FILE.csv --bias group-nuclear|group-bridge --group NAME
    [--depth L | --p P] [--from BETA.csv] --out DIR
  --bias group-nuclear  min sum_rho sqrt(d_rho) ||beta_hat(rho)||_* s.t. margins >= 1 (gconv L = 2)
  --bias group-bridge   a certified first-order stationary point of min sum_rho d_rho^(1-p/2)
                        ||beta_hat(rho)||_(S p)^p s.t. margins >= 1, p = 2/L (gconv L >= 3; --depth L or
                        --p P in (0, 1)), found from --from BETA.csv (e.g. GD's beta.csv: the limit
                        depends on the path) or else from the group-nuclear limit, then the l2 direction
  --group NAME          Cn, Dn (order 2n), Q8, A4, S4, products (C4xC4), SmallGroup(n,k); |G| = D
  --out DIR             writes DIR/beta.csv (unit-norm limit) and DIR/certificate.json (status, residual,
                        block ranks, active set, multipliers' minimum, degeneracy, message)
dotnet fsi scripts/reference.fsx --data FILE.csv --kkt BETA.csv --group NAME --p P [--out DIR]
  p in (0, 1): the KKT check of the group bridge at BETA (GroupBridgeKkt: stationarity on the fixed-rank
  manifold, alpha >= 0, slackness); p = 1: BETA's value gap to the certified group-nuclear limit (0 at
  an optimum) and its angle to it. Writes DIR/kkt.json. Exit code: 0 holds (KKT residual <= 1e-10, or
  value gap <= 1e-8), 1 does not hold or beta does not separate, 2 bad input.
"""

    let private biasFlags = set [ "--data"; "--bias"; "--out"; "--group"; "--depth"; "--p"; "--from" ]
    let private kktFlags = set [ "--data"; "--kkt"; "--out"; "--group"; "--p"; "--rank-tol"; "--active-tol" ]

    let private inv (x: float) = x.ToString("R", CultureInfo.InvariantCulture)
    let private num = Json.finiteNumber

    /// True for the --bias names of this module.
    let isGroupBias (text: string) = text = "group-nuclear" || text = "group-bridge"

    /// p of group-bridge from --depth L (L >= 3) or --p P in (0, 1).
    let bridgeP (flags: Map<string, string>) =
        match flags.TryFind "--depth", flags.TryFind "--p" with
        | Some _, Some _ -> Error "give --depth L or --p P, not both"
        | Some l, None ->
            match Int32.TryParse l with
            | true, d when d >= 3 -> Ok(2.0 / float d)
            | _ -> Error $"--depth: '{l}' is not a depth >= 3 (group-bridge is gconv at L >= 3; L = 2: group-nuclear)"
        | None, Some t ->
            match KktCli.parseP t with
            | Ok p when p < 1.0 -> Ok p
            | Ok _ -> Error "--p 1 is group-nuclear; group-bridge needs p in (0, 1)"
            | Error e -> Error e
        | None, None -> Error "group-bridge needs --depth L (L >= 3) or --p P in (0, 1)"

    /// The group and the data, checked against each other: |G| must be the data's D.
    let private load (flags: Map<string, string>) =
        match flags.TryFind "--group" with
        | None -> Error $"--group NAME is required ({GroupName.names})"
        | Some name ->
            GroupName.parse name
            |> Result.bind (fun _ ->
                match flags.TryFind "--data" with
                | None -> Error "--data FILE.csv is required (see --help)"
                | Some path ->
                    DataSpec.load path
                    |> Result.bind (fun data ->
                        let fourier = GroupName.fourier name
                        if fourier.Group.Order = data.Dimension then Ok(fourier, data)
                        else Error ($"--group {name} has order |G| = {fourier.Group.Order} but {path} has D = " +
                                    $"{data.Dimension} features")))

    let private unknown (allowed: Set<string>) (flags: Map<string, string>) =
        flags |> Map.toList |> List.map fst |> List.tryFind (fun f -> not (allowed.Contains f))

    let private guarded (body: unit -> int) =
        try body ()
        with
        | :? DataFormatException as e -> eprintfn "error: %s" e.Message; 2
        | :? ArgumentException as e -> eprintfn "error: %s" e.Message; 2
        | Failure msg -> eprintfn "error: %s" msg; 2

    /// The certificate of a limit as JSON: RunFiles.limitJson with the group and its element order.
    let certificateJson (fourier: GroupFourier) (data: Dataset) (limit: LimitCertificate) =
        match RunFiles.limitJson limit None with
        | JObject fields ->
            JObject(fields @ [ "group", JString fourier.Group.Name; "element_order", JString fourier.Group.ElementOrder
                               "block_dimensions", RunFiles.blockDimensions fourier
                               "data", JString data.Name; "N", JInt(int64 data.Count)
                               "D", JInt(int64 data.Dimension) ])
        | other -> other

    /// --bias group-nuclear|group-bridge: solve, certify, write; the exit code.
    let runBias (flags: Map<string, string>) =
        let bias = flags["--bias"]
        let p = if bias = "group-nuclear" then Ok 1.0 else bridgeP flags
        match unknown biasFlags flags, flags.TryFind "--out", p with
        | Some f, _, _ -> eprintfn "error: unknown flag '%s' for --bias %s (see --help)" f bias; 2
        | _, _, Error e -> eprintfn "error: %s" e; 2
        | _, _, _ when bias = "group-nuclear" && (flags.ContainsKey "--depth" || flags.ContainsKey "--p") ->
            eprintfn "error: group-nuclear is gconv at L = 2: no --depth or --p"; 2
        | _, _, _ when bias = "group-nuclear" && flags.ContainsKey "--from" ->
            eprintfn "error: --from applies to group-bridge only (group-nuclear has one optimum)"; 2
        | _, None, _ -> eprintfn "error: --out DIR is required (see --help)"; 2
        | None, Some out, Ok p ->
            guarded (fun () ->
                match load flags with
                | Error e -> eprintfn "error: %s" e; 2
                | Ok(fourier, data) ->
                    eprintfn "solving the %s limit on %s (N=%d, D=%d)" bias fourier.Group.Name data.Count
                        data.Dimension
                    let zero = Array.zeroCreate data.Dimension
                    // Solved only where it is the answer or the bridge's first start (not with --from).
                    let nuclear () = CertifiedLimit.Find(data, LimitKind.GroupNuclear, 1.0, ReadOnlySpan zero, fourier)
                    let limit =
                        if p = 1.0 then nuclear ()
                        else
                            let bridge (start: float[]) =
                                CertifiedLimit.Find(data, LimitKind.GroupBridge, p, ReadOnlySpan start, fourier)
                            match flags.TryFind "--from" with
                            | Some path -> bridge (KktCli.readBeta path)
                            | None ->
                                // The first certified point from the group-nuclear limit, then the l2 direction.
                                let first = bridge (nuclear ()).Direction
                                if first.Status = LimitStatus.Certified then first
                                else
                                    let l2 = CertifiedLimit.Find(data, LimitKind.L2, 2.0, ReadOnlySpan zero, fourier)
                                    let second = bridge l2.Direction
                                    if second.Status = LimitStatus.Certified then second
                                    else
                                        // The certificate's message says "from the run's direction": there is none.
                                        eprintfn "%s" ("no start certified: the group-nuclear limit and the l2 "
                                                       + "direction were tried (the message's \"run's direction\" "
                                                       + "is the first); give --from GD's beta.csv from train.fsx")
                                        first
                    Directory.CreateDirectory out |> ignore
                    let betaPath = Path.Combine(out, "beta.csv")
                    if limit.Status = LimitStatus.NotSeparable then File.Delete betaPath
                    else AtomicFile.writeAllLines betaPath (limit.Direction |> Seq.map inv)
                    AtomicFile.writeAllText (Path.Combine(out, "certificate.json"))
                        (Json.serialize (certificateJson fourier data limit))
                    printfn "%O: %s Wrote %s" limit.Status limit.Message out
                    if limit.Status = LimitStatus.Certified then 0 else 1)

    /// --kkt BETA.csv --group NAME --p P: the group KKT check (p < 1) or value gap (p = 1) of a given beta.
    let kkt (flags: Map<string, string>) =
        let p = match flags.TryFind "--p" with Some t -> KktCli.parseP t | None -> Error "--p P is required"
        let tol flag =
            match flags.TryFind flag with
            | None -> Ok 1e-8
            | Some t ->
                match Double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture) with
                | true, v when v > 0.0 && v < 1.0 -> Ok v
                | _ -> Error $"{flag}: '{t}' is not a number in (0, 1)"
        match unknown kktFlags flags, p, tol "--rank-tol", tol "--active-tol" with
        | Some f, _, _, _ -> eprintfn "error: unknown flag '%s' for --kkt --group (see --help)" f; 2
        | _, Error e, _, _ | _, _, Error e, _ | _, _, _, Error e -> eprintfn "error: %s" e; 2
        | None, Ok p, Ok rankTol, Ok activeTol ->
            guarded (fun () ->
                match load flags with
                | Error e -> eprintfn "error: %s" e; 2
                | Ok(fourier, data) ->
                    let betaPath = flags["--kkt"]
                    let beta = KktCli.readBeta betaPath
                    if beta.Length <> data.Dimension then
                        failwith $"{betaPath} has {beta.Length} values but the data has D = {data.Dimension}"
                    let fields, holds, line =
                        if p < 1.0 then
                            let c = GroupBridgeKkt.Certify(fourier, data, ReadOnlySpan beta, p, rankTol, activeTol)
                            let ints (xs: int[]) = JArray [ for x in xs -> JInt(int64 x) ]
                            [ "kkt_residual", num c.KktResidual; "stationarity", num c.Stationarity
                              "min_alpha", num c.MinAlpha; "slackness", num c.Slackness
                              "smallest_inactive_margin", num c.SmallestInactive; "block_ranks", ints c.Ranks
                              "active_set", ints c.Active; "alpha", JArray [ for a in c.Alpha -> num a ]
                              "equations", JInt(int64 c.Equations); "degenerate", JString c.Degenerate
                              "separating", JBool c.Separating; "rank_threshold", num rankTol
                              "active_tolerance", num activeTol ],
                            c.Holds 1e-10,
                            sprintf "KKT residual %.3e, %d active points, block ranks [%s]" c.KktResidual
                                c.Active.Length (c.Ranks |> Array.map string |> String.concat ",")
                        else
                            let limit = CertifiedLimit.Find(data, LimitKind.GroupNuclear, 1.0, ReadOnlySpan beta,
                                                            fourier)
                            let gap = GroupNuclearLimit.ValueGap(fourier, data, ReadOnlySpan beta,
                                                                 ReadOnlySpan limit.Direction)
                            let angle = Geometry.Angle(ReadOnlySpan beta, ReadOnlySpan limit.Direction)
                            [ "value_gap", num gap; "angle_to_limit", num angle
                              "limit", RunFiles.limitJson limit (Some angle) ],
                            limit.Status = LimitStatus.Certified && gap <= 1e-8,
                            sprintf "value gap %.3e to the certified group-nuclear limit (%O), angle %.3e rad" gap
                                limit.Status angle
                    let json =
                        JObject([ "group", JString fourier.Group.Name; "p", num p ] @ fields @
                                [ "data", JString data.Name; "N", JInt(int64 data.Count)
                                  "D", JInt(int64 data.Dimension) ])
                    printfn "%s" (Json.serialize json)
                    match flags.TryFind "--out" with
                    | Some dir ->
                        Directory.CreateDirectory dir |> ignore
                        AtomicFile.writeAllText (Path.Combine(dir, "kkt.json")) (Json.serialize json)
                    | None -> ()
                    eprintfn "%s: %s" (if holds then "Holds" else "DoesNotHold") line
                    if holds then 0 else 1)
