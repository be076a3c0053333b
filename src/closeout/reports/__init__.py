"""Reports (SPEC §8, §9): the postmortem with its evidence, the archive, metrics and search.

Pure functions from models and records to Markdown, HTML, metrics and a search index, plus
the one place that reads the project for them (``collect``) and writes them (``build``):

- ``build.build_reports``: ``reports/<INC>/postmortem.md``, ``reports/<INC>/index.html``,
  ``reports/index.html`` and the search index ``reports/.search-index.json``;
- ``metrics.compute``: SPEC §9 over ``facts.IncidentFact`` values;
- ``search.search`` over ``search_cache.load_index``: ranked search, no pydantic imported.

Modules are imported by their users, not here, so ``closeout search`` stays light.
"""
