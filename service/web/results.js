// Renders the answer of POST /v1/match: one card per suggested occupation. The
// context object supplies what the cards cannot know themselves (the story as sent,
// how to highlight it, how to name a URI).
import { h, percent } from "./dom.js";

const SHOWN_MISSING = 6; // the rest folds away: an advisor reads the top of the gap first
const SHOWN_VACANCIES = 3;
const OPEN_CARDS = 3; // cards after these start folded: the page stays short to scan
const CONTEXT_CHARS = 60; // story text shown around an evidence span

/** Card list items for `matches`; ctx: {story, marker, labelOf} (see app.js). */
export function renderMatches(matches, ctx) {
  return matches.map((match, index) => renderMatch(match, index, ctx));
}

function renderMatch(match, index, ctx) {
  const occupation = match.occupation;
  const titleId = `m${index}-titel`;
  const evidence = h("div", { class: "evidence", id: `m${index}-bewijs`, hidden: true });
  const title = h("h3", { id: titleId }, h("a", { href: `#beroep/${occupation.id}` }, occupation.label));
  const body = [
    h("p", { class: "why" }, match.why),
    relatedView(match.related_occupations || []),
    haveView(match, evidence, ctx),
    evidence,
    missingView(match.missing_skills.essential),
    routeView(match.training_route),
    vacanciesView(match.open_vacancies),
  ];
  const folded = index >= OPEN_CARDS;
  const article = h(
    "article",
    { "aria-labelledby": titleId },
    h("div", { class: "match-head" }, title, scoreView(match.score)),
    folded ? h("details", { class: "card-body" }, h("summary", {}, "Toon uitleg, gat en route"), ...body) : body,
  );
  return h("li", { class: "match", "data-occupation": occupation.id }, article);
}

// ESCO's near-duplicates of this occupation (same ISCO unit group) that are not cards
// of their own: named under it, each a link to its detail view.
function relatedView(related) {
  if (!related.length) return null;
  const links = related.flatMap((r, i) => [
    i ? ", " : "",
    h("a", { href: `#beroep/${r.id}` }, r.label),
    ` (${percent(r.score)})`,
  ]);
  return h("p", { class: "related" }, "Verwante beroepen in dezelfde beroepsgroep: ", ...links);
}

// The bar is decoration (aria-hidden); the percentage is the text that counts, and
// says what it measures.
function scoreView(score) {
  const fill = h("span", { style: `width:${Math.round(Math.min(score, 1) * 100)}%` });
  const bar = h("span", { class: "bar", "aria-hidden": "true" }, fill);
  const title =
    "Gewogen dekking van de vaardigheden van het beroep (essentiële tellen zwaarder), " +
    "plus een kleine bonus als de cliënt dit beroep wenst en, op een grote ontologie, " +
    "hoeveel het verhaal als geheel op de beschrijving van het beroep lijkt";
  return h("p", { class: "score", title }, bar, `Overeenkomst ${percent(Math.min(score, 1))}`);
}

// The skills the client already has: each a toggle button showing where that came
// from; hovering or focusing previews the highlight in the story.
function haveView(match, panel, ctx) {
  const skills = match.matched_skills;
  if (!skills.length) return h("p", {}, "Nog geen overeenkomende vaardigheden.");
  const buttons = skills.map((skill) => {
    const span = firstSpan(skill.evidence);
    const button = h(
      "button",
      { type: "button", class: span ? "skill has-span" : "skill", "data-skill": skill.id },
      skill.label,
    );
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", panel.id);
    // Hover and focus preview the span; leaving shows the pinned one (if any) again.
    const preview = () => ctx.marker.preview(span);
    button.addEventListener("mouseenter", preview);
    button.addEventListener("focus", preview);
    button.addEventListener("mouseleave", ctx.marker.restore);
    button.addEventListener("blur", ctx.marker.restore);
    button.addEventListener("click", () => toggleEvidence(button, skill, panel, ctx));
    return h("li", {}, button);
  });
  return h(
    "section",
    { class: "have" },
    h("h4", {}, `Wat de cliënt al kan (${skills.length})`),
    h("p", { class: "hint" }, "Kies een vaardigheid om te zien waar die vandaan komt."),
    h("ul", { class: "tags" }, buttons),
  );
}

function firstSpan(evidence) {
  return evidence.find((e) => e.start !== null && e.end !== null && e.end > e.start) || null;
}

// One evidence panel per card, showing the skill whose button is pressed.
function toggleEvidence(button, skill, panel, ctx) {
  const wasOpen = button.getAttribute("aria-expanded") === "true";
  for (const other of panel.parentElement.querySelectorAll("button.skill")) {
    other.setAttribute("aria-expanded", "false");
  }
  panel.hidden = wasOpen;
  ctx.marker.pin(wasOpen ? null : firstSpan(skill.evidence));
  if (wasOpen) return;
  button.setAttribute("aria-expanded", "true");
  const via = skill.via && skill.via.id !== skill.id;
  panel.replaceChildren(
    h("h4", {}, `Waarom „${skill.label}”`),
    h("ul", {}, skill.evidence.map((e) => evidenceItem(e, ctx))),
  );
  if (!via) return;
  panel.append(h("p", {}, `Gedekt door „${skill.via.label}” (gelijkenis ${percent(skill.similarity)}).`));
}

// One piece of evidence in words; story spans are quoted with the span marked.
function evidenceItem(evidence, ctx) {
  const hasSpan = evidence.start !== null && evidence.end !== null;
  if (evidence.source === "text") {
    return h("li", {}, "Uit het verhaal: ", quote(ctx.story, evidence.start, evidence.end));
  }
  const name = h("span", { class: "bron" }, "…"); // filled in once the label has come
  ctx.labelOf(evidence.detail, evidence.source).then((label) => (name.textContent = label));
  const lead = {
    occupation: "Afgeleid van het beroep ",
    skill: "Zelf opgegeven vaardigheid ",
    certificate: "Geleerd met het certificaat ",
    qualification: "Geleerd met de kwalificatie ",
  }[evidence.source] || "Bron: ";
  const where = hasSpan ? quote(ctx.story, evidence.start, evidence.end) : null;
  const named = where ? [", genoemd in het verhaal: ", where] : ".";
  return h("li", {}, lead, name, named);
}

function quote(story, start, end) {
  const before = story.slice(Math.max(0, start - CONTEXT_CHARS), start);
  const after = story.slice(end, end + CONTEXT_CHARS);
  return h(
    "q",
    { class: "quote" },
    start > CONTEXT_CHARS ? "…" : "",
    before,
    h("mark", {}, story.slice(start, end)),
    after,
    end + CONTEXT_CHARS < story.length ? "…" : "",
  );
}

function missingView(missing) {
  if (!missing.length) return h("p", {}, "Alle essentiële vaardigheden zijn gedekt.");
  const tags = (skills) => h("ul", { class: "tags" }, skills.map((skill) => h("li", {}, skill.label)));
  const rest = missing.slice(SHOWN_MISSING);
  return h(
    "section",
    { class: "missing" },
    h("h4", {}, `Nog te leren, essentieel (${missing.length})`),
    tags(missing.slice(0, SHOWN_MISSING)),
    rest.length ? h("details", {}, h("summary", {}, `Nog ${rest.length} tonen`), tags(rest)) : null,
  );
}

// What a training closes, and how the ontology says so: the skill itself, a narrower
// skill of it (part of it), or a broader one that includes it.
const HOW = {
  exact: () => "",
  narrower: (taught) => ` (deels: leert „${taught}”)`,
  broader: (taught) => ` (valt onder „${taught}”)`,
};

function closedView(closed) {
  const marker = HOW[closed.how](closed.taught.label);
  return h("li", { "data-how": closed.how }, closed.label, marker ? h("span", { class: "marker" }, marker) : null);
}

function routeView(route) {
  const labels = (concepts) => concepts.map((c) => c.label).join(", ");
  const steps = route.steps.map((step) => {
    const { kind, id, label } = step.training;
    const name = kind === "certificate" ? h("a", { href: `#certificaat/${id}` }, label) : label;
    const covers = step.covers.length
      ? [h("span", { class: "hint" }, " leert:"), h("ul", { class: "closes" }, step.covers.map(closedView))]
      : [];
    return h("li", {}, name, ` – ${step.hours} uur`, ...covers);
  });
  const long = route.long_route;
  const qualification = long.qualifications[0];
  return h(
    "section",
    { class: "route" },
    h("h4", {}, steps.length ? `Korte route: ${route.total_hours} uur` : "Korte route"),
    steps.length ? h("ol", {}, steps) : h("p", {}, "Geen korte training nodig of bekend."),
    route.uncovered.length ? h("p", {}, `In de praktijk of op het mbo: ${labels(route.uncovered)}.`) : null,
    qualification ? h("p", {}, longRouteText(qualification, long.confidence)) : null,
  );
}

// The long route names qualifications only when the link is at least "middel".
function longRouteText(q, confidence) {
  const lead = confidence === "hoog" ? "Mbo-opleiding" : "Mbo-opleiding (waarschijnlijk)";
  const facts = [`niveau ${q.level ?? "?"}`, q.leerweg, `crebo ${q.crebo}`].filter(Boolean).join(", ");
  return `${lead}: ${q.label} (${facts}).`;
}

// Each match carries its open vacancies with title, employer and place.
function vacanciesView(vacancies) {
  if (!vacancies.length) return h("p", { class: "vacancies" }, "Geen open vacatures gevonden.");
  const where = (v) => [v.employer, v.city || v.region].filter(Boolean).join(", ");
  const items = vacancies
    .slice(0, SHOWN_VACANCIES)
    .map((v) => h("li", {}, h("strong", {}, v.title), where(v) ? ` – ${where(v)}` : ""));
  return h("section", { class: "vacancies" }, h("h4", {}, "Vacatures"), h("ul", {}, items));
}

/** A compact list of transitions ("van werk naar werk") for the detail view. */
export function renderTransitions(transitions) {
  return h(
    "ol",
    { class: "transitions" },
    transitions.map((t) => {
      const hours = t.training_route.total_hours;
      const link = h("a", { href: `#beroep/${t.occupation.id}` }, t.occupation.label);
      return h("li", {}, link, ` – ${percent(t.score)}`, hours ? `, korte route ${hours} uur` : "");
    }),
  );
}
