# kind: bug
# expect-lost: test_L_of_omega test_L_of_omega_array
# why: returns the squared deviations (an array) instead of their mean; the array version built on it fails too
# %% L_of_omega
def L_of_omega(omega, prices_a, prices_b):
    f = f_of_omega(omega, prices_a, prices_b)
    return (f - f.mean()) ** 2
