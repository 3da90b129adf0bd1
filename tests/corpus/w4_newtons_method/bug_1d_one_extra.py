# kind: bug
# expect-lost: test_newtons_method_1d
# why: range(num_iterations + 1): one step too many
# %% newtons_method_1d
def newtons_method_1d(dfdx, d2fdx2, x0, num_iterations=25):
    x = x0
    for _ in range(num_iterations + 1):
        x = x - dfdx(x) / d2fdx2(x)
    return x
