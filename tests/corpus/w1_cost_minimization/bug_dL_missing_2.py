# kind: bug
# expect-lost: test_dLdOmega
# why: the chain rule's factor 2 forgotten
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    d = prices_a - prices_b
    f = prices_b + omega * d
    return float(np.mean((f - np.mean(f)) * (d - np.mean(d))))
