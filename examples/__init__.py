"""Example model code called by the bundled scenarios."""
