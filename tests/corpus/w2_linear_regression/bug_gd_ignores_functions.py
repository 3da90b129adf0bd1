# kind: bug
# expect-lost: test_gradient_descent
# why: renames the parameters and calls the global dEdm and dEdb instead of the functions passed in
# %% gradient_descent
def gradient_descent(grad_m, grad_b, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    for _ in range(num_iterations):
        gm, gb = dEdm(m, b, X, Y), dEdb(m, b, X, Y)
        m, b = m - learning_rate * gm, b - learning_rate * gb
    return m, b
