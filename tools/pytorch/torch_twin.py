"""The toolkit's convolutional network, written the way a PyTorch user would write it.

A side-by-side twin of ImplicitBias.Engine (ConvolutionalFourierNetwork + GradientDescent.Train
with the default step rule normalized:0.5:0.0003 and the exponential loss), in float64:

    parameters  w_1 .. w_L, each a length-D tensor with requires_grad
    predictor   beta = irfft(prod_l rfft(w_l, norm="ortho"), n=D, norm="ortho")
    loss        log L = logsumexp(-m),  m = (y * X) @ beta
    step        autograd backward, then w <- w - s * grad (s from the toolkit's step rule)

Why "ortho" and no extra factor: the toolkit's DFT is unitary (README "Conventions"),
z_hat[k] = D^(-1/2) sum_p z[p] exp(-2 pi i p k / D), which is exactly rfft(z, norm="ortho") on
k = 0..D/2, and Lemma 3 gives beta_hat = w_hat_1 .* ... .* w_hat_L in that scaling. The product of
the L unitary spectra *is* beta's unitary spectrum, so the unitary (ortho) inverse maps it back to
beta with no sqrt(D) factor. (With torch's default norm="backward" on both sides one would need
beta = irfft(prod_l rfft(w_l)) / sqrt(D)^(L-1).) tools/pytorch-twin.fsx checks beta against the
engine (FAIL above max(1e-6, 10 x the difference between the engine's own fast and generic twins), relative).

Modes (run with Debian's /usr/bin/python3, which has python3-torch):
    agree           --data D.csv --init W.csv --depth L --steps K --out BETA.csv
    time-step       --threads 1 2 --out TIMES.csv          (conv L=4, random data of each size)
    time-direction  --data D.csv --init W.csv --reference R.csv --depth L [--tol 1e-4] [--budget 10]
CSV files: data = a header row, then label (-1/+1) and the D features per row (CsvDataset.Save);
init = the L*D parameters one a line, layer after layer; reference and beta = D values one a line.
"""
import argparse
import math
import time

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

ETA, RHO, CAP = 0.5, 3e-4, 0.1  # normalized:0.5:0.0003; CAP = NormalizedStep.MaxRelativeStep


def predictor(ws, d):
    """beta of the conv net: product of the layers' unitary half spectra, back to time domain."""
    spectrum = torch.fft.rfft(ws[0], norm="ortho")
    for w in ws[1:]:
        spectrum = spectrum * torch.fft.rfft(w, norm="ortho")
    return torch.fft.irfft(spectrum, n=d, norm="ortho")


def step(ws, z, rho=RHO):
    """One gradient step on log L. Returns beta before the step (for checks) and log L."""
    for w in ws:
        w.grad = None
    beta = predictor(ws, z.shape[1])
    log_loss = torch.logsumexp(-(z @ beta), dim=0)  # exponential loss, overflow-safe
    log_loss.backward()
    with torch.no_grad():
        # The toolkit's NormalizedStep: the larger of the eta step and a floor of rho ||w||,
        # capped at ||w|| / 10 for degree L >= 2; norms are over all parameters together.
        g2 = sum(float(w.grad.pow(2).sum()) for w in ws)
        w2 = sum(float(w.pow(2).sum()) for w in ws)
        if g2 > 0:
            relative = math.sqrt(w2 / g2)
            s = max(ETA / g2, rho * relative)
            if len(ws) >= 2:
                s = min(s, CAP * relative)
            for w in ws:
                w.sub_(s * w.grad)
    return beta.detach(), float(log_loss)


def load(args):
    """Data (z = y * x precomputed once) and the initial layers from the CSV files."""
    rows = np.loadtxt(args.data, delimiter=",", ndmin=2, skiprows=1)
    y, x = torch.tensor(rows[:, 0]), torch.tensor(rows[:, 1:])
    w0 = torch.tensor(np.loadtxt(args.init, ndmin=1)).reshape(args.depth, x.shape[1])
    ws = [w0[l].clone().requires_grad_(True) for l in range(args.depth)]
    return y[:, None] * x, ws


def agree(args):
    """K steps from the given start; writes the final beta (round-trip precision)."""
    z, ws = load(args)
    for _ in range(args.steps):
        step(ws, z)
    with torch.no_grad():
        beta = predictor(ws, z.shape[1])
    np.savetxt(args.out, beta.numpy(), fmt="%.17g")


def time_step(args):
    """ns per step for conv L=4: warm-up, then best and median of several timed batches."""
    sizes = [(64, 32), (256, 128), (1024, 512), (4096, 1024)]
    depth, batches = 4, 9
    lines = ["D,N,threads,ns_best,ns_median,steps_timed"]
    for threads in args.threads:
        torch.set_num_threads(threads)
        for d, n in sizes:
            gen = torch.Generator().manual_seed(1)
            x = torch.randn(n, d, generator=gen)
            y = torch.where(torch.rand(n, generator=gen) < 0.5, -1.0, 1.0)
            z = y[:, None] * x
            ws = [(0.1 / math.sqrt(d) * torch.randn(d, generator=gen)).requires_grad_(True) for _ in range(depth)]
            # The engine's benchmark times the eta rule without the floor; the floor costs nothing here.
            run = lambda k: [step(ws, z, rho=0.0) for _ in range(k)]
            t0 = time.perf_counter()
            warm = 0
            while time.perf_counter() - t0 < 0.2 * args.budget or warm < 3:
                run(1)
                warm += 1
            per_step = (time.perf_counter() - t0) / warm
            batch = max(1, int(0.8 * args.budget / batches / per_step))
            times = []
            for _ in range(batches):
                t = time.perf_counter()
                run(batch)
                times.append((time.perf_counter() - t) * 1e9 / batch)
            times.sort()
            lines.append(f"{d},{n},{threads},{times[0]:.6g},{times[batches // 2]:.6g},{batch * batches}")
            print(lines[-1], flush=True)
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")


def time_direction(args):
    """Steps and seconds until 1 - cos(beta, reference) <= tol, checked every 100 steps."""
    torch.set_num_threads(1)
    z, ws = load(args)
    ref = torch.tensor(np.loadtxt(args.reference, ndmin=1))
    ref = ref / ref.norm()
    t0, k, gap, reached = time.perf_counter(), 0, float("nan"), False
    while True:
        beta, log_loss = step(ws, z)  # beta and log L of the iterate after k steps
        if not math.isfinite(log_loss):
            break  # margins outgrew the double range
        if k % 100 == 0:
            gap = 1.0 - float(beta @ ref) / float(beta.norm())
            if gap <= args.tol:
                reached = True
                break
            if time.perf_counter() - t0 >= args.budget:
                break
        k += 1
    print(f"reached={reached} steps={k} seconds={time.perf_counter() - t0:.6g} gap={gap:.6g}")


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["agree", "time-step", "time-direction"])
    p.add_argument("--data"), p.add_argument("--init"), p.add_argument("--reference"), p.add_argument("--out")
    p.add_argument("--depth", type=int, default=2)
    p.add_argument("--steps", type=int, default=50)
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--budget", type=float, default=None, help="seconds (time-step: per size; time-direction: per run)")
    p.add_argument("--tol", type=float, default=1e-4)
    a = p.parse_args()
    if a.budget is None:
        a.budget = 1.0 if a.mode == "time-step" else 10.0
    {"agree": agree, "time-step": time_step, "time-direction": time_direction}[a.mode](a)
