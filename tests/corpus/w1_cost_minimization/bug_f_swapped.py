# kind: bug
# expect-lost: test_f_of_omega
# why: omega applied to supplier B; L_of_omega and dLdOmega built on this f are right given it and keep their points
# %% f_of_omega
def f_of_omega(omega, prices_a, prices_b):
    return omega * prices_b + (1 - omega) * prices_a
# %% dLdOmega
def dLdOmega(omega, prices_a, prices_b):
    f = f_of_omega(omega, prices_a, prices_b)
    df = f_of_omega(1.0, prices_a, prices_b) - f_of_omega(0.0, prices_a, prices_b)
    return float(2 * np.mean((f - f.mean()) * (df - df.mean())))
