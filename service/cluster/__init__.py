"""Batch work on a Ray cluster (the optional ``ray`` extra): embedding the texts a
re-index needs and deriving vacancies on actors that each load the model once, while
this process (the driver) alone writes the cache, the snapshot and the store.

Nothing here is imported unless ``--ray`` / ``OVERSTAP_RAY_ADDRESS`` asks for it, so the
default install and the single-machine path never load Ray.
"""
