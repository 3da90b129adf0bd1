# kind: bug
# expect-lost: test_dLdOmega_array
# why: evaluates the derivative at a fixed omega for every entry
# %% dLdOmega_array
def dLdOmega_array(omega_array, prices_a, prices_b):
    return np.full(len(omega_array), dLdOmega(0.5, prices_a, prices_b))
