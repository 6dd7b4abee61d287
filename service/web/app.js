// The advisor page: profile form, chips, shareable URL state and the match call.
// The story (textarea) lives only in the page and in the POST /v1/match body: it is
// never written to the URL, to storage or to any GET request.
import { ApiError, conceptPath, describeError, getJSON, labelFetcher, postJSON } from "./api.js";
import { combobox } from "./combobox.js";
import { setupDetail } from "./detail.js";
import { announce, h, KIND_NL } from "./dom.js";
import { renderMatches } from "./results.js";

const KINDS = ["occupation", "skill", "certificate"];
// URL parameter per chip kind (Dutch, because advisors share these links).
const PARAM = { occupation: "beroep", skill: "vaardigheid", certificate: "certificaat" };
const REQUEST_FIELD = { occupation: "occupations", skill: "skills", certificate: "certificates" };
const MATCH_LIMIT = 10;

const $ = (id) => document.getElementById(id);
const chips = { occupation: [], skill: [], certificate: [] }; // [{id, uri, label}]
const labelOf = labelFetcher((uri) => {
  for (const kind of KINDS) {
    const chip = chips[kind].find((c) => c.uri === uri);
    if (chip) return chip.label;
  }
  return null;
});

// ---- URL state: chips and region in the query, the open detail in the hash ----

function writeUrl() {
  const params = new URLSearchParams();
  for (const kind of KINDS) chips[kind].forEach((c) => params.append(PARAM[kind], c.id));
  if ($("regio").value) params.set("regio", $("regio").value);
  const query = params.toString();
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

// Chips in a shared link carry ids only; their labels come from the API. An id the
// API does not know (an old link, a typo) is reported and left out, never shown as a
// chip with a made-up name.
async function readUrl() {
  const params = new URLSearchParams(location.search);
  const region = params.get("regio");
  if (region && [...$("regio").options].some((o) => o.value === region)) $("regio").value = region;
  const unknown = [];
  const loads = [];
  for (const kind of KINDS) {
    for (const id of params.getAll(PARAM[kind])) {
      const load = getJSON(conceptPath(kind, id)).then(
        (concept) => ({ kind, chip: { id, uri: concept.uri, label: concept.label || id } }),
        (error) => {
          // Only a 404 says the id is unknown; any other failure (busy, offline) keeps
          // the chip under its id, and the match will say what is wrong.
          const missing = error instanceof ApiError && error.status === 404;
          if (!missing) return { kind, chip: { id, uri: id, label: id } };
          unknown.push(`${KIND_NL[kind]} „${id}”`);
          return null;
        },
      );
      loads.push(load);
    }
  }
  for (const found of await Promise.all(loads)) {
    if (found) chips[found.kind].push(found.chip);
  }
  renderChips();
  // Its own notice, so the match a shared link starts does not wipe it.
  $("link-melding").replaceChildren(
    ...(unknown.length
      ? [
          h("p", {}, h("strong", {}, "De gedeelde link noemt iets dat overstap niet kent:")),
          h("ul", {}, unknown.map((u) => h("li", {}, `${u} (weggelaten)`))),
        ]
      : []),
  );
  $("link-melding").hidden = !unknown.length;
  if (unknown.length) writeUrl();
}

// ---- chips ----

function addChip(kind, concept) {
  if (!chips[kind].some((c) => c.id === concept.id)) {
    chips[kind].push({ id: concept.id, uri: concept.uri, label: concept.label });
  }
  renderChips();
  writeUrl();
  announce(`${KIND_NL[kind]} ${concept.label} toegevoegd.`);
}

function removeChip(kind, index) {
  const [removed] = chips[kind].splice(index, 1);
  renderChips();
  writeUrl();
  announce(`${KIND_NL[kind]} ${removed.label} verwijderd.`);
  // Keep keyboard users in place: the next chip's remove button, else the search box.
  const buttons = document.querySelectorAll(`#chips ul[data-kind=${kind}] button`);
  (buttons[Math.min(index, buttons.length - 1)] || $("zoek")).focus();
}

function chipView(kind, chip, index) {
  // Skills have no detail view; occupations and certificates open theirs.
  const link = kind === "skill" ? {} : { href: `#${PARAM[kind]}/${chip.id}` };
  const name = h(kind === "skill" ? "span" : "a", link, chip.label);
  const label = `Verwijder ${KIND_NL[kind]} ${chip.label}`;
  const onclick = () => removeChip(kind, index);
  const remove = h("button", { type: "button", "aria-label": label, onclick }, "×");
  return h("li", { class: "chip" }, name, remove);
}

function renderChips() {
  for (const kind of KINDS) {
    const list = document.querySelector(`#chips ul[data-kind=${kind}]`);
    list.replaceChildren(...chips[kind].map((chip, index) => chipView(kind, chip, index)));
    list.closest("section").hidden = chips[kind].length === 0;
  }
}

// ---- suggestions ----

function suggest(query, signal) {
  const params = { q: query, types: KINDS.join(","), limit: 8 };
  return getJSON("v1/suggest", params, signal).then((answer) => answer.results);
}

function renderSuggestion(hit) {
  // Show the label that matched when it differs ("elektricien" → elektromonteur).
  const matched = hit.matched_label.text;
  const alias = matched !== hit.label ? h("span", { class: "hint" }, ` (${matched})`) : null;
  // A hit below the lowest confidence band is shown, but said to be a weak one.
  const weak = hit.confidence === "geen" ? h("span", { class: "hint" }, " – zwakke treffer") : null;
  return [h("span", { class: `kind kind-${hit.kind}` }, KIND_NL[hit.kind]), " ", hit.label, alias, weak];
}

// ---- errors next to the form ----

const CONTROL_OF = { "body.text": "verhaal", "body.region": "regio" };

function clearErrors() {
  $("fout").hidden = true;
  $("fout").replaceChildren();
  document.querySelectorAll("#profiel [aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}

function showError(error) {
  const { summary, fields } = describeError(error);
  const list = fields.map((f) => h("li", {}, `${f.label}: ${f.text}`));
  $("fout").replaceChildren(h("p", {}, h("strong", {}, summary)));
  if (list.length) $("fout").append(h("ul", {}, list));
  $("fout").hidden = false;
  for (const f of fields) {
    const control = $(CONTROL_OF[f.field] || (f.field === "body" ? "verhaal" : "zoek"));
    control.setAttribute("aria-invalid", "true");
  }
}

// ---- the match ----

function matchBody(story) {
  const body = { lang: "nl", limit: MATCH_LIMIT };
  if (story.trim()) body.text = story; // sent as typed: evidence offsets refer to it
  for (const kind of KINDS) {
    if (chips[kind].length) body[REQUEST_FIELD[kind]] = chips[kind].map((c) => c.id);
  }
  if ($("regio").value) body.region = $("regio").value;
  return body;
}

// The story as sent, shown above the cards: a skill's evidence span is marked in it.
// A clicked skill pins its span; hovering or focusing another previews that one.
function storyMarker(story) {
  const text = $("verhaal-tekst");
  let pinned = null;
  const draw = (span) => {
    if (!span) return text.replaceChildren(story);
    const marked = h("mark", {}, story.slice(span.start, span.end));
    return text.replaceChildren(story.slice(0, span.start), marked, story.slice(span.end));
  };
  $("verhaal-weergave").hidden = !story.trim();
  draw(null);
  return {
    preview: (span) => span && draw(span),
    pin: (span) => draw((pinned = span)),
    restore: () => draw(pinned),
  };
}

// What each input was read as: a job named in the story, a chip, and how sure; a job
// the story names that could not be placed is said so; wishes set aside are listed.
const METHOD_NL = { id: "gekozen", "exact label": "exacte naam", normaliser: "herkend" };

function resolvedView(input) {
  const source = input.field === "text" ? "uit het verhaal" : KIND_NL[input.kind] || input.kind;
  if (!input.concept) {
    const near = input.did_you_mean.map((c) => c.label).join(", ");
    return h(
      "li",
      { class: "unplaced" },
      `„${input.given}” (${source}): niet met zekerheid herkend, niet gebruikt`,
      near ? ` – lijkt op: ${near}` : "",
      ".",
    );
  }
  const sure = input.confidence === "laag" ? ", onzeker" : "";
  const same = input.given.toLowerCase() === (input.concept.label || "").toLowerCase();
  const given = input.method === "id" || same ? "" : `„${input.given}” → `;
  return h(
    "li",
    { "data-confidence": input.confidence },
    given,
    h("strong", {}, input.concept.label),
    ` (${source}, ${METHOD_NL[input.method] || input.method}${sure})`,
  );
}

function renderProfile(profile) {
  const inputs = profile.inputs.filter((i) => i.field === "text" || i.method !== "id");
  $("profiel-invoer").replaceChildren(...inputs.map(resolvedView));
  const wishes = profile.wishes.map((w) => `„${w.text}”`);
  $("profiel-wensen").textContent = wishes.length
    ? `Als wens gelezen, niet als ervaring: ${wishes.join(", ")}.`
    : "";
  $("profiel-wensen").hidden = !wishes.length;
  $("profiel-gelezen").hidden = !inputs.length && !wishes.length;
}

let pending = false;

async function runMatch() {
  if (pending) return;
  pending = true;
  clearErrors();
  const story = $("verhaal").value;
  const button = $("zoek-overstap");
  // aria-disabled, not disabled: a disabled button would drop the keyboard focus.
  button.setAttribute("aria-disabled", "true");
  $("resultaten").setAttribute("aria-busy", "true");
  $("status").textContent = "Zoeken…";
  try {
    const answer = await postJSON("v1/match", matchBody(story));
    const marker = storyMarker(story);
    renderProfile(answer.profile);
    $("matches").replaceChildren(...renderMatches(answer.matches, { story, marker, labelOf }));
    const count = answer.matches.length;
    $("status").textContent = count
      ? `${count} mogelijke ${count === 1 ? "beroep" : "beroepen"} gevonden, beste eerst.`
      : "Geen passend technisch beroep gevonden.";
    // Nothing fits: the answer says why, instead of cards at 0 %.
    $("geen-match").replaceChildren(answer.message ? h("p", {}, answer.message) : "");
    $("geen-match").hidden = !answer.message;
    $("afdrukken").hidden = count === 0;
  } catch (error) {
    showError(error);
    $("status").textContent = "Zoeken mislukt; zie de melding bij het formulier.";
  } finally {
    pending = false;
    button.removeAttribute("aria-disabled");
    $("resultaten").removeAttribute("aria-busy");
  }
}

// ---- start ----

async function start() {
  combobox($("zoek"), $("suggesties"), {
    search: suggest,
    render: renderSuggestion,
    pick: (hit) => addChip(hit.kind, hit),
  });
  $("profiel").addEventListener("submit", (event) => {
    event.preventDefault();
    runMatch();
  });
  $("regio").addEventListener("change", writeUrl);
  $("afdrukken").addEventListener("click", () => window.print());
  // Folded cards print in full: the client takes every suggestion home.
  window.addEventListener("beforeprint", () => {
    document.querySelectorAll("details.card-body").forEach((d) => (d.open = true));
  });
  setupDetail(addChip);
  await readUrl();
  // A shared link with a background reproduces its results at once.
  if (chips.occupation.length || chips.skill.length) runMatch();
}

start();
