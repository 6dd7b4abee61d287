// The advisor page: profile form, chips, shareable URL state and the match call.
// The story (textarea) lives only in the page and in the POST /v1/match body: it is
// never written to the URL, to storage or to any GET request.
import { conceptPath, describeError, getJSON, labelFetcher, postJSON } from "./api.js";
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
const vacancies = new Map();

// ---- URL state: chips and region in the query, the open detail in the hash ----

function writeUrl() {
  const params = new URLSearchParams();
  for (const kind of KINDS) chips[kind].forEach((c) => params.append(PARAM[kind], c.id));
  if ($("regio").value) params.set("regio", $("regio").value);
  const query = params.toString();
  history.replaceState(null, "", `${location.pathname}${query ? `?${query}` : ""}${location.hash}`);
}

// Chips in a shared link carry ids only; their labels come from the API.
async function readUrl() {
  const params = new URLSearchParams(location.search);
  const region = params.get("regio");
  if (region && [...$("regio").options].some((o) => o.value === region)) $("regio").value = region;
  const loads = [];
  for (const kind of KINDS) {
    for (const id of params.getAll(PARAM[kind])) {
      const chip = { id, uri: id, label: id };
      chips[kind].push(chip);
      // An unknown id stays as it is: the match will name it in its error.
      const named = (concept) => Object.assign(chip, { uri: concept.uri, label: concept.label || id });
      loads.push(getJSON(conceptPath(kind, id)).then(named, () => {}));
    }
  }
  await Promise.all(loads);
  renderChips();
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
  return [h("span", { class: `kind kind-${hit.kind}` }, KIND_NL[hit.kind]), " ", hit.label, alias];
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

function vacancy(id) {
  if (!vacancies.has(id)) vacancies.set(id, getJSON(`v1/vacancies/${encodeURIComponent(id)}`));
  return vacancies.get(id);
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
    $("matches").replaceChildren(...renderMatches(answer.matches, { story, marker, labelOf, vacancy }));
    const count = answer.matches.length;
    $("status").textContent = count
      ? `${count} mogelijke ${count === 1 ? "beroep" : "beroepen"} gevonden, beste eerst.`
      : "Geen passende technische beroepen gevonden.";
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
  setupDetail(addChip);
  await readUrl();
  // A shared link with a background reproduces its results at once.
  if (chips.occupation.length || chips.skill.length) runMatch();
}

start();
