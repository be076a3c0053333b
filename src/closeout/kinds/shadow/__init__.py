"""The ``shadow`` kind: ``kind.py`` is the entry, ``spec.py`` the YAML model, ``run.py`` the run."""
