namespace ImplicitBias

open ImplicitBias.Engine.Fourier
open ImplicitBias.Engine.Networks

/// The network architectures of the paper, plus the direct linear model.
type ModelKind =
    /// beta = w.
    | Linear
    /// Fully connected, eq. (1).
    | FullyConnected
    /// Diagonal, Section 5.
    | Diagonal
    /// Convolutional, eq. (2)-(3), evaluated in the Fourier domain (Lemma 3).
    | Convolutional
    /// Convolutional, evaluated in the time domain exactly as eq. (2)-(3) (the slow twin).
    | ConvolutionalTime
    /// Linear group-convolutional network on a finite group (--group; issue 24), trained in the group Fourier domain.
    | GroupConvolutional
    /// The same network evaluated in the group domain by full-width group convolutions (the slow twin).
    | GroupConvolutionalTime

/// Building parameterizations by name.
module Model =
    /// The command-line name of a kind: linear, fc, diag, conv, conv-time, gconv, gconv-time.
    let name kind =
        match kind with
        | Linear -> "linear"
        | FullyConnected -> "fc"
        | Diagonal -> "diag"
        | Convolutional -> "conv"
        | ConvolutionalTime -> "conv-time"
        | GroupConvolutional -> "gconv"
        | GroupConvolutionalTime -> "gconv-time"

    /// The engine's kind (what CertifiedLimit and the family registry take).
    let kind k =
        match k with
        | Linear -> NetworkKind.Linear
        | FullyConnected -> NetworkKind.FullyConnected
        | Diagonal -> NetworkKind.Diagonal
        | Convolutional -> NetworkKind.Convolutional
        | ConvolutionalTime -> NetworkKind.ConvolutionalTime
        | GroupConvolutional | GroupConvolutionalTime -> NetworkKind.GroupConvolutional

    /// Every kind, in the order figures show them.
    let all = [ Linear; FullyConnected; Diagonal; Convolutional; ConvolutionalTime; GroupConvolutional
                GroupConvolutionalTime ]

    /// Parses a command-line name; the error lists the valid names.
    let parse (text: string) =
        match all |> List.tryFind (fun k -> name k = text) with
        | Some k -> Ok k
        | None ->
            let names = all |> List.map name |> String.concat ", "
            Error $"unknown model '{text}'; expected one of: {names}"

    /// The parameterization of a kind at a depth and input dimension (hidden widths D for fc); gconv needs its group
    /// (createOn).
    let create kind (depth: int) (dimension: int) : IParameterization =
        match kind with
        | GroupConvolutional | GroupConvolutionalTime ->
            raise (System.ArgumentException $"--model {name kind} needs --group NAME.")
        | Linear -> LinearModel(dimension)
        | FullyConnected -> FullyConnectedNetwork(dimension, depth)
        | Diagonal -> DiagonalNetwork(dimension, depth)
        | Convolutional -> ConvolutionalFourierNetwork(dimension, depth)
        | ConvolutionalTime -> ConvolutionalNetwork(dimension, depth)

    /// The grid and kernel the options mean for data of dimension D: the line 1 x D unless a shape is given,
    /// the full width of the grid unless a kernel is given.
    /// True for the group-convolutional kinds (gconv and its twin gconv-time), which take --group.
    let isGroup kind = kind = GroupConvolutional || kind = GroupConvolutionalTime

    let gridAndKernel (shape: Grid option) (kernel: KernelSize option) (dimension: int) =
        let grid = defaultArg shape (Grid.Line dimension)
        grid, defaultArg kernel (KernelSize.Full grid)

    /// The group option's checks that need no data, in the command line's words: gconv needs --group, --group
    /// needs gconv, and --shape, --kernel, --channels do not apply to gconv. None when they hold.
    let groupFlagsProblem kind (shape: Grid option) (kernel: KernelSize option) (channels: int)
                          (group: string option) =
        let model = name kind
        match isGroup kind, group with
        | true, None -> Some $"--model {model} needs --group NAME (one of: {GroupName.names})."
        | false, Some groupName ->
            Some $"--group applies to --model gconv or gconv-time only (got --model {model}, --group {groupName})."
        | true, Some _ when shape.IsSome ->
            Some $"--shape does not apply to --model {model} (the group fixes the domain)."
        | true, Some _ when kernel.IsSome ->
            Some $"--kernel does not apply to --model {model} (its layers are full width)."
        | true, Some _ when channels <> 1 -> Some $"--channels does not apply to --model {model} (one channel)."
        | _ -> None

    /// The checks of the group option (groupFlagsProblem) and that |G| is the data's D. Throws ArgumentException in
    /// the command line's words.
    let checkGroup kind (shape: Grid option) (kernel: KernelSize option) (channels: int) (group: string option)
                   (dimension: int) =
        let fail (message: string) = raise (System.ArgumentException message)
        groupFlagsProblem kind shape kernel channels group |> Option.iter fail
        match group with
        | Some groupName when isGroup kind ->
            let g = match GroupName.parse groupName with Ok g -> g | Error e -> fail e
            if g.Order <> dimension then
                fail ($"--group {groupName} has order |G| = {g.Order} but the data has D = {dimension} features " +
                      $"(a CSV for gconv has D = |G| features in the group's element order: {g.ElementOrder}).")
        | _ -> ()

    /// Throws ArgumentException (the command line's words, with no parameter name appended) unless the architecture
    /// options fit the kind, depth and data dimension: the shape must have D entries, --kernel and --channels are for
    /// conv, several channels need depth 2, conv-time is 1-D only, and the kernel must fit the grid.
    let checkArchitecture kind (depth: int) (shape: Grid option) (kernel: KernelSize option) (channels: int)
                          (dimension: int) =
        let fail (message: string) = raise (System.ArgumentException message)
        if isGroup kind then fail $"--model {name kind} needs --group NAME (one of: {GroupName.names})."
        let grid, _ = gridAndKernel shape kernel dimension
        if grid.Count <> dimension then
            fail $"--shape {grid.Rows}x{grid.Columns} has {grid.Count} entries but the data has D = {dimension}."
        if kernel.IsSome && kind <> Convolutional then
            fail $"--kernel applies to --model conv only (got --model {name kind})."
        if channels < 1 then fail $"--channels must be at least 1 (got {channels})."
        if channels > 1 && kind <> Convolutional then
            fail $"--channels applies to --model conv only (got --model {name kind})."
        if channels > 1 && depth <> 2 then
            fail ($"--channels {channels} needs --depth 2 (deeper kernel networks have one channel; got --depth " +
                  $"{depth}).")
        if kind = ConvolutionalTime && not grid.IsLine then
            fail "--model conv-time is the 1-D time-domain twin; use --model conv with --shape."
        match kernel with
        | Some k when k.Rows > grid.Rows || k.Columns > grid.Columns || k.Rows < 1 || k.Columns < 1 ->
            fail $"--kernel {k} does not fit the grid {grid} (each side from 1 to the grid's)."
        | _ -> ()

    /// True when the options describe the paper's network (1-D or no shape, full-width kernels, one channel).
    let isPaperArchitecture kind (shape: Grid option) (kernel: KernelSize option) (channels: int) =
        kernel.IsNone && channels = 1 && (kind <> Convolutional || shape |> Option.forall (fun g -> g.IsLine))

    /// The parameterization with the architecture options (checkGroup, then checkArchitecture): conv on a 2-D grid,
    /// with a kernel or with channels is KernelConvolutionalNetwork (the Fourier kernel at full width and one
    /// channel, the lift kernel at depth 2); gconv is GroupConvolutionalFourierNetwork (the group Fourier steppers),
    /// gconv-time its group-domain twin GroupConvolutionalNetwork. (docs/training.md, "Model.createOn")
    let createOn kind (depth: int) (shape: Grid option) (kernel: KernelSize option) (channels: int)
                 (group: string option) (dimension: int) : IParameterization =
        checkGroup kind shape kernel channels group dimension
        match group with
        | Some groupName when kind = GroupConvolutional ->
            GroupConvolutionalFourierNetwork(GroupName.fourier groupName, depth) :> IParameterization
        | Some groupName -> GroupConvolutionalNetwork(GroupName.group groupName, depth) :> IParameterization
        | None ->
            checkArchitecture kind depth shape kernel channels dimension
            if isPaperArchitecture kind shape kernel channels then create kind depth dimension
            else
                let grid, kernel = gridAndKernel shape kernel dimension
                KernelConvolutionalNetwork(grid, kernel, channels, depth)
