"""Write SYNTHETIC Dutch vacancies from the store's ontology to a JSON Lines file, for
load and scale tests only (``service.bench.synthetic_vacancies`` composes them).

    python -m scripts.vacancy_gen --count 100000 --out var/synthetic.jsonl
"""

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from ontology.store import Store
from service.bench.synthetic_vacancies import templates, vacancies
from service.settings import Settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    args = parser.parse_args(argv)
    settings = Settings()
    store = Store(settings.resolved_database_url, settings.db_upgrade)
    try:
        found = templates(store)
    finally:
        store.close()
    if not found:
        print("error: the store holds no occupation with Dutch labels and skills", file=sys.stderr)
        return 2
    with args.out.open("w", encoding="utf-8") as handle:
        for item in vacancies(found, args.count, args.seed, date.today()):
            handle.write(json.dumps(item, ensure_ascii=False) + "\n")
    print(f"wrote {args.count:,} SYNTHETIC vacancies from {len(found)} occupations to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
