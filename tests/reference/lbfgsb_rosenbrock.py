#!/usr/bin/env python3
"""Reference minimizer for tests/unit/test_lbfgsb.cpp: the chained Rosenbrock function
    f(x) = sum_i 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2,   lower <= x <= upper
solved with scipy's L-BFGS-B. Prints the solution, one value per line (%.17g), on stdout and
"nit nfev f" on stderr.

Usage: lbfgsb_rosenbrock.py PROBLEM_FILE
PROBLEM_FILE holds whitespace-separated numbers: n, m (history), lower, upper, x0 (n).
"""
import sys

import numpy as np
from scipy.optimize import minimize


def fun(x):
    u, v = x[:-1], x[1:]
    r = v - u * u
    g = np.zeros_like(x)
    g[:-1] += -400 * u * r - 2 * (1 - u)
    g[1:] += 200 * r
    return float(np.sum(100 * r * r + (1 - u) ** 2)), g


def main():
    with open(sys.argv[1]) as handle:
        values = handle.read().split()
    n, m = int(values[0]), int(values[1])
    lower, upper = float(values[2]), float(values[3])
    x0 = np.array(values[4:], dtype=float)
    if x0.size != n:
        sys.exit("expected %d start values, got %d" % (n, x0.size))
    result = minimize(fun, x0, jac=True, method="L-BFGS-B", bounds=[(lower, upper)] * n,
                      options={"ftol": 1e-15, "gtol": 1e-10, "maxiter": 10000, "maxcor": m})
    for value in result.x:
        print("%.17g" % value)
    print("%d %d %.17g" % (result.nit, result.nfev, result.fun), file=sys.stderr)


if __name__ == "__main__":
    main()
