"""One-off tools run from a checkout (``python -m scripts.NAME``); nothing imports them
and they are not shipped."""
