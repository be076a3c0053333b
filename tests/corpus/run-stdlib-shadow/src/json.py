"""Project helpers for JSON-shaped income data (named like the standard library's module)."""


def normalize(df):
    df["income"] = df["income"] / 100
    return df
