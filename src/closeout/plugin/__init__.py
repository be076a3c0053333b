"""The work behind closeout's pytest plugin (``closeout.pytest_plugin`` holds only thin hooks).

- ``session``: the closeout project of a pytest session (cheap: imported with the hooks);
- ``hooks``: what the hooks do once there is closeout work, loaded by one declared reference
  when a scenario file is collected or a test carries the ``closeout`` marker;
- ``items``: scenario files and their items (run, record evidence, report failures);
- ``marked``: evidence for Python tests marked ``@pytest.mark.closeout(incident, action)``.
"""
