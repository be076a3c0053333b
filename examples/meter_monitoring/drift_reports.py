"""The daily evidently drift report of the card-reading pipeline (INC-2025-071 example).

Each function returns the evidently ``Report`` the monitoring job runs once a day on the
pipeline's scan log (one row per card read: ``ink_peak``, ``faint_pixels``, ``digit_read``,
``confidence``) against the first fortnight of September; the job pages metering-ml when the
report says the data drifted. closeout replays these very Reports (``monitor: {evidently:
...}``): a change to them makes the evidence stale.

- ``read_mix_report``: the report deployed with meter-digits v1 and running during the
  incident. It watches the model's output, the mix of digits read, with evidently's default
  test (Jensen-Shannon distance, 0.1). Misreads spread over several digits barely move that
  mix, so it never paged.
- ``scan_report``: the fix (action A3). It watches the scans themselves, the darkness of each
  card's strongest stroke and the number of faint specks, with PSI at 0.2, next to the read
  mix, and pages when two of the three drift (``drift_share`` 0.6): one noisy signal alone
  does not page.
"""

from __future__ import annotations

from evidently import Report
from evidently.metrics import ValueDrift
from evidently.presets import DataDriftPreset


def read_mix_report() -> Report:
    """The drift report of meter-digits v1: the mix of digits read, evidently's defaults."""
    return Report([ValueDrift(column="digit_read")], include_tests=True)


def scan_report() -> Report:
    """The drift report after INC-2025-071: the scans' ink and specks, and the read mix."""
    return Report(
        [
            DataDriftPreset(
                columns=["ink_peak", "faint_pixels", "digit_read"],
                per_column_method={"ink_peak": "psi", "faint_pixels": "psi"},
                per_column_threshold={"ink_peak": 0.2, "faint_pixels": 0.2},
                drift_share=0.6,
            )
        ],
        include_tests=True,
    )
