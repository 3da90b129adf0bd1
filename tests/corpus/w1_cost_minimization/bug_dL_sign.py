# kind: bug
# expect-lost: test_dLdOmega
# why: the derivative has the wrong sign; dLdOmega_array loops over it and keeps its point
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(-2 * np.mean((f - np.mean(f)) * (d - np.mean(d))))
