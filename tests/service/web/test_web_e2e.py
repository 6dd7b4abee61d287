"""The advisor page (``service/web``) end to end: a real ``overstap serve`` on the
embedded default, driven in Debian's headless Chromium through Python playwright.

Covers: the API documentation (/docs) rendering with no request leaving the
machine; a suggestion picked by keyboard becomes a chip; a story gives matches; a
matched skill's evidence highlights exactly ``text[start:end]``; keyboard-only use;
the story never reaches the URL, storage or a GET request; shareable URL state and
the detail views; problem+json errors in Dutch; 360 px without horizontal scrolling;
the print stylesheet. Screenshots are saved to ``OVERSTAP_TEST_ARTIFACTS`` (or the
test's tmp folder) and their paths printed.
"""

import http.client
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from service.bench.server import ServerProcess
from tests.support.seed import seed_into

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} missing: install Debian's browser with `apt-get install -y chromium`",
        allow_module_level=True,
    )
try:
    from playwright.sync_api import (
        BrowserContext,
        Locator,
        Page,
        Playwright,
        expect,
        sync_playwright,
    )
except ImportError:
    pytest.skip(
        "python playwright missing: `pip install playwright` (its wheel carries the driver; "
        "the browser is Debian's chromium, so never `playwright install`)",
        allow_module_level=True,
    )

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
KOK = (
    "Ik heb twaalf jaar als kok gewerkt. Ik repareer in mijn vrije tijd fietsen en brommers "
    "en ik heb thuis de elektra in de schuur aangelegd."
)
CHAUFFEUR = (
    "Ik heb acht jaar als vrachtwagenchauffeur gewerkt. Thuis heb ik de cv-ketel leren "
    "ontluchten en samen met mijn zwager de groepenkast vervangen."
)
WAIT_MS = 60_000  # a match on a busy 2-core machine can take seconds


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, default_seed: Path) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("web-server")
    seed_into(default_seed, folder / "var", f"sqlite:///{folder / 'store.db'}")
    env = {
        "OVERSTAP_DATA_DIR": str(folder / "var"),
        "OVERSTAP_DATABASE_URL": f"sqlite:///{folder / 'store.db'}",
        "OVERSTAP_READ_REQUIRES_KEY": "false",  # the page sends no API key
    }
    with ServerProcess(env, folder / "server.log", timeout=600) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Debian's Chromium with a fresh profile: no cache, history or storage carried over."""
    profile = tmp_path_factory.mktemp("chromium-profile")
    driver: Playwright = sync_playwright().start()
    try:
        context = driver.chromium.launch_persistent_context(
            str(profile),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            locale="nl-NL",
            viewport={"width": 1280, "height": 900},
        )
        context.set_default_timeout(WAIT_MS)
        yield context
        context.close()
    finally:
        driver.stop()


@pytest.fixture
def page(browser: BrowserContext, server: ServerProcess) -> Iterator[Page]:
    """A new tab; fails the test on any uncaught script error."""
    opened = browser.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    opened.close()
    assert not errors, f"script errors on the page: {errors}"


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("OVERSTAP_TEST_ARTIFACTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def api(server: ServerProcess, path: str) -> Any:
    """GET a JSON answer straight from the API: what the page must agree with."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        assert response.status == 200, (path, response.status)
        return json.loads(response.read())
    finally:
        connection.close()


def open_page(page: Page, server: ServerProcess, suffix: str = "") -> None:
    page.goto(f"{server.base}/{suffix}")
    page.wait_for_load_state("networkidle")


def run_match(page: Page, story: str) -> dict[str, Any]:
    """Paste the story, press "Zoek overstap", wait for the cards; the API's answer."""
    page.fill("#verhaal", story)
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        page.click("#zoek-overstap")
    answer: dict[str, Any] = response.value.json()
    page.wait_for_selector("#matches > li.match")
    return answer


def save_screenshot(page: Page, path: Path) -> None:
    page.screenshot(path=str(path))
    print(f"screenshot: {path}")
    assert path.stat().st_size > 10_000  # a page, not a blank


def skill_button(page: Page, occupation: str, skill: str) -> Locator:
    """The button of a matched skill in one occupation's card (unfolding the card when
    it starts folded: cards after the first three do)."""
    card = page.locator(f"li.match[data-occupation='{occupation}']")
    folded = card.locator("details.card-body:not([open]) > summary")
    if folded.count():
        folded.click()
    return card.locator(f"button[data-skill='{skill}']")


def text_evidence(answer: dict[str, Any]) -> tuple[str, str, int, int]:
    """(occupation id, skill id, start, end) of the first skill extracted from the story."""
    for match in answer["matches"]:
        for skill in match["matched_skills"]:
            spans = [e for e in skill["evidence"] if e["source"] == "text"]
            if spans:
                return match["occupation"]["id"], skill["id"], spans[0]["start"], spans[0]["end"]
    raise AssertionError("no matched skill carries a span of the story")


def test_the_api_documentation_renders_offline(page: Page, server: ServerProcess) -> None:
    """/docs loads Swagger UI's script and styles from the service itself: every request
    the page makes goes to the server, and every operation of the OpenAPI document is
    on the page (one block each)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server.base}/docs")
    page.wait_for_load_state("networkidle")
    paths = api(server, "/openapi.json")["paths"]
    operations = sum(len(methods) for methods in paths.values())
    expect(page.locator(".opblock")).to_have_count(operations)
    expect(page.get_by_text("/v1/match").first).to_be_attached()
    elsewhere = [
        url
        for url in requested
        if not url.startswith(("data:", "blob:"))
        and urlsplit(url).netloc != f"127.0.0.1:{server.port}"
    ]
    assert requested and not elsewhere, elsewhere


def test_a_partial_word_and_a_suggestion_picked_by_keyboard_becomes_a_chip(
    page: Page, server: ServerProcess
) -> None:
    expected = api(server, "/v1/suggest?q=elektr&types=occupation,skill,certificate&limit=8")
    first = expected["results"][0]
    open_page(page, server)
    box = page.locator("#zoek")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.focus()
    page.keyboard.type("elektr", delay=40)
    options = page.locator("#suggesties [role=option]")
    options.first.wait_for()
    assert box.get_attribute("aria-expanded") == "true"
    assert page.get_attribute("#suggesties", "role") == "listbox"
    assert options.count() == len(expected["results"])
    assert first["label"] in options.first.inner_text()

    page.keyboard.press("ArrowDown")
    active = box.get_attribute("aria-activedescendant")
    assert active and page.get_attribute(f"#{active}", "aria-selected") == "true"
    page.keyboard.press("Enter")

    chip = page.locator(f"#chips ul[data-kind={first['kind']}] li.chip")
    assert chip.count() == 1 and first["label"] in chip.inner_text()
    assert page.locator("#suggesties").is_hidden()
    assert box.get_attribute("aria-expanded") == "false" and box.input_value() == ""
    param = {"occupation": "beroep", "skill": "vaardigheid", "certificate": "certificaat"}
    assert parse_qs(urlsplit(page.url).query)[param[first["kind"]]] == [first["id"]]

    # Escape closes the list without picking; a second Escape empties the box.
    page.keyboard.type("fiets", delay=40)
    options.first.wait_for()
    page.keyboard.press("Escape")
    assert page.locator("#suggesties").is_hidden() and box.input_value() == "fiets"
    page.keyboard.press("Escape")
    assert box.input_value() == ""
    assert page.locator("#chips li.chip").count() == 1


def test_a_story_gives_matches_and_evidence_highlights_the_exact_span(
    page: Page, server: ServerProcess, artifacts: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(f"{r.method} {r.url} {r.post_data or ''}"))
    open_page(page, server)
    answer = run_match(page, KOK)

    cards = page.locator("#matches > li.match")
    assert answer["matches"] and cards.count() == len(answer["matches"])
    status = page.inner_text("#status")
    assert re.match(rf"{len(answer['matches'])} mogelijke beroep(en)? gevonden", status)
    best = answer["matches"][0]
    assert cards.first.locator("h3").inner_text() == best["occupation"]["label"]
    assert cards.first.locator(".why").inner_text() == best["why"]
    assert f"{round(best['score'] * 100)} %" in cards.first.locator(".score").inner_text()
    missing = best["missing_skills"]["essential"]
    assert f"({len(missing)})" in cards.first.locator(".missing h4").inner_text()
    route = best["training_route"]
    if route["steps"]:
        assert f"{route['total_hours']} uur" in cards.first.locator(".route h4").inner_text()
        assert route["steps"][0]["training"]["label"] in cards.first.locator(".route").inner_text()

    # A card names its vacancies from the match itself (`open_vacancies`), as stored.
    with_vacancies = [m for m in answer["matches"] if m["open_vacancies"]]
    assert with_vacancies, "the embedded default has vacancies for these occupations"
    vacancy = api(server, f"/v1/vacancies/{with_vacancies[0]['open_vacancies'][0]['id']}")
    card = page.locator(f"li.match[data-occupation='{with_vacancies[0]['occupation']['id']}']")
    card.locator(".vacancies li strong", has_text=vacancy["title"]).first.wait_for()

    occupation, skill, start, end = text_evidence(answer)
    button = skill_button(page, occupation, skill)
    assert button.get_attribute("aria-expanded") == "false"
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    assert page.inner_text("#verhaal-tekst mark") == KOK[start:end]
    panel = page.locator(f"#{button.get_attribute('aria-controls')}")
    assert panel.is_visible() and panel.locator("mark").first.inner_text() == KOK[start:end]
    assert "Uit het verhaal" in panel.inner_text()
    save_screenshot(page, artifacts / "advisor-1280px.png")
    button.click()  # toggles off: the highlight goes with it
    assert page.locator("#verhaal-tekst mark").count() == 0

    # The story went out in the match body and nowhere else.
    marker = "elektra in de schuur"
    assert marker not in page.url
    stored = page.evaluate("JSON.stringify(localStorage) + JSON.stringify(sessionStorage)")
    assert marker not in stored
    carrying = [r for r in requests if marker in r]
    assert carrying and all(r.startswith("POST ") and "/v1/match " in r for r in carrying)


def test_evidence_of_a_past_occupation_named_in_the_story(
    page: Page, server: ServerProcess
) -> None:
    open_page(page, server)
    answer = run_match(page, CHAUFFEUR)
    inferred = [
        (match["occupation"]["id"], skill["id"], evidence)
        for match in answer["matches"]
        for skill in match["matched_skills"]
        for evidence in skill["evidence"]
        if evidence["source"] == "occupation" and evidence["start"] is not None
    ]
    assert inferred, "the story names vrachtwagenchauffeur, but no skill was inferred from it"
    occupation, skill, evidence = inferred[0]
    assert CHAUFFEUR[evidence["start"] : evidence["end"]] == "vrachtwagenchauffeur"
    card = page.locator(f"li.match[data-occupation='{occupation}']")
    button = card.locator(f"button[data-skill='{skill}']")
    button.hover()  # hovering previews the span before anything is opened
    expect(page.locator("#verhaal-tekst mark")).to_have_text("vrachtwagenchauffeur")
    button.click()
    # The evidence names the occupation by the label fetched for its URI.
    expect(card.locator(".evidence .bron").first).to_have_text(re.compile("vrachtwagenchauffeur"))
    expect(card.locator(".evidence mark").first).to_have_text("vrachtwagenchauffeur")


def test_keyboard_alone_reaches_every_control_and_the_results(
    page: Page, server: ServerProcess
) -> None:
    open_page(page, server)
    order: list[str] = []
    for _ in range(12):
        page.keyboard.press("Tab")
        order.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
        if order[-1] == "zoek-overstap":
            break
    wanted = ["zoek", "verhaal", "regio", "zoek-overstap"]
    assert [o for o in order if o in wanted] == wanted, order

    # The whole flow without a mouse: a chip, the story, a region, submit.
    page.focus("#zoek")
    page.keyboard.type("fietsen rep", delay=40)
    page.locator("#suggesties [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("#chips li.chip").count() == 1
    page.keyboard.press("Tab")  # onwards through the chip (link, remove button) to the story
    while page.evaluate("document.activeElement.id") != "verhaal":
        page.keyboard.press("Tab")
    page.keyboard.insert_text(KOK)
    page.keyboard.press("Tab")
    page.keyboard.type("Utrecht")  # a select's type-ahead
    assert page.input_value("#regio") == "Utrecht"
    assert parse_qs(urlsplit(page.url).query)["regio"] == ["Utrecht"]
    page.keyboard.press("Tab")
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        page.keyboard.press("Enter")
    assert response.value.json()["matches"]
    page.wait_for_selector("#matches > li.match")

    # Tabbing on from the button reaches the first card's title, then its skills.
    for _ in range(4):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('li.match')"):
            break
    focused = page.evaluate("document.activeElement.getAttribute('href') || ''")
    assert focused.startswith("#beroep/"), focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skill')")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "true"

    # The title opens the detail by keyboard; Escape closes it and gives focus back.
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector("#detail[open]")
    page.wait_for_function("document.activeElement.id === 'detail-titel'")
    assert re.search(r"#beroep/", page.url)
    page.keyboard.press("Escape")
    expect(page.locator("#detail")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"\?[^#]*regio=Utrecht[^#]*$"))
    page.wait_for_function(f"document.activeElement.getAttribute('href') === {json.dumps(focused)}")

    # A chip is removed by keyboard; focus stays in the form.
    page.focus("#chips li.chip button")
    page.keyboard.press("Enter")
    assert page.locator("#chips li.chip").count() == 0
    assert page.evaluate("document.activeElement.id") == "zoek"
    assert KOK[:20] not in page.url


def test_a_shared_url_restores_chips_region_and_the_detail_view(
    page: Page, server: ServerProcess
) -> None:
    found = api(server, "/v1/occupations/search?q=vrachtwagenchauffeur&limit=1")["results"][0]
    certificate = api(server, "/v1/certificates/vca-basis")
    query = f"?beroep={quote(found['id'])}&certificaat=vca-basis&regio=Zuid-Holland"
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        open_page(page, server, f"{query}#beroep/{quote(found['id'])}")
    sent = json.loads(response.value.request.post_data or "{}")
    assert sent["occupations"] == [found["id"]] and sent["certificates"] == ["vca-basis"]
    assert sent["region"] == "Zuid-Holland" and "text" not in sent
    assert page.input_value("#regio") == "Zuid-Holland"
    assert found["label"] in page.inner_text("#chips ul[data-kind=occupation]")
    assert certificate["label"] in page.inner_text("#chips ul[data-kind=certificate]")

    # The detail of the occupation in the hash: its skills and "van werk naar werk".
    detail = api(server, f"/v1/occupations/{found['id']}")
    moves = api(server, f"/v1/occupations/{found['id']}/transitions?limit=8")["transitions"]
    expect(page.locator("#detail-titel")).to_have_text(detail["label"])
    dialog = page.locator("#detail")
    assert f"({len(detail['essential_skills'])})" in dialog.inner_text()
    assert dialog.locator(".transitions li").count() == len(moves) > 0
    assert moves[0]["occupation"]["label"] in dialog.locator(".transitions li").first.inner_text()

    # A certificate's detail, by its hash route.
    page.evaluate("location.hash = '#certificaat/vca-basis'")
    expect(page.locator("#detail-titel")).to_have_text(certificate["label"])
    assert f"{certificate['hours']} uur" in dialog.inner_text()
    assert certificate["skills"][0]["label"] in dialog.inner_text()
    page.click("#detail-sluiten")
    expect(page.locator("#detail")).to_be_hidden()
    expect(page).to_have_url(f"{server.base}/{query}")  # the hash goes, the profile stays


def test_api_problems_are_shown_in_dutch_next_to_the_form(
    page: Page, server: ServerProcess
) -> None:
    open_page(page, server)
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        page.click("#zoek-overstap")  # nothing given: the API's 422 says what is missing
    assert response.value.status == 422
    error = page.locator("#fout")
    # The page renders the problem after the response arrives: wait for it.
    expect(error).to_be_visible()
    expect(error).to_have_attribute("role", "alert")
    assert "vul een verhaal in of voeg een beroep of vaardigheid toe" in error.inner_text()
    expect(page.locator("#verhaal")).to_have_attribute("aria-invalid", "true")

    # An id in a shared link that the API does not know is reported and left out,
    # never shown as a chip (issue 19); the link is rewritten without it.
    open_page(page, server, "?certificaat=bestaat-niet&beroep=ook-niet")
    notice = page.locator("#link-melding")
    notice.wait_for()
    assert "De gedeelde link noemt iets dat overstap niet kent" in notice.inner_text()
    assert "certificaat „bestaat-niet”" in notice.inner_text()
    assert "beroep „ook-niet”" in notice.inner_text()
    assert page.locator("#chips li.chip").count() == 0
    assert "bestaat-niet" not in page.url
    # With a known chip beside it, the link's match runs and the notice stays.
    driver = api(server, "/v1/occupations/search?q=vrachtwagenchauffeur&limit=1")["results"][0]
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        open_page(page, server, f"?beroep={quote(driver['id'])}&beroep=bestaat-ook-niet")
    assert response.value.status == 200
    page.wait_for_selector("#matches > li.match")
    assert "„bestaat-ook-niet”" in notice.inner_text() and notice.is_visible()
    assert page.locator("#chips li.chip").count() == 1

    # A 422 from the API still lands next to the form, by field.
    page.fill("#verhaal", KOK)
    page.evaluate(
        "document.getElementById('regio').add(new Option('Atlantis', 'Atlantis', true, true))"
    )
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        page.click("#zoek-overstap")
    assert response.value.status == 422
    error.wait_for()
    assert "Controleer de invoer." in error.inner_text() and "Atlantis" in error.inner_text()
    assert page.get_attribute("#regio", "aria-invalid") == "true"
    assert "mislukt" in page.inner_text("#status")


def test_the_page_says_what_the_answer_knows(page: Page, server: ServerProcess) -> None:
    """Issue 19: the resolved profile, wishes set aside, the route's markers, folded
    cards after the first three, and the abstention message instead of cards at 0 %."""
    open_page(page, server)
    story = "Ik heb tien jaar als kok gewerkt en wil graag de techniek in."
    answer = run_match(page, story)
    read = page.locator("#profiel-gelezen")
    assert read.is_visible()
    assert "kok" in read.inner_text() and "uit het verhaal" in read.inner_text()
    assert "wil graag de techniek in" in page.inner_text("#profiel-wensen")
    cards = page.locator("#matches > li.match")
    assert cards.count() == len(answer["matches"]) == 10
    assert cards.first.locator(".why").inner_text().startswith("De cliënt heeft al ")
    assert "u al" not in cards.first.locator(".why").inner_text()
    # Cards after the first three start folded; the rest stay open. The page got short
    # enough to scan (8,800 px on a desktop before issue 19).
    assert page.locator("#matches details.card-body").count() == 7
    height = page.evaluate("document.documentElement.scrollHeight")
    print(f"page height after a 10-match answer at 1280 px: {height} px")
    assert height < 8800
    assert not cards.nth(3).locator(".why").is_visible()
    cards.nth(3).locator("summary").first.click()
    assert cards.nth(3).locator(".why").is_visible()
    # Each closed skill of a route says how (the default knows no hierarchy: exact).
    marked = page.locator("#matches .route ul.closes li")
    hows = {marked.nth(i).get_attribute("data-how") for i in range(marked.count())}
    claims = sum(len(s["covers"]) for m in answer["matches"] for s in m["training_route"]["steps"])
    assert marked.count() == claims > 0 and hows == {"exact"}

    # Nothing to go on: the message, no cards.
    page.fill("#verhaal", "xyzzy qwerty blorp")
    with page.expect_response(lambda r: r.url.endswith("/v1/match")) as response:
        page.click("#zoek-overstap")
    nothing = response.value.json()
    assert nothing["matches"] == [] and nothing["message"]
    expect(page.locator("#geen-match")).to_have_text(nothing["message"])
    assert page.locator("#matches > li").count() == 0
    assert page.inner_text("#status") == "Geen passend technisch beroep gevonden."


def test_360_px_wide_without_horizontal_scrolling_and_a_screenshot(
    browser: BrowserContext, server: ServerProcess, artifacts: Path
) -> None:
    page = browser.new_page()
    page.set_viewport_size({"width": 360, "height": 780})
    try:
        open_page(page, server)
        width = "document.documentElement.scrollWidth"
        assert page.evaluate(width) <= 360
        page.fill("#zoek", "elektr")
        page.locator("#suggesties [role=option]").first.wait_for()
        assert page.evaluate(width) <= 360
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        answer = run_match(page, CHAUFFEUR)
        height = page.evaluate("document.documentElement.scrollHeight")
        print(f"page height after a {len(answer['matches'])}-match answer at 360 px: {height} px")
        occupation, skill, start, end = text_evidence(answer)
        button = skill_button(page, occupation, skill)
        button.click()
        assert page.inner_text("#verhaal-tekst mark") == CHAUFFEUR[start:end]
        assert page.evaluate(width) <= 360
        # The card's skills and the opened evidence, with every source named.
        page.wait_for_function(
            "[...document.querySelectorAll('.evidence .bron')].every(e => e.textContent !== '…')"
        )
        panel = f"#{button.get_attribute('aria-controls')}"
        assert page.locator(f"{panel} mark").first.inner_text() == CHAUFFEUR[start:end]
        page.locator(panel).evaluate("p => p.scrollIntoView({block: 'end'})")
        save_screenshot(page, artifacts / "advisor-360px.png")

        page.click("#matches li.match h3 a >> nth=0")
        page.wait_for_selector("#detail .transitions li, #detail .error")
        assert page.evaluate(width) <= 360
    finally:
        page.close()


def test_print_shows_the_results_without_the_form(page: Page, server: ServerProcess) -> None:
    open_page(page, server)
    run_match(page, KOK)
    assert page.locator("#afdrukken").is_visible()
    page.emulate_media(media="print")
    assert page.locator("#profiel").is_hidden() and page.locator("#afdrukken").is_hidden()
    assert page.locator("#verhaal-weergave").is_hidden()  # the story stays off paper
    assert page.locator("#matches li.match").first.is_visible()
    page.emulate_media(media="screen")
    assert page.locator("#profiel").is_visible()


# WCAG 2.1 contrast of every visible text on the page, against the first opaque
# background up its ancestors (the page's colours are flat: no images behind text).
CONTRAST_JS = """
() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0.99) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const failures = [];
  let checked = 0;
  for (const el of document.querySelectorAll("body *")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (!own || !box.width || !box.height || style.visibility === "hidden") continue;
    if (el.closest("[hidden], [aria-hidden=true]")) continue;
    const fg = lum(rgb(style.color).slice(0, 3)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = Number(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    checked += 1;
    if (ratio < (large ? 3 : 4.5)) {
      const text = el.textContent.trim().slice(0, 30);
      failures.push(`${el.tagName}.${el.className} "${text}" ${ratio.toFixed(2)}`);
    }
  }
  return { checked, failures };
}
"""

# Every control a keyboard can reach has a name a screen reader can read out.
UNNAMED_JS = """
() => [...document.querySelectorAll("input, select, textarea, button, a[href]")]
  .filter((el) => el.getBoundingClientRect().width && !el.closest("[hidden]"))
  .filter((el) => {
    const labelled = (el.labels && el.labels.length) || el.getAttribute("aria-label")
      || el.getAttribute("aria-labelledby") || el.textContent.trim();
    return !labelled;
  })
  .map((el) => el.outerHTML.slice(0, 80))
"""


def test_text_contrast_meets_wcag_aa_and_every_control_is_named(
    page: Page, server: ServerProcess
) -> None:
    open_page(page, server)
    answer = run_match(page, KOK)
    occupation, skill, _, _ = text_evidence(answer)
    skill_button(page, occupation, skill).click()  # the pressed state and the marks too
    found = page.evaluate(CONTRAST_JS)
    assert found["checked"] > 50, found  # the form, the cards and the evidence
    assert found["failures"] == [], found["failures"]
    assert page.evaluate(UNNAMED_JS) == []
