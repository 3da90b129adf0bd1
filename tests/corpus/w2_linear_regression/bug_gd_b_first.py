# kind: bug
# expect-lost: test_gradient_descent
# why: updates b first, then computes m's gradient with the new b
# expect-message: test_gradient_descent: cause: m updated with the new b (not a simultaneous update)
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for _ in range(num_iterations):
        b = b - learning_rate * dEdb(m, b, X, Y)
        m = m - learning_rate * dEdm(m, b, X, Y)
    return m, b
