"""Judging ``shadow`` expectations: absolute bounds on point estimates, intervals on differences.

SPEC §4.2, on the *improvement* of the candidate over the baseline (candidate - baseline, or
baseline - candidate for metrics where lower is better) and its two-sided interval [lo, hi]:

- ``non_inferior: {margin}``: pass when lo > -margin, fail when hi < -margin, else inconclusive;
- ``better_than_baseline: {by}``: pass when lo > by, fail when hi < by, else inconclusive;
- ``at_least`` / ``at_most``: the candidate's point estimate, inclusively.
"""

from __future__ import annotations

from dataclasses import dataclass

from closeout.kinds.shadow.spec import LOWER_IS_BETTER, ShadowExpectation
from closeout.models import Outcome, OutcomeName


@dataclass(frozen=True)
class Estimate:
    """What an expectation on one metric and slice is judged on."""

    metric: str
    slice_key: str
    rows: int
    candidate: float
    # None means "not defined", never a stand-in for NaN: agreement has no baseline (it is a
    # comparison in itself), and an expectation without a comparison has no interval.
    baseline: float | None
    low: float | None = None  # interval of the improvement
    high: float | None = None
    confidence: float = 0.95
    resamples: int = 0
    undefined: int = 0

    @property
    def improvement(self) -> float | None:
        """candidate - baseline, sign-flipped where lower is better."""
        if self.baseline is None:
            return None
        delta = self.candidate - self.baseline
        return -delta if self.metric in LOWER_IS_BETTER else delta


def _signed(value: float) -> str:
    return f"{value:+.4f}"


def _label(expectation: ShadowExpectation) -> str:
    key = expectation.slice_key()
    return expectation.metric if key == "all" else f"{expectation.metric} [{key}]"


def judge(expectation: ShadowExpectation, estimate: Estimate) -> list[Outcome]:
    """One outcome per comparison the expectation names, in a fixed order."""
    outcomes: list[Outcome] = []
    label = _label(expectation)
    if expectation.at_least is not None:
        outcomes.append(_bound(label, "at_least", expectation.at_least, estimate))
    if expectation.at_most is not None:
        outcomes.append(_bound(label, "at_most", expectation.at_most, estimate))
    if expectation.non_inferior is not None:
        margin = expectation.non_inferior.margin
        outcomes.append(_interval(label, "non_inferior", -margin, f"margin {margin:g}", estimate))
    if expectation.better_than_baseline is not None:
        by = expectation.better_than_baseline.by
        outcomes.append(_interval(label, "better_than_baseline", by, f"by {by:g}", estimate))
    return outcomes


def _bound(label: str, rule: str, target: float, estimate: Estimate) -> Outcome:
    value = estimate.candidate
    ok = value >= target if rule == "at_least" else value <= target
    baseline = (
        f"; baseline {estimate.baseline:.4f}" if estimate.baseline is not None else " (vs baseline)"
    )
    return Outcome(
        name=f"{label} {rule}",
        outcome="pass" if ok else "fail",
        observed=f"{value:.4f}",
        target=f"{'>=' if rule == 'at_least' else '<='} {target:g}",
        detail=f"candidate {value:.4f} on {estimate.rows} rows{baseline}",
    )


def interval_outcome(low: float, high: float, bound: float) -> OutcomeName:
    """pass when the whole interval is above ``bound``, fail when below, else inconclusive."""
    if low > bound:
        return "pass"
    if high < bound:
        return "fail"
    return "inconclusive"


def _interval(label: str, rule: str, bound: float, shown: str, estimate: Estimate) -> Outcome:
    low, high, gain = estimate.low, estimate.high, estimate.improvement
    assert low is not None
    assert high is not None
    assert gain is not None
    assert estimate.baseline is not None
    outcome = interval_outcome(low, high, bound)
    direction = (
        "baseline - candidate (lower is better)"
        if estimate.metric in LOWER_IS_BETTER
        else "candidate - baseline"
    )
    why = {
        "pass": f"lower bound {_signed(low)} > {_signed(bound)}",
        "fail": f"upper bound {_signed(high)} < {_signed(bound)}",
        "inconclusive": f"the interval straddles {_signed(bound)}: the data cannot decide",
    }[outcome]
    undefined = (
        f"; {estimate.undefined} resamples where {estimate.metric} is undefined were left out"
        if estimate.undefined
        else ""
    )
    return Outcome(
        name=f"{label} {rule} ({shown})",
        outcome=outcome,
        observed=f"{_signed(gain)} [{_signed(low)}, {_signed(high)}]",
        target=f"improvement > {_signed(bound)}",
        detail=(
            f"{why}. Improvement = {direction}: candidate {estimate.candidate:.4f}, baseline "
            f"{estimate.baseline:.4f} on {estimate.rows} rows; "
            f"{_percent(estimate.confidence)} paired bootstrap percentile interval, "
            f"{estimate.resamples} resamples{undefined}"
        ),
    )


def _percent(confidence: float) -> str:
    text = f"{confidence * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text}%"
