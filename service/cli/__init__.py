"""The ``overstap`` command line (``commands``) and its terminal progress bar."""
