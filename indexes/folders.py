"""File checksums and the atomic swap of a finished folder, shared by everything in
this layer that writes a folder other processes may be reading (snapshots, the
converted bundled model, tuned models)."""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks (model weights are ~470 MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def replace_folder(temporary: Path, final: Path) -> None:
    """Put ``temporary`` at ``final``; an existing ``final`` is first moved aside (a
    directory cannot be replaced by ``os.replace`` when it is not empty) and removed
    after the swap, so ``final`` is never half old, half new."""
    if not final.exists():
        os.replace(temporary, final)
        return
    trash = Path(tempfile.mkdtemp(dir=final.parent, prefix=f".{final.name}.tmp-old-"))
    os.replace(final, trash / "old")
    os.replace(temporary, final)
    shutil.rmtree(trash, ignore_errors=True)
