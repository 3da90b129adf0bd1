# kind: correct
# expect-lost:
# why: an explicit 2x2 inverse with plain floats; gradient_f and newtons_method_2d return lists, factored formulas
# %% gradient_f
def gradient_f(x, y):
    return [x * (4 * x**2 + 8 - 0.4 * y) - y, y * (3.2 * y**2 + 4) - x * (1 + 0.2 * x)]
# %% newtons_method_2d
def newtons_method_2d(grad, hessian, x0, num_iterations=25):
    x, y = float(x0[0]), float(x0[1])
    for _ in range(num_iterations):
        gx, gy = grad(x, y)
        (a, b), (c, d) = hessian(x, y)
        det = a * d - b * c
        x, y = x - (d * gx - b * gy) / det, y - (-c * gx + a * gy) / det
    return [x, y]
