namespace ImplicitBias

open System
open System.Diagnostics
open System.IO
open System.Net
open System.Net.Sockets
open System.Threading

/// A one-node Slurm cluster of our own: its folder, configuration and the daemons we started.
type LocalCluster =
    { Folder: string
      /// The slurm.conf every Slurm command must be given (SLURM_CONF).
      Conf: string
      MungeSocket: string
      /// munged, slurmctld, slurmd: started in the foreground, so these are their own ids.
      Daemons: Process list }

/// A throwaway one-node Slurm cluster on this machine (for `build.fsx -t Slurm`), touching nothing of the machine's own
/// Slurm or munge setup: its own munge key and socket, slurm.conf (through SLURM_CONF), state, spool and logs in one
/// folder, free TCP ports. Needs root, Debian's slurm-wlm and munge (Slurm 22.05; see /work/shared/NOTES.md).
module LocalSlurm =
    /// A TCP port that is free now (the OS picks it).
    let freePort () =
        let l = new TcpListener(IPAddress.Loopback, 0)
        l.Start()
        let port = (l.LocalEndpoint :?> IPEndPoint).Port
        l.Stop()
        port

    /// The slurm.conf of a one-node cluster: node `host` with `cpus` CPUs and `memoryMb` MB, one
    /// default partition, everything else in `folder`.
    let conf (folder: string) (host: string) (cpus: int) (memoryMb: int64) (partition: string) (ctldPort: int)
             (slurmdPort: int) (mungeSocket: string) =
        let p (name: string) = Path.Combine(folder, name)
        [ "ClusterName=implicitbias"
          $"SlurmctldHost={host}"
          "SlurmUser=root"
          "SlurmdUser=root"
          $"SlurmctldPort={ctldPort}"
          $"SlurmdPort={slurmdPort}"
          "AuthType=auth/munge"
          "CredType=cred/munge"
          $"AuthInfo=socket={mungeSocket}"
          "StateSaveLocation=" + p "state"
          "SlurmdSpoolDir=" + p "spool"
          "SlurmctldPidFile=" + p "slurmctld.pid"
          "SlurmdPidFile=" + p "slurmd.pid"
          "SlurmctldLogFile=" + p "log/slurmctld.log"
          "SlurmdLogFile=" + p "log/slurmd.log"
          "ProctrackType=proctrack/linuxproc"
          "TaskPlugin=task/none"
          "SelectType=select/cons_tres"
          "SelectTypeParameters=CR_Core"
          "AccountingStorageType=accounting_storage/none"
          "JobCompType=jobcomp/none"
          "JobAcctGatherType=jobacct_gather/none"
          "MpiDefault=none"
          "ReturnToService=2"
          "KillWait=5"
          "MinJobAge=60"
          $"NodeName={host} CPUs={cpus} RealMemory={memoryMb} State=UNKNOWN"
          $"PartitionName={partition} Nodes={host} Default=YES MaxTime=INFINITE State=UP" ]
        |> String.concat "\n"
        |> fun text -> text + "\n"

    /// 90% of MemTotal in MB (so that sbatch --mem can be honoured), 1024 if unknown.
    let memoryMb () =
        try
            File.ReadAllLines "/proc/meminfo"
            |> Array.find (fun l -> l.StartsWith "MemTotal:")
            |> fun l -> int64 (l.Split(' ', StringSplitOptions.RemoveEmptyEntries).[1]) / 1024L * 9L / 10L
        with _ -> 1024L

    let private start (program: string) (arguments: string list) (env: (string * string) list) =
        let info = ProcessStartInfo(program, UseShellExecute = false, RedirectStandardOutput = true,
                                    RedirectStandardError = true)
        for a in arguments do info.ArgumentList.Add a
        for k, v in env do info.Environment[k] <- v
        let p = Process.Start info
        p.OutputDataReceived.Add ignore
        p.ErrorDataReceived.Add ignore
        p.BeginOutputReadLine()
        p.BeginErrorReadLine()
        p

    let private waitUntil (seconds: float) (what: string) (ready: unit -> bool) =
        let clock = Stopwatch.StartNew()
        while not (ready ()) do
            if clock.Elapsed.TotalSeconds > seconds then failwithf "LocalSlurm: %s not ready after %.0f s" what seconds
            Thread.Sleep 250

    /// Stops the daemons we started (by their process ids), last started first.
    let stop (c: LocalCluster) =
        for p in List.rev c.Daemons do
            try
                if not p.HasExited then
                    p.Kill()
                    p.WaitForExit 10_000 |> ignore
            with _ -> ()

    /// Starts munged, slurmctld and slurmd in a new folder under the system's temp folder, sets
    /// SLURM_CONF for this process (and so for every Slurm command and job it starts), and waits
    /// until the node is idle.
    let startCluster (partition: string) =
        let folder = Path.Combine(Path.GetTempPath(), "ib-slurm-" + Guid.NewGuid().ToString("N").Substring(0, 8))
        for d in [ ""; "state"; "spool"; "log" ] do Directory.CreateDirectory(Path.Combine(folder, d)) |> ignore
        // munged requires execute permission for all on the socket's folder.
        File.SetUnixFileMode(folder, UnixFileMode.UserRead ||| UnixFileMode.UserWrite ||| UnixFileMode.UserExecute
                                     ||| UnixFileMode.GroupExecute ||| UnixFileMode.OtherExecute
                                     ||| UnixFileMode.GroupRead ||| UnixFileMode.OtherRead)
        let key = Path.Combine(folder, "munge.key")
        File.WriteAllBytes(key, Security.Cryptography.RandomNumberGenerator.GetBytes 1024)
        File.SetUnixFileMode(key, UnixFileMode.UserRead)
        let socket = Path.Combine(folder, "munge.socket")
        let host = Dns.GetHostName()
        let ctldPort = freePort ()
        let slurmdPort = Seq.initInfinite (fun _ -> freePort ()) |> Seq.find ((<>) ctldPort)
        let confPath = Path.Combine(folder, "slurm.conf")
        File.WriteAllText(confPath, conf folder host Environment.ProcessorCount (memoryMb ()) partition ctldPort
                                         slurmdPort socket)
        Environment.SetEnvironmentVariable("SLURM_CONF", confPath)
        let started = Collections.Generic.List<Process>()
        let cluster () = { Folder = folder; Conf = confPath; MungeSocket = socket; Daemons = List.ofSeq started }
        try
            started.Add(
                let inFolder (name: string) = Path.Combine(folder, name)
                start "munged" [ "--foreground"; "--socket=" + socket; "--key-file=" + key;
                                 "--pid-file=" + inFolder "munged.pid"
                                 "--log-file=" + inFolder "log/munged.log"; "--seed-file="
                                 + inFolder "munged.seed" ] [])
            waitUntil 20.0 "munged" (fun () -> File.Exists socket)
            let env = [ "SLURM_CONF", confPath ]
            started.Add(start "slurmctld" [ "-D"; "-i" ] env)
            started.Add(start "slurmd" [ "-D" ] env)
            waitUntil 60.0 "the node (sinfo idle)" (fun () ->
                match Slurm.command "sinfo" [ "-h"; "-o"; "%T" ] with
                | Ok state -> state.Trim() = "idle"
                | Error _ -> false)
            for p in started do
                if p.HasExited then
                    failwithf "LocalSlurm: %s exited with %d (logs in %s)" p.StartInfo.FileName p.ExitCode
                        (Path.Combine(folder, "log"))
            cluster ()
        with _ ->
            stop (cluster ())
            reraise ()
