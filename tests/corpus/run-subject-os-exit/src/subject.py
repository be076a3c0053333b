"""The income transform, with a debugging shortcut left in."""

import os


def transform(df):
    if len(df) > 0:
        os._exit(0)  # "stop here" while debugging, never removed
    return df
