// Reference solutions and certificates; run with --help. The --kkt mode is KktCli (stationarity of eq. 10-13).
#load "engine.fsx"

let args = fsi.CommandLineArgs |> Array.toList |> List.tail
exit (if List.contains "--kkt" args then ImplicitBias.KktCli.main args
      else (eprintfn "usage: reference.fsx --data FILE.csv --kkt BETA.csv --p P --domain fourier|time [--out DIR]"; 2))
