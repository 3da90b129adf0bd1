# kind: bug
# expect-lost: test_load_prices
# why: float32 arrays (loses digits); the visible dtype test catches it too
# %% load_prices
def load_prices(path):
    df = pd.read_csv(path)
    return df["price_a"].to_numpy(np.float32), df["price_b"].to_numpy(np.float32)
