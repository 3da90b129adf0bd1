# kind: bug
# expect-lost: test_L_of_omega
# why: sample variance (ddof=1, pandas' default) instead of the population variance; L_of_omega_array reuses it and keeps its point
# %% L_of_omega
def L_of_omega(omega, prices_a, prices_b):
    return pd.Series(f_of_omega(omega, prices_a, prices_b)).var()
