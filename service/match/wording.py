"""The Dutch sentences of a match answer, from the numbers (no language model).

They are read by an advisor, about a client: "de cliënt heeft …", never "u". The
percentage is said for what it is (coverage of the occupation's essential skills,
weighted by how specific each is), and a training is called a training.
"""

from models.domain import short_id_of
from ontology.queries import TrainingView
from service.catalog import display_label
from service.match.long_route import LongRoute
from service.match.profile import Profile
from service.match.scoring import Assessment, Route

Names = dict[str, dict[str, str]]  # URI → language → preferred label


def why(
    assessment: Assessment,
    route: Route,
    long_route: LongRoute,
    essential: int,
    names: Names,
    trainings: dict[str, TrainingView],
) -> str:
    """What the client brings to one occupation, what is missing, and how to learn it."""
    name, _, _ = display_label(names.get(assessment.occupation, {}), "nl")
    name = name or short_id_of(assessment.occupation)
    missing = len(assessment.missing_essential)
    percent = round(100 * assessment.essential_coverage)
    sentence = (
        f"De cliënt heeft al {essential - missing} van de {essential} essentiële "
        f"vaardigheden voor {name}; gewogen naar hoe vakspecifiek ze zijn is dat {percent}% "
        "van de kern van het beroep."
    )
    if missing == 0:
        sentence += " Er ontbreekt niets essentieels."
    elif route.steps:
        closed = missing - len(route.uncovered)
        steps = len(route.steps)
        trainings_word = "korte training" if steps == 1 else "korte trainingen"
        sentence += (
            f" Van de {missing} ontbrekende leert de cliënt er {closed} in {steps} "
            f"{trainings_word} van samen {route.total_hours} uur"
        )
        if route.uncovered:
            sentence += (
                f"; {len(route.uncovered)} leert de cliënt in de praktijk of via een mbo-opleiding"
            )
        sentence += "."
    else:
        sentence += f" Er ontbreken er {missing}; geen korte training leert die."
    if long_route.qualifications:
        first = long_route.qualifications[0].qualification
        view = trainings[first]
        title, _, _ = display_label(names.get(first, {}), "nl")
        sentence += (
            f" De mbo-opleiding {title or view.id} (niveau {view.level}, {view.leerweg}) "
            + ("leidt waarschijnlijk" if long_route.confidence == "middel" else "leidt")
            + " tot dit beroep."
        )
    points = round(100 * assessment.story_fit)
    if points >= 1:
        sentence += (
            " Het verhaal van de cliënt (ervaring en wensen) lijkt als geheel ook op de "
            f"beschrijving van dit beroep; dat telt voor {points} procentpunt mee in de "
            "overeenkomst (een grove aanwijzing uit tekstgelijkenis, geen vaardigheid)."
        )
    return sentence


def abstention(profile: Profile, min_skills: int, names: Names) -> str:
    """Why there are no matches: what was missing from the profile, in Dutch."""
    if not profile.evidence:
        message = "We hebben geen vaardigheden of eerder beroep van de cliënt herkend."
    elif profile.too_thin(min_skills):
        found = ", ".join(
            f"'{display_label(names.get(uri, {}), 'nl')[0] or uri}'"
            for uri in sorted(profile.claimed)
        )
        what = f"alleen {found}" if found else "geen vaardigheid die het duidelijk noemt"
        message = (
            "Uit het verhaal konden we te weinig halen om beroepen te vergelijken: geen "
            f"eerder beroep en {what}."
        )
    else:
        message = (
            "Wat we herkenden komt bij geen van de beroepen waartussen gezocht werd terug "
            "in hun vaardigheden (eerdere beroepen van de cliënt zelf tellen niet mee)."
        )
    unplaced = [r.given for r in profile.resolutions if r.concept is None]
    if unplaced:
        quoted = ", ".join(f"'{text}'" for text in unplaced)
        message += (
            f" Het verhaal noemt {quoted}, maar dat konden we niet met zekerheid aan een "
            "beroep koppelen."
        )
    if profile.story.wishes:
        message += " Wensen ('ik wil …') tellen niet als ervaring."
    return (
        message + " Beschrijf wat de cliënt deed (taken, gereedschap, machines, certificaten) "
        "of kies een eerder beroep uit de lijst."
    )
