# kind: bug
# expect-lost: test_gradient_descent
# why: updates m, then computes b's gradient at the new m (sequential, not simultaneous)
# expect-message: test_gradient_descent: cause: b updated with the new m (not a simultaneous update)
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for _ in range(num_iterations):
        m = m - learning_rate * dEdm(m, b, X, Y)
        b = b - learning_rate * dEdb(m, b, X, Y)
    return m, b
