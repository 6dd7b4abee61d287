"""A store with the embedded default, its first index snapshot and its derived vacancies,
made once per test run (``default_seed`` in ``tests/conftest.py``) and copied into the
folder of each API suite that only needs "a server on the default": its app then starts
from an existing snapshot in seconds instead of loading, embedding and deriving it all
again (about 40 s per suite on a 2-core machine). The first start itself is tested on
empty folders (``tests/service/api/test_app.py``, the first-start log in
``test_metrics.py``); the PostgreSQL variants always start empty."""

import shutil
from pathlib import Path

from sqlalchemy.engine import make_url

SEED_DB = "store.db"


def seed_url(seed: Path) -> str:
    """The seed's own SQLite URL."""
    return f"sqlite:///{seed / SEED_DB}"


def seed_into(seed: Path, data_dir: Path, database_url: str) -> None:
    """Copy the seed's data folder to ``data_dir`` and its store to ``database_url``'s
    file; nothing for a database that is not SQLite (that variant starts empty)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database:
        return
    shutil.copytree(seed / "var", data_dir)
    target = Path(url.database)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):
        source = seed / f"{SEED_DB}{suffix}"
        if source.exists():
            shutil.copyfile(source, target.with_name(target.name + suffix))
