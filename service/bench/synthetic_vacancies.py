"""SYNTHETIC Dutch vacancies composed from the ontology, for load and scale tests only.

No real Dutch vacancy corpus is available here, so this writes plausible ones: a title
(a Dutch label of an occupation, sometimes with "(m/v/x)" or hours), a paragraph about
an invented employer, the occupation's essential skills as tasks, requirements, an
offer and how to apply, in a province with a postcode of that province. Every id starts
with ``synth-`` and every employer ends in "(synthetisch)": these texts must never be
used to claim match quality, only to measure speed, size and memory.

``scripts/vacancy_gen.py`` writes them to a file from a checkout.
"""

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from models.vocabulary import ConceptKind
from ontology import queries
from ontology.store import Store

# Postcode areas (first two digits) per province, roughly; enough for region filters.
PROVINCE_AREAS = {
    "Groningen": (93, 95, 96, 97, 98, 99),
    "Friesland": (84, 85, 86, 87, 88, 89, 90, 91, 92),
    "Drenthe": (77, 78, 79, 94),
    "Overijssel": (74, 75, 76, 80, 81),
    "Flevoland": (13, 82, 83),
    "Gelderland": (38, 40, 41, 65, 66, 67, 68, 69, 70, 71, 72, 73),
    "Utrecht": (34, 35, 36, 37, 39),
    "Noord-Holland": (10, 11, 14, 15, 16, 17, 18, 19, 20, 21),
    "Zuid-Holland": (22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33),
    "Zeeland": (43, 44, 45),
    "Noord-Brabant": (46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58),
    "Limburg": (59, 60, 61, 62, 63, 64),
}
# Share of vacancies per province, roughly following where technical jobs are.
PROVINCE_WEIGHTS = (4, 4, 3, 8, 3, 13, 8, 17, 19, 3, 16, 7)
CITY_WORDS = ("Noord", "Zuid", "Oost", "West", "Haven", "Veld", "Dijk", "Brug", "Dam", "Berg")
SECTORS = ("installatie", "metaal", "bouw", "elektrotechnisch", "onderhouds", "productie")
ADJECTIVES = ("groeiend", "familie", "innovatief", "middelgroot", "landelijk werkend")
INTRO = (
    "{employer} is een {adjective} {sector}bedrijf in {city} met ongeveer {staff} medewerkers.",
    "Bij {employer} in {city} werken {staff} vakmensen aan projecten voor bedrijven en "
    "particulieren in de regio.",
    "Ben jij op zoek naar een nieuwe uitdaging? {employer} zoekt versterking voor het team "
    "in {city}.",
)
TASK_LINES = (
    "Als {title} ben je verantwoordelijk voor {task}.",
    "Je houdt je bezig met {task}.",
    "Tot je taken behoort {task}.",
    "Daarnaast zorg je voor {task}.",
    "- {task}",
)
REQUIREMENTS = (
    "Je hebt een afgeronde mbo-opleiding op niveau {level} of bent bereid die te halen.",
    "Je hebt minimaal {years} jaar werkervaring, of je bent zij-instromer met motivatie.",
    "Een VCA-certificaat is een pré; rijbewijs B is nodig.",
    "Je spreekt en schrijft Nederlands op niveau B1.",
)
OFFER = (
    "Wij bieden een salaris tussen {low} en {high} euro per maand, afhankelijk van "
    "ervaring, en 25 vakantiedagen.",
    "Je krijgt een contract voor {hours} uur per week, met goede opleidingsmogelijkheden.",
    "Wij bieden een bus van de zaak, reiskostenvergoeding en een goede pensioenregeling.",
)
APPLY = (
    "Solliciteer via de knop op deze pagina; wij reageren binnen vijf werkdagen.",
    "Vragen? Bel onze recruiter. Een open sollicitatie is ook welkom.",
)
SUFFIXES = ("", "", " (m/v/x)", " 32-40 uur", " - fulltime")


@dataclass(frozen=True)
class Template:
    """An occupation the generator can write vacancies for."""

    titles: list[str]
    tasks: list[str]


def templates(store: Store) -> list[Template]:
    """Occupations with Dutch labels and Dutch essential skills in the store."""
    requirements = queries.requirements(store)
    names: dict[str, list[str]] = {}
    for uri, language, _, text in store.labels_of(ConceptKind.OCCUPATION):
        if language == "nl":
            names.setdefault(uri, []).append(text)
    skills = sorted({r.skill for needs in requirements.values() for r in needs})
    skill_names = {
        uri: by_language["nl"]
        for uri, by_language in queries.preferred_labels(store, skills).items()
        if "nl" in by_language
    }
    found = []
    for uri in sorted(names):
        tasks = [
            skill_names[r.skill]
            for r in requirements.get(uri, [])
            if r.relation == "essential" and r.skill in skill_names
        ]
        if len(tasks) >= 3:
            found.append(Template(sorted(names[uri]), tasks))
    return found


def vacancies(
    found: list[Template], count: int, seed: int, today: date
) -> Iterator[dict[str, object]]:
    """``count`` synthetic vacancies as dicts in the JSONL import format."""
    rng = random.Random(seed)
    provinces = list(PROVINCE_AREAS)
    for number in range(1, count + 1):
        template = rng.choice(found)
        title = rng.choice(template.titles)
        province = rng.choices(provinces, PROVINCE_WEIGHTS)[0]
        area = rng.choice(PROVINCE_AREAS[province])
        city = f"{rng.choice(CITY_WORDS)}{rng.choice(('stad', 'dorp', 'wijk', 'meer'))}"
        employer = f"{city} {rng.choice(SECTORS).capitalize()} BV {number % 997} (synthetisch)"
        tasks = rng.sample(template.tasks, k=min(len(template.tasks), rng.randint(3, 7)))
        paragraphs = [
            rng.choice(INTRO).format(
                employer=employer,
                adjective=rng.choice(ADJECTIVES),
                sector=rng.choice(SECTORS),
                city=city,
                staff=rng.randint(8, 400),
            ),
            "\n".join(rng.choice(TASK_LINES).format(title=title, task=task) for task in tasks),
            " ".join(
                line.format(level=rng.randint(2, 4), years=rng.randint(1, 5))
                for line in rng.sample(REQUIREMENTS, k=2)
            ),
            rng.choice(OFFER).format(
                low=rng.randrange(2400, 3200, 50),
                high=rng.randrange(3300, 4600, 50),
                hours=rng.choice((32, 36, 38, 40)),
            ),
            rng.choice(APPLY),
        ]
        posted = today - timedelta(days=rng.randint(0, 60))
        yield {
            "id": f"synth-{number:07d}",
            "title": title + rng.choice(SUFFIXES),
            "text": "\n\n".join(paragraphs),
            "region": province,
            "postcode": f"{area}{rng.randint(0, 99):02d}",
            "city": city,
            "employer": employer,
            "posted": posted.isoformat(),
            "expires": (posted + timedelta(days=rng.choice((30, 60, 90)))).isoformat(),
        }
