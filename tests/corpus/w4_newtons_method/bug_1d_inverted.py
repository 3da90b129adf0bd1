# kind: bug
# expect-lost: test_newtons_method_1d
# why: the ratio upside down, f''/f'
# %% newtons_method_1d
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    x = x0
    for _ in range(num_iterations):
        x = x - d2fdx2(x) / dfdx(x)
    return x
