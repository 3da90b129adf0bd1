# kind: bug
# expect-lost: test_dLdOmega
# why: differentiates mean(f^2) instead of the variance (the mean of f is not subtracted)
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    f = f_of_omega(omega, prices_a, prices_b)
    return float(2 * np.mean(f * (prices_a - prices_b)))
