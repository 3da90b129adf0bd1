# kind: bug
# expect-lost: test_load_prices
# why: returns pandas Series and the columns in the wrong order
# %% load_prices
def load_prices(path):
    df = pd.read_csv(path)
    return df["price_b"], df["price_a"]
