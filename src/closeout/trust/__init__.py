"""The one trust decision: which evidence records count, for every command.

``status``, ``close``, ``gate``, ``recur``, ``metrics`` and ``report`` see exactly the records
``verify`` accepts. A record counts when its file is a regular file that is exactly the
canonical rendering of its content, its sha256 is its content's, it fits its model, it is
stored in the folder of the incident it names under the name its time and id give, no other
file already holds the same record, it is not dated after the time of reading (beyond
``SKEW``), it carries a valid signature from a trusted key where signing is required (or a
trusted ``reseal`` record attests it), and, for a closure or a recurrence, the runs it rests
on count too.

- ``files``: listing an evidence folder without following links or opening FIFOs.
- ``judge``: what one file is, on its own (``FileFacts``).
- ``index``: ``.index.json``, a cache of ``FileFacts`` authenticated with a key kept
  outside the project, so a forged or stale cache is detected and rebuilt.
- ``ledger``: the decision over an incident's files, the findings, and the heads.
- ``read``: reading an incident's evidence through the index.
"""

from __future__ import annotations
