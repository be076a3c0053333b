"""The ``synthetic`` kind: ``kind`` is the entry, ``spec`` and ``columns`` the YAML model."""
