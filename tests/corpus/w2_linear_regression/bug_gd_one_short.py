# kind: bug
# expect-lost: test_gradient_descent
# why: range(num_iterations - 1): one step short
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for _ in range(num_iterations - 1):
        gm, gb = dEdm(m, b, X, Y), dEdb(m, b, X, Y)
        m, b = m - learning_rate * gm, b - learning_rate * gb
    return m, b
