// The group-convolutional network's certified limits on seeded suites (issue 24, point 3): for each group, depth L
// and data set, gradient descent (the engine's step rule and late phase) on the group-domain network, then
// CertifiedLimit.Find with the group from GD's direction; pass = Certified. On C_n the group bridge limit is also
// compared with the cyclic FourierBridge limit. Prints per (group, L) the pass count, the worst KKT residual and GD's
// angle to the limit (rad).   dotnet fsi tools/group-limit-check.fsx [--theta 40] [--seeds 2]
#load "tools.fsx"
#load "../scripts/ScriptArgs.fsx"

open System
open ImplicitBias.Engine.Data
open ImplicitBias.Engine.Groups
open ImplicitBias.Engine.Losses
open ImplicitBias.Engine.Networks
open ImplicitBias.Engine.Numerics
open ImplicitBias.Engine.Training
open ImplicitBias.Engine.Training.Late
open ImplicitBias.Engine.Theory

let theta = float (ScriptArgs.positive "--theta" 40L)
let seeds = ScriptArgs.positive "--seeds" 2L
let groups = [ "C8"; "D3"; "D4"; "D5"; "D6"; "Q8"; "A4" ]

/// Gaussian points labelled by a teacher whose group Fourier transform is one random rank-one block (and what the
/// real part adds) on the largest irrep: the G-CNN's own kind of sparsity.
let blockTeacher (fourier: GroupFourier) count (seed: uint64) =
    let rng = SeededRandom seed
    let n = fourier.Group.Order
    let t = [ 0 .. fourier.Irreps.Count - 1 ] |> List.maxBy (fun t -> fourier.Irreps[t].Dimension)
    let d = fourier.Irreps[t].Dimension
    let u = Array.init d (fun _ -> Numerics.Complex(rng.NextGaussian(), rng.NextGaussian()))
    let v = Array.init d (fun _ -> Numerics.Complex(rng.NextGaussian(), rng.NextGaussian()))
    let blocks = fourier.NewBlocks()
    blocks[t] <- Array.init (d * d) (fun e -> u[e / d] * Numerics.Complex.Conjugate v[e % d])
    let teacher = Array.zeroCreate n
    fourier.InverseReal(blocks, Span teacher)
    let features = Array.init (count * n) (fun _ -> rng.NextGaussian())
    let score i = Array.sum (Array.init n (fun j -> features[i * n + j] * teacher[j]))
    let labels = Array.init count (fun i -> if score i >= 0.0 then 1.0 else -1.0)
    Dataset(features, labels, n, $"block-teacher-{fourier.Group.Name}-N{count}-s{seed}")

let settings =
    TrainingSettings(SettlingStep(0.01, 1e-5, 0.2, 1e-4, true, true), ExponentialLoss(), Int64.MaxValue, 60.0,
        RecordDirections = false, Late = LatePhaseSettings(), ThetaTarget = theta)

let rows =
    [ for name in groups do
        let group = StandardGroups.Parse name
        let fourier = GroupFourier group
        let n = group.Order
        for depth in [ 3; 4 ] do
            for count in List.distinct [ max 2 (n / 4); n / 2; n ] do
                for generator in [ "gaussian"; "block" ] do
                    for seed in 1UL .. uint64 seeds do
                        let data =
                            if generator = "gaussian" then SyntheticData.GaussianTeacher(count, n, seed)
                            else blockTeacher fourier count seed
                        let model = GroupConvolutionalNetwork(group, depth)
                        let w0 = model.Initialize(0.5, seed)
                        let run = GradientDescent.Train(model, data, ReadOnlySpan w0, settings)
                        let struct (kind, p) = CertifiedLimit.For(NetworkKind.GroupConvolutional, depth)
                        let limit = CertifiedLimit.Find(data, kind, p, ReadOnlySpan run.Direction, group)
                        let check = GroupBridgeKkt.Certify(fourier, data, ReadOnlySpan limit.Direction, p)
                        let angle = Geometry.Angle(ReadOnlySpan run.Direction, ReadOnlySpan limit.Direction)
                        let cyclic =
                            if name.StartsWith "C" then
                                let c =
                                    CertifiedLimit.Find(data, LimitKind.FourierBridge, p, ReadOnlySpan run.Direction)
                                Geometry.Angle(ReadOnlySpan c.Direction, ReadOnlySpan limit.Direction)
                            else nan
                        printfn "%s L=%d N=%d %s seed %d: %A, KKT %.1e, GD angle %.2e rad (%.1f s)%s%s" name depth count
                            generator seed limit.Status check.KktResidual angle run.Seconds
                            (if Double.IsNaN cyclic then "" else sprintf ", %.1e rad from the cyclic limit" cyclic)
                            (if not limit.Degenerate then ""
                             else " [" + limit.Message.Substring(limit.Message.IndexOf "degenerate:"))
                        yield name, depth, limit.Status = LimitStatus.Certified, check.KktResidual, angle, cyclic,
                              limit.Degenerate ]

printfn ""
printfn "| group | L | certified | degenerate | worst KKT residual | GD angle: median, worst (rad) | vs cyclic |"
printfn "|---|---:|---:|---:|---:|---:|---:|"
for (name, depth), rs in rows |> List.groupBy (fun (g, l, _, _, _, _, _) -> g, l) do
    let angles = rs |> List.map (fun (_, _, _, _, a, _, _) -> a) |> List.sort
    let passed = rs |> List.filter (fun (_, _, ok, _, _, _, _) -> ok) |> List.length
    let degenerate = rs |> List.filter (fun (_, _, _, _, _, _, dg) -> dg) |> List.length
    let kkt = rs |> List.map (fun (_, _, _, k, _, _, _) -> k) |> List.max
    let cyclic = rs |> List.map (fun (_, _, _, _, _, c, _) -> c) |> List.filter (Double.IsNaN >> not)
    printfn "| %s | %d | %d of %d | %d | %.1e | %.1e, %.1e | %s |" name depth passed rs.Length degenerate kkt
        angles[angles.Length / 2] (List.last angles)
        (if cyclic.IsEmpty then "" else sprintf "%.1e" (List.max cyclic))
