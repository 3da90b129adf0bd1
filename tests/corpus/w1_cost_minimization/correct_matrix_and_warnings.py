# kind: correct
# expect-lost:
# why: covariance-matrix form w^T S w, prints chatter, and warnings on stderr (RuntimeWarning and UserWarning) that must not cost points
# %% L_of_omega
def L_of_omega(omega, prices_a, prices_b):
    import warnings
    warnings.warn("computing L the matrix way")
    S = np.cov(np.vstack([prices_a, prices_b]), ddof=0)
    w = np.array([omega, 1 - omega])
    return float(w @ S @ w)
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    import sys
    print("debug: computing the derivative", omega)
    print("debug on stderr", file=sys.stderr)
    np.log(np.array([0.0]))  # a stray RuntimeWarning: divide by zero
    S = np.cov(np.vstack([prices_a, prices_b]), ddof=0)
    w = np.array([omega, 1 - omega])
    return float(2 * (S @ w) @ np.array([1.0, -1.0]))
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    # dL/domega is linear in omega: solve it from two of its values
    d0 = dLdOmega(0.0, prices_a, prices_b)
    d1 = dLdOmega(1.0, prices_a, prices_b)
    return -d0 / (d1 - d0)
