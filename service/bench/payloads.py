"""What ``overstap bench`` sends: realistic Dutch requests, fixed so runs compare.

The queries and titles are what advisors and job-seekers type (with the typos and
abbreviations of real input); the vacancy is 1,500 characters of ordinary Dutch vacancy
prose, boilerplate included; the story is a side-entrant's own words.
"""

from typing import Any
from urllib.parse import quote

SEARCH_QUERIES = (
    "elektromonteur",
    "monteur werktuigbouw",
    "installateur warmtepompen",
    "lasser",
    "cv monteur",
    "onderhoudsmonteur",
    "vrachtwagenchauffeur",
    "servicetechnicus",
    "procesoperator",
    "timmerman",
    "loodgieter",
    "zonnepanelen monteur",
    "storingsmonteur",
    "CNC draaier",
    "automonteur",
    "technicus koudetechniek",
    "electricien",
    "mechanic",
    "heftruckchauffeur",
    "bouwkundig tekenaar",
)

SUGGEST_PREFIXES = (
    "elektr",
    "monte",
    "lass",
    "warmtep",
    "install",
    "storin",
    "heftr",
    "vca",
    "onderh",
    "zonnep",
    "leidin",
    "plc",
    "tekening",
    "proces",
    "koudet",
)

TITLES = (
    "Monteur W",
    "electricien",
    "vrachtwagen chauffeur",
    "Allround Elektromonteur (m/v)",
    "Servicemonteur cv",
    "Onderhoudstechnicus E/I",
    "lasser MIG/MAG",
    "Installatiemonteur werktuigbouw",
    "Procesoperator B",
    "Technicus zonnepanelen",
    "Storingsmonteur",
    "heftruck chauffeur",
    "Timmerman nieuwbouw",
    "Loodgieter",
    "Magazijnmedewerker",
    "Koeltechnicus",
    "Werkvoorbereider E",
    "Meewerkend voorman installatietechniek",
    "CNC-verspaner",
    "Automonteur APK",
    "Mechatronicus",
    "Servicetechnicus warmtepompen",
    "Kok",
    "Verpleegkundige",
    "Monteur laadpalen",
)

VACANCY = (
    "Voor onze vestiging in Amersfoort zoeken wij een allround servicemonteur "
    "installatietechniek. Je onderhoudt en repareert cv-ketels, warmtepompen en "
    "ventilatiesystemen bij particulieren en bedrijven in de regio. Bij storingen zoek je "
    "zelfstandig naar de oorzaak, je leest installatietekeningen en elektrische schema's "
    "en je lost het probleem veilig en efficiënt op. Je plaatst en sluit nieuwe "
    "installaties aan, regelt ze in en legt de klant uit hoe alles werkt. Je werkt volgens "
    "de NEN 1010 en houdt je werkbon digitaal bij op de tablet.\n\n"
    "Wat vragen wij? Een afgeronde mbo-opleiding niveau 3 of 4 in de installatietechniek, "
    "elektrotechniek of werktuigbouwkunde, en bij voorkeur een paar jaar ervaring als "
    "monteur. Kennis van warmtepompen en F-gassen is een pré; het certificaat halen we "
    "anders samen. Je hebt rijbewijs B, bent klantvriendelijk en communicatief vaardig, en "
    "je vindt het prettig om zelfstandig te werken.\n\n"
    "Wat bieden wij? Een salaris tussen 2.900 en 3.800 euro bruto per maand, een "
    "bedrijfsbus met gereedschap, een laptop en telefoon, 25 vakantiedagen, een goede "
    "pensioenregeling en volop opleidingsmogelijkheden in onze eigen academie. Je komt in "
    "een hecht team van twintig collega's. Daarnaast krijg je een reiskostenvergoeding en "
    "een fiets van de zaak, in een bedrijf dat duurzaamheid hoog in het vaandel heeft.\n\n"
    "Interesse? Solliciteer via de knop op deze pagina of bel voor meer informatie met "
    "onze recruiter. Acquisitie naar aanleiding van deze vacature wordt niet op prijs "
    "gesteld."
)

STORY = (
    "Ik heb twaalf jaar als vrachtwagenchauffeur gewerkt, internationaal en in de regio. "
    "Kleine reparaties aan de truck deed ik zelf: banden wisselen, lampen vervangen, "
    "storingen aan de remmen en de elektrische installatie opsporen. Ik plande mijn eigen "
    "ritten en had contact met klanten bij het laden en lossen. Ik heb mijn rijbewijs C/E, "
    "code 95 en een heftruckcertificaat. Nu wil ik niet meer de hele week op de weg "
    "zitten en zoek ik technisch werk met mijn handen, het liefst met motoren."
)


def endpoint_requests() -> dict[str, list[dict[str, Any]]]:
    """Per benchmarked endpoint, the requests the load driver cycles through."""
    return {
        "search": [
            {"method": "GET", "path": f"/v1/occupations/search?q={quote(q)}&limit=10"}
            for q in SEARCH_QUERIES
        ],
        "suggest": [
            {"method": "GET", "path": f"/v1/suggest?q={quote(p)}&limit=10"}
            for p in SUGGEST_PREFIXES
        ],
        "normalize": [
            {
                "method": "POST",
                "path": "/v1/job-titles/normalize",
                "body": {"titles": [TITLES[(i + j) % len(TITLES)] for j in range(50)]},
            }
            for i in range(5)
        ],
        "extract": [{"method": "POST", "path": "/v1/skills/extract", "body": {"text": VACANCY}}],
        "match": [{"method": "POST", "path": "/v1/match", "body": {"text": STORY}}],
    }
