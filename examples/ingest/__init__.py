"""lab-ingest: the pipeline that turns lab partners' result batches into model features.

Example code for incident INC-2025-058 (scenarios/INC-2025-058). Each module keeps the
original function (``*_v1``, as it ran on 16 September 2025) beside the fixed one, so the
scenarios can replay the incident against both.
"""
