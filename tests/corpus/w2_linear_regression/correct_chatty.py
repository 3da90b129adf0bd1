# kind: correct
# expect-lost:
# why: prints progress, warns on stderr, overflows harmlessly (RuntimeWarning) on a diverging run
# %% gradient_descent
def gradient_descent(dEdm, dEdb, m, b, X, Y, learning_rate=0.001, num_iterations=1000):
    import sys, warnings
    if learning_rate > 1:
        warnings.warn("large learning rate: the descent may diverge")
    for i in range(num_iterations):
        gm = dEdm(m, b, X, Y)
        gb = dEdb(m, b, X, Y)
        m = m - learning_rate * gm
        b = b - learning_rate * gb
        if i % 250 == 0:
            print(f"iteration {i}: m={m:.4f} b={b:.4f}")
            print("progress", i, file=sys.stderr)
    np.exp(np.array([1000.0]))  # RuntimeWarning: overflow, on stderr
    return m, b
