"""``python -m closeout`` is the ``closeout`` command."""

from __future__ import annotations

from closeout.cli import main

raise SystemExit(main())
