# kind: correct
# expect-lost:
# why: np.var, np.loadtxt, broadcasting for the array versions, the expanded (uncentred) variance formula for dL/domega
# %% load_prices
def load_prices(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1, usecols=(1, 2))
    return data[:, 0].copy(), data[:, 1].copy()
# %% L_of_omega
def L_of_omega(omega, prices_a, prices_b):
    return np.var(omega * prices_a + (1 - omega) * prices_b)
# %% L_of_omega_array
def L_of_omega_array(omega_array, prices_a, prices_b):
    w = np.asarray(omega_array, dtype=float)[:, None]
    return np.var(w * prices_a + (1 - w) * prices_b, axis=1)
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    # E[f d] - E[f] E[d], uncentred: algebraically equal, rounded differently
    d = prices_a - prices_b
    f = prices_b + omega * d
    return 2 * (np.mean(f * d) - np.mean(f) * np.mean(d))
# %% dLdOmega_array
def dLdOmega_array(omega_array, prices_a, prices_b):
    w = np.asarray(omega_array, dtype=float)[:, None]
    d = prices_a - prices_b
    f = prices_b + w * d
    return 2 * np.mean((f - f.mean(axis=1, keepdims=True)) * (d - d.mean()), axis=1)
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    c = np.cov(prices_a, prices_b, bias=True)
    return (c[1, 1] - c[0, 1]) / (c[0, 0] + c[1, 1] - 2 * c[0, 1])
