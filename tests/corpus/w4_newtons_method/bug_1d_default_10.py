# kind: bug
# expect-lost: test_newtons_method_1d
# why: the default num_iterations is 10, not 25 as the spec says
# %% newtons_method_1d
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=10):
    x = x0
    for _ in range(num_iterations):
        x = x - dfdx(x) / d2fdx2(x)
    return x
