"""The drift reports the metering team deploys with evidently (INC-2025-071 example)."""
