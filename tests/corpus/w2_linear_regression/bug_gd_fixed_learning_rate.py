# kind: bug
# expect-lost: test_gradient_descent
# why: the learning rate written into the update (0.001, the default) instead of the argument
# expect-message: test_gradient_descent: gradient_descent, 1 iteration: your (m, b) is what learning_rate=0.001 (the default) gives, not learning_rate=0.1.
# expect-message: test_gradient_descent: cause: ignores its learning_rate argument
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for i in range(num_iterations):
        step_m = dEdm(m, b, X, Y)
        step_b = dEdb(m, b, X, Y)
        m = m - 0.001 * step_m
        b = b - 0.001 * step_b
    return m, b
