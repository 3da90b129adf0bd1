# kind: bug
# expect-lost: test_optimal_omega
# why: sign slip when solving dL/domega = 0
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    d = prices_a - prices_b
    d_c = d - np.mean(d)
    b_c = prices_b - np.mean(prices_b)
    return float(np.mean(b_c * d_c) / np.mean(d_c**2))
