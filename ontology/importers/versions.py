"""Telling and ordering taxonomy versions ("1.1.1" < "1.2.0", "2015-2016")."""

import re
from pathlib import Path

from ontology.errors import SourceError

_SEMVER = re.compile(r"(?:^|[-_ ])v(\d+(?:\.\d+)*)(?=$|[-_ ])", re.IGNORECASE)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d(?:-(?:19|20)\d\d)?)(?!\d)")


def detect_version(path: Path) -> str | None:
    """The version a folder or file name carries (``esco-v1.1.1-en`` → ``1.1.1``,
    ``kwalificaties_hks_2015-2016.csv`` → ``2015-2016``), or None."""
    name = path.resolve().name
    if match := _SEMVER.search(name):
        return match.group(1)
    if match := _YEAR.search(name):
        return match.group(1)
    return None


def resolve_version(path: Path, explicit: str | None) -> str:
    """The explicit version, else the one in the name; a clear error when neither exists."""
    if explicit:
        return explicit
    detected = detect_version(path)
    if detected is None:
        raise SourceError(
            path, 0, 0, "cannot tell which version this is from its name; pass --version"
        )
    return detected


def version_key(version: str) -> tuple[int, ...]:
    """A sort key: the numbers in a version string, in order."""
    return tuple(int(n) for n in re.findall(r"\d+", version))
