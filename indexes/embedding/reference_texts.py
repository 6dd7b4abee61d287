"""The fixed texts a converted or exported model must reproduce before it is used.

Both the bundled model's conversion (``bundled.verify``) and the ONNX export
(``onnx.export``) hold their output against a reference on these texts, so they live
below both.
"""

# Fixed verification set: the domain's vocabulary (Dutch/English job titles and skills),
# vacancy prose, diacritics and typographic characters that exercise the normaliser, a
# long text and a one-letter text.
VERIFY_TEXTS: tuple[str, ...] = (
    "elektromonteur",
    "verpleegkundige",
    "software developer",
    "leidingen monteren",
    "gas- en waterleidingen aanleggen",
    "installatiemonteur werktuigbouw",
    "storingen verhelpen aan elektrische installaties",
    "lassen volgens tekening",
    "heftruckcertificaat",
    "VCA-VOL",
    "MBO 4 Elektrotechniek",
    "Wij zoeken een enthousiaste servicemonteur voor onze klanten in de regio Utrecht.",
    "Je bent verantwoordelijk voor het onderhoud van warmtepompen en cv-ketels.",
    "Ervaring met PLC-programmering is een pré, maar geen must.",
    "Je krijgt een leaseauto, een laptop en 27 vakantiedagen.",
    "café-eigenaar",
    "coördinator",
    "logopediste (m/v/x) – zorgcentrum ’t Hofje",
    "Straße, Øresund, Ærø, façade, naïef, één, geïnteresseerd",
    "ﬁnanciële administratie en ｆｕｌｌ－ｗｉｄｔｈ tekst",
    "niet\u00a0afbrekende\u00a0spatie\tmet tab",
    "meerdere   spaties\nen een nieuwe regel",
    "½ dag per week, 10–20 m², 5 °C",
    "a",
    "truck driver with a C/CE licence",
    "registered nurse, intensive care",
    "electrician",
    "plumber installing gas and water pipes",
    "maintain and repair industrial machinery",
    "customer service in English and German",
    "Ik heb tien jaar in de horeca gewerkt en wil nu omscholen naar de techniek.",
    (
        "Als allround elektromonteur ben je verantwoordelijk voor het aanleggen, "
        "onderhouden en repareren van elektrische installaties in woningen, kantoren en "
        "bedrijfspanden. Je leest installatietekeningen, trekt kabels, monteert "
        "groepenkasten en sluit zonnepanelen en laadpalen aan. Bij storingen zoek je "
        "zelfstandig naar de oorzaak en los je het probleem veilig en efficiënt op. Je "
        "werkt volgens de NEN 1010 en NEN 3140, houdt rekening met de wensen van de klant "
        "en rapporteert je werkzaamheden digitaal. Je bent flexibel, leergierig, hebt "
        "een rijbewijs B en vindt het prettig om zowel zelfstandig als in teamverband te "
        "werken. Ervaring met domotica of industriële besturingen is mooi meegenomen."
    ),
)
