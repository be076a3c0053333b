"""The income transform, waiting for an exchange-rate service that never answers."""

import time


def transform(df):
    while True:
        time.sleep(1)
