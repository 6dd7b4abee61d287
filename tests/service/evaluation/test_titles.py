"""Vacancy-title normalisation on the JobBERT set: the reader, the metrics, and the
CLI on the embedded default (service and character TF-IDF in one run)."""

import csv
import gzip
import io
import json
from pathlib import Path

import pytest

from service.evaluation.titles import TitlesError, _metrics, load_titles
from tests.support.cli import Cli

ESCO = "http://data.europa.eu/esco/occupation/"
ROWS = [
    ("Lasser (m/v)", ESCO + "7aedaa07-3884-4c5b-88f9-80997b2aa54b"),  # lasser
    ("Automonteur fulltime", ESCO + "4ad4024e-d1d3-4dea-b6d1-2c7948111dce"),  # automonteur
    ('Loodgieter, "sanitair"', ESCO + "ed3cf43d-c2c1-4c46-82fc-1375e27e0290"),  # loodgieter
    ("Astronaut", ESCO + "00000000-0000-0000-0000-000000000000"),  # not in the ontology
]


def _write(folder: Path, name: str, rows: list[tuple[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["", "vacancyTitle", "conceptUri"])
    writer.writerows([i, t, u] for i, (t, u) in enumerate(rows))  # quotes a title's comma
    (folder / name).write_bytes(gzip.compress(buffer.getvalue().encode()))


def test_reader_takes_plain_or_gzipped_files_and_says_what_is_wrong(tmp_path: Path) -> None:
    _write(tmp_path, "titles.test.csv.gz", ROWS)
    assert load_titles(tmp_path, "test") == ROWS
    with pytest.raises(TitlesError, match=r"no titles\.csv"):
        load_titles(tmp_path, "dev")
    with pytest.raises(TitlesError, match="unknown split"):
        load_titles(tmp_path, "train")
    (tmp_path / "titles.csv").write_text("title,uri\na,b\n", encoding="utf-8")
    with pytest.raises(TitlesError, match="vacancyTitle and conceptUri"):
        load_titles(tmp_path, "dev")


def test_metrics_from_ranks() -> None:
    result = _metrics([1, 2, None, 10])
    assert result["mrr"] == pytest.approx((1 + 1 / 2 + 0 + 1 / 10) / 4, abs=1e-4)
    assert result["success_1"] == 0.25 and result["success_5"] == 0.5
    assert result["success_10"] == 0.75


# An evaluation, not a store test: SQLite only (the store's suites cover PostgreSQL).
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.slow
def test_cli_compares_the_service_with_char_tfidf_in_one_run(cli: Cli, tmp_path: Path) -> None:
    assert cli("import", "default").exit_code == 0
    assert cli("reindex").exit_code == 0
    _write(tmp_path, "titles.csv.gz", ROWS)
    result = cli("evaluate", "titles", "--data", str(tmp_path), "--all-languages")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert (report["titles"], report["scored"], report["unknown_occupation"]) == (4, 3, 1)
    # Exact Dutch labels after cleaning: both systems put them first.
    assert report["service"]["success_1"] == 1.0 and report["char_tfidf"]["success_1"] == 1.0
    assert report["mrr_over_char_tfidf"] == pytest.approx(0.0)
    missing = cli("evaluate", "titles", "--data", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
