#!/usr/bin/env python3
"""Reference minimizer for tests/unit/test_optim.cpp: solves a box-constrained quadratic
    minimize 0.5 x'Ax - b'x  subject to  lower <= x <= upper
with scipy's L-BFGS-B and prints the solution, one value per line (%.17g), on stdout and
"nit nfev f" on stderr.

Usage: lbfgsb_reference.py PROBLEM_FILE
PROBLEM_FILE holds whitespace-separated numbers: n, then A (n*n, row-major), b (n), lower (n),
upper (n).
"""
import sys

import numpy as np
from scipy.optimize import minimize


def main():
    with open(sys.argv[1]) as handle:
        values = handle.read().split()
    n = int(values[0])
    data = np.array(values[1:], dtype=float)
    if data.size != n * n + 3 * n:
        sys.exit("expected %d numbers after n, got %d" % (n * n + 3 * n, data.size))
    a = data[: n * n].reshape(n, n)
    b = data[n * n : n * n + n]
    lower = data[n * n + n : n * n + 2 * n]
    upper = data[n * n + 2 * n :]

    def fun(x):
        ax = a @ x
        return 0.5 * x @ ax - b @ x, ax - b

    x0 = np.clip(np.full(n, 0.5), lower, upper)
    result = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=list(zip(lower, upper)),
                      options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10000, "maxcor": 30})
    for value in result.x:
        print("%.17g" % value)
    print("%d %d %.17g" % (result.nit, result.nfev, result.fun), file=sys.stderr)


if __name__ == "__main__":
    main()
