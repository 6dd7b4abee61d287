"""Batch work on a Ray cluster (the optional ``ray`` extra): embedding the texts a
re-index needs and deriving vacancies on actors that each load the model once, while
this process (the driver) alone writes the cache, the snapshot and the store.

Ray itself is imported only when ``--ray`` / ``OVERSTAP_RAY_ADDRESS`` asks for it
(``connect._ray``, ``pool.run_on_actors``): ``connect``'s ``ClusterError`` and ``probe``
are plain Python, which the CLI always imports, so the default install and the
single-machine path never load Ray.
"""
