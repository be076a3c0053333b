"""What two or more kinds share: data files, timestamps, SVG. Imports no kind."""
