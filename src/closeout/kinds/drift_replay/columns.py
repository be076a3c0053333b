"""Which columns a replay watches, and that every source has them, of one kind.

Works on any ``Source``: a file read whole answers from its data, a dataset or query from its
schema (and an all-empty column of a streamed source is found after its windows are read:
``check_values``). Every problem is a ``DataError`` naming the source and the column.
"""

from __future__ import annotations

from closeout.errors import DataError
from closeout.kinds.drift_replay.data import KIND_WORDS, ColumnKind
from closeout.kinds.drift_replay.source import Source
from closeout.models import suggest


def monitored_columns(
    requested: list[str] | None, reference: Source, current: Source, timestamp: str
) -> tuple[list[str], list[str]]:
    """The columns to watch and, by default, the shared columns left out (datetimes)."""
    if requested is not None:
        return list(dict.fromkeys(requested)), []
    theirs = set(current.names())
    shared = [c for c in reference.names() if c in theirs and c != timestamp]
    watched = [c for c in shared if reference.kind(c) is not None]
    left_out = [c for c in shared if c not in watched]
    if not watched:
        raise DataError(
            f"{reference.display} and {current.display} share no column a drift test can "
            f"watch (besides the timestamp '{timestamp}'); list monitor.columns"
        )
    return watched, left_out


def check_column(column: str, sources: list[Source]) -> ColumnKind:
    """The column's kind; a DataError when it is missing, empty or changes type."""
    for source in sources:
        names = source.names()
        if column not in names:
            raise DataError(
                f"{source.display}: monitored column '{column}' is missing from this "
                f"{source.role} {source.noun}{suggest(column, names)}; columns are: "
                f"{', '.join(names)}"
            )
        if source.empty(column):
            no_values(source, column)
    kinds = [(source, source.kind(column)) for source in sources]
    reference_kind = kinds[0][1]
    if reference_kind is None:
        raise DataError(
            f"{sources[0].display}: column '{column}' holds dates or durations; drift tests "
            "take numeric or categorical columns"
        )
    for source, kind in kinds[1:]:
        if kind != reference_kind:
            raise DataError(
                f"{source.display}: column '{column}' is {_kind_word(kind)} here but "
                f"{_kind_word(reference_kind)} in {sources[0].display} (did its type or unit "
                "change upstream?)"
            )
    return reference_kind


def no_values(source: Source, column: str) -> None:
    """The DataError for a column whose every cell is empty."""
    raise DataError(
        f"{source.display}: column '{column}' has no values (every cell is empty) in "
        f"this {source.role} {source.noun}"
    )


def _kind_word(kind: ColumnKind | None) -> str:
    return KIND_WORDS[kind] if kind is not None else "dates or durations"
