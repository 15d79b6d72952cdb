"""Independent solves of the three convex limits with CVXOPT (Debian's python3-cvxopt), for
tools/convex-polish-check.fsx: l2 (QP), time-l1 (LP) and Fourier-l1 (SOCP over the half spectrum of the
unitary DFT), each min ||beta|| s.t. Z beta >= 1 with Z the rows y_n x_n.
Usage: /usr/bin/python3 cvx_limits.py IN_DIR OUT_DIR; every IN_DIR/NAME.csv (rows of Z) gives
OUT_DIR/NAME.KIND.csv: line 1 beta, line 2 the multipliers of Z beta >= 1 (CVXOPT's z for those rows),
line 3 the tolerance (abstol = reltol = feastol) at which CVXOPT reported 'optimal'."""
import os
import sys

import numpy as np
from cvxopt import matrix, solvers

solvers.options.update({"show_progress": False, "maxiters": 200})


def tightest(solve, z):
    """The solve at the tightest tolerance at which CVXOPT reports 'optimal' (tighter ones end with status
    'unknown' at a point far from the optimum, or its scaling fails with a domain error)."""
    for tol in (1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7):
        solvers.options.update({"abstol": tol, "reltol": tol, "feastol": tol})
        try:
            beta, alpha, status = solve(z)
        except (ValueError, ArithmeticError):
            continue
        if status == "optimal":
            return beta, alpha, tol
    raise RuntimeError("CVXOPT failed at every tolerance")


def l2(z):
    n, d = z.shape
    r = solvers.qp(matrix(np.eye(d)), matrix(np.zeros(d)), matrix(-z), matrix(-np.ones(n)))
    return np.array(r["x"]).ravel(), np.array(r["z"]).ravel(), r["status"]


def time_l1(z):
    # Variables (beta, t): min sum t s.t. beta - t <= 0, -beta - t <= 0, -Z beta <= -1.
    n, d = z.shape
    eye = np.eye(d)
    g = np.vstack([np.hstack([-z, np.zeros((n, d))]), np.hstack([eye, -eye]), np.hstack([-eye, -eye])])
    h = np.concatenate([-np.ones(n), np.zeros(2 * d)])
    c = np.concatenate([np.zeros(d), np.ones(d)])
    r = solvers.lp(matrix(c), matrix(g), matrix(h))
    return np.array(r["x"]).ravel()[:d], np.array(r["z"]).ravel()[:n], r["status"]


def fourier_l1(z):
    # Variables (beta, t_k) over the half spectrum k = 0..D/2: min sum m_k t_k s.t. ||(Re, Im) F_k beta|| <= t_k.
    n, d = z.shape
    half = d // 2 + 1
    f = np.exp(-2j * np.pi * np.outer(np.arange(half), np.arange(d)) / d) / np.sqrt(d)
    mult = np.array([1.0 if k == 0 or 2 * k == d else 2.0 for k in range(half)])
    c = np.concatenate([np.zeros(d), mult])
    gl = np.hstack([-z, np.zeros((n, half))])
    gq, hq = [], []
    for k in range(half):
        block = np.zeros((3, d + half))
        block[0, d + k] = -1.0
        block[1, :d] = -f[k].real
        block[2, :d] = -f[k].imag
        gq.append(matrix(block))
        hq.append(matrix(np.zeros(3)))
    r = solvers.socp(matrix(c), Gl=matrix(gl), hl=matrix(-np.ones(n)), Gq=gq, hq=hq)
    return np.array(r["x"]).ravel()[:d], np.array(r["zl"]).ravel(), r["status"]


def main(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if not name.endswith(".csv"):
            continue
        z = np.loadtxt(os.path.join(src, name), delimiter=",", ndmin=2)
        for kind, solve in (("L2", l2), ("TimeL1", time_l1), ("FourierL1", fourier_l1)):
            beta, alpha, tol = tightest(solve, z)
            with open(os.path.join(dst, name[:-4] + "." + kind + ".csv"), "w") as out:
                out.write(",".join(repr(float(v)) for v in beta) + "\n")
                out.write(",".join(repr(float(v)) for v in alpha) + "\n")
                out.write(repr(tol) + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
