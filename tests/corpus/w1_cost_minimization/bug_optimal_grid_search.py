# kind: bug
# expect-lost: test_optimal_omega
# why: a grid search over [0, 1] with step 0.01 instead of the exact minimiser
# %% optimal_omega
def optimal_omega(prices_a, prices_b):
    grid = np.linspace(0, 1, 101)
    return float(grid[np.argmin(L_of_omega_array(grid, prices_a, prices_b))])
