# kind: correct
# expect-lost:
# why: plain Python loops everywhere, csv module instead of pandas, lists turned into arrays at the end
# %% load_prices
def load_prices(path):
    import csv
    a, b = [], []
    with open(path) as fh:
        for row in csv.DictReader(fh):
            a.append(float(row["price_a"]))
            b.append(float(row["price_b"]))
    return np.array(a), np.array(b)
# %% f_of_omega
def f_of_omega(omega, prices_a, prices_b):
    out = np.zeros(len(prices_a))
    for i in range(len(prices_a)):
        out[i] = omega * prices_a[i] + (1 - omega) * prices_b[i]
    return out
# %% L_of_omega
def L_of_omega(omega, prices_a, prices_b):
    f = f_of_omega(omega, prices_a, prices_b)
    n = len(f)
    mean = 0.0
    for x in f:
        mean += x
    mean /= n
    total = 0.0
    for x in f:
        total += (x - mean) ** 2
    return total / n
# %% L_of_omega_array
def L_of_omega_array(omega_array, prices_a, prices_b):
    values = []
    for w in omega_array:
        values.append(L_of_omega(w, prices_a, prices_b))
    return np.array(values)
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    n = len(prices_a)
    f = f_of_omega(omega, prices_a, prices_b)
    fbar = sum(f) / n
    dbar = (sum(prices_a) - sum(prices_b)) / n
    total = 0.0
    for i in range(n):
        total += 2 * (f[i] - fbar) * ((prices_a[i] - prices_b[i]) - dbar)
    return total / n
# %% dLdOmega_array
def dLdOmega_array(omega_array, prices_a, prices_b):
    return np.array([dLdOmega(w, prices_a, prices_b) for w in omega_array])
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    n = len(prices_a)
    abar, bbar = sum(prices_a) / n, sum(prices_b) / n
    num, den = 0.0, 0.0
    for i in range(n):
        ai, bi = prices_a[i] - abar, prices_b[i] - bbar
        num += bi * (bi - ai)
        den += (ai - bi) ** 2
    return num / den
