# The corpus holds deliberately broken closeout projects; they are inputs of
# tests/functional/test_bad_inputs.py, never tests to collect themselves.
collect_ignore_glob = ["*"]
