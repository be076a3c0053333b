"""``python -m closeout.cli`` is the ``closeout`` command."""

from __future__ import annotations

from closeout.cli.app import main

raise SystemExit(main())
