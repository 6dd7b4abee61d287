"""Reading CSV and JSON Lines files: exact error positions and tolerated quirks."""

import gzip
from pathlib import Path

import pytest

from ontology.errors import SourceError
from ontology.importers.sources import read_csv, split_multi
from ontology.importers.versions import detect_version, resolve_version, version_key


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_multiline_fields_keep_the_line_where_the_record_starts(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", 'id,labels\n1,"x\ny\nz"\n2,w\n')
    table = read_csv(path, ("id",))
    assert [row.line for row in table.rows] == [2, 5]
    assert split_multi(table.rows[0].get("labels"), "\n") == ["x", "y", "z"]


def test_gzip_and_utf8_bom_are_read(tmp_path: Path) -> None:
    path = tmp_path / "a.csv.gz"
    path.write_bytes(gzip.compress("\ufeffid,name\n1,café\n".encode()))
    table = read_csv(path, ("id", "name"))
    assert table.rows[0].get("name") == "café"


def test_wrong_encoding_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("id,name\n1,ok\n2,caf\u00e9\n".encode("latin-1"))
    with pytest.raises(SourceError) as caught:
        read_csv(path, ("id",))
    assert (caught.value.line, caught.value.column) == (3, 6)
    assert "UTF-8" in caught.value.message


def test_missing_required_column_is_named(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "id,label\n1,x\n")
    with pytest.raises(SourceError) as caught:
        read_csv(path, ("id", "preferredLabel"))
    assert caught.value.line == 1
    assert caught.value.column_name == "preferredLabel"


def test_row_with_too_many_fields_is_malformed(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "id,label\n1,x\n2,y,extra\n")
    with pytest.raises(SourceError) as caught:
        read_csv(path, ("id",))
    assert (caught.value.line, caught.value.column) == (3, 3)


def test_short_rows_are_padded_like_esco_exports(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", "id,label,code\n1,x\n")
    row = read_csv(path, ("id",)).rows[0]
    assert row.get("code") == ""
    with pytest.raises(SourceError) as caught:
        row.require("code")
    assert (caught.value.line, caught.value.column) == (2, 3)


def test_unterminated_quote_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path / "a.csv", 'id,label\n1,"x\n')
    with pytest.raises(SourceError) as caught:
        read_csv(path, ("id",))
    assert caught.value.line == 2


def test_versions_are_read_from_names_and_ordered() -> None:
    assert detect_version(Path("esco-v1.1.1-en")) == "1.1.1"
    assert detect_version(Path("esco-v1.1-nl-collections")) == "1.1"
    assert detect_version(Path("kwalificaties_hks_2015-2016.csv")) == "2015-2016"
    assert detect_version(Path("competentnl-extract")) is None
    assert version_key("1.1") < version_key("1.1.1") < version_key("1.2.0")
    with pytest.raises(SourceError, match="--version"):
        resolve_version(Path("competentnl-extract"), None)
