namespace ImplicitBias

open System
open System.Collections.Concurrent
open ImplicitBias.Engine.Groups

/// The finite group of --group NAME (StandardGroups.Parse: Cn, Dn of order 2n, Q8, A4, S4, products, SmallGroup(n,k)),
/// built once per name and process with its Fourier transform, so runs and limit solves share them.
module GroupName =
    let private cache = ConcurrentDictionary<string, Lazy<GroupFourier>>()

    /// The names a user can give, for error messages.
    let names = "Cn, Dn (order 2n), Q8, A4, S4, products such as C4xC4 or D3xC2, SmallGroup(n,k) (GAP)"

    /// The group's transform (irreps computed and certified once per name); ArgumentException for an unknown name.
    let fourier (name: string) : GroupFourier =
        let make (n: string) = lazy (GroupFourier(StandardGroups.Parse n))
        let entry = cache.GetOrAdd(name.Trim(), Func<string, Lazy<GroupFourier>> make)
        try entry.Value
        with _ ->
            cache.TryRemove(name.Trim()) |> ignore
            reraise ()

    /// The group of a name.
    let group (name: string) : FiniteGroup = (fourier name).Group

    /// Parses --group: Ok the group, or an error naming the flag and listing the names.
    let parse (name: string) : Result<FiniteGroup, string> =
        try Ok(group name)
        with
        | :? ArgumentException as e when e.Message.StartsWith "unknown group" ->
            Error $"--group '{name}': unknown group; the names: {names}."
        | :? ArgumentException as e -> Error $"--group '{name}': {e.Message} The names: {names}."
        | e -> Error $"--group '{name}': {e.GetBaseException().Message}"
