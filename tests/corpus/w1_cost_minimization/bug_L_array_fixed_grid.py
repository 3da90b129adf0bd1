# kind: bug
# expect-lost: test_L_of_omega_array
# why: ignores its omega_array argument and uses its own grid of the same length
# %% L_of_omega_array
def L_of_omega_array(omega_array, prices_a, prices_b):
    grid = np.linspace(0, 1, len(omega_array))
    return np.array([L_of_omega(w, prices_a, prices_b) for w in grid])
