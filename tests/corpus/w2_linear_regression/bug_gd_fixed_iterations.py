# kind: bug
# expect-lost: test_gradient_descent
# why: ignores num_iterations and always runs 1000 steps
# expect-message: test_gradient_descent: cause: ignores its num_iterations argument
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for _ in range(1000):
        gm, gb = dEdm(m, b, X, Y), dEdb(m, b, X, Y)
        m, b = m - learning_rate * gm, b - learning_rate * gb
    return m, b
