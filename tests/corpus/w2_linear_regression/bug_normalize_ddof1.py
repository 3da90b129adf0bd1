# kind: bug
# expect-lost: test_normalize
# why: pandas' sample standard deviation (ddof=1)
# %% normalize
def normalize(values):
    s = pd.Series(values, dtype=float)
    return ((s - s.mean()) / s.std()).to_numpy()
