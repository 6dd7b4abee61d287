// The detail view: a modal <dialog> driven by the URL hash (#beroep/ID,
// #certificaat/ID), so a detail can be shared and the back button works.
import { describeError, getJSON } from "./api.js";
import { h } from "./dom.js";
import { renderTransitions } from "./results.js";

const ROUTE = /^#(beroep|certificaat)\/(.+)$/;
const TRANSITIONS_SHOWN = 8;

/** {kind, id} for a detail hash, or null. */
export function parseDetailHash(hash) {
  const found = ROUTE.exec(hash);
  if (!found) return null;
  const kind = found[1] === "beroep" ? "occupation" : "certificate";
  return { kind, id: decodeURIComponent(found[2]) };
}

/** Wire the dialog to the hash; addChip(kind, concept) lets a detail join the profile. */
export function setupDetail(addChip) {
  const dialog = document.getElementById("detail");
  const title = document.getElementById("detail-titel");
  const body = document.getElementById("detail-inhoud");
  let returnFocus = null;
  let shown = null;

  async function show(route) {
    if (!dialog.open) {
      returnFocus = document.activeElement;
      dialog.showModal();
    }
    const current = (shown = `${route.kind}/${route.id}`);
    title.textContent = "Laden…";
    body.replaceChildren();
    const view = route.kind === "occupation" ? occupationView : certificateView;
    const nodes = await view(route.id, addChip).catch((error) => ({
      title: route.kind === "occupation" ? "Beroep niet beschikbaar" : "Certificaat niet beschikbaar",
      content: [h("p", { class: "error" }, describeError(error).summary)],
    }));
    if (shown !== current) return; // the advisor already moved on to another detail
    title.textContent = nodes.title;
    body.replaceChildren(h("div", {}, nodes.content));
    title.focus();
  }

  function sync() {
    const route = parseDetailHash(location.hash);
    if (route) show(route);
    else if (dialog.open) dialog.close();
  }

  // Closing (button, Escape) drops the hash so the URL again names only the profile.
  dialog.addEventListener("close", () => {
    shown = null;
    if (parseDetailHash(location.hash)) {
      history.replaceState(null, "", location.pathname + location.search);
    }
    if (returnFocus && returnFocus.isConnected) returnFocus.focus();
  });
  document.getElementById("detail-sluiten").addEventListener("click", () => dialog.close());
  window.addEventListener("hashchange", sync);
  sync();
}

// The dialog covers the form, so the button itself confirms the addition.
function addButton(text, add) {
  const button = h("button", { type: "button" }, text);
  button.addEventListener("click", () => {
    add();
    button.textContent = "Toegevoegd aan het profiel";
  });
  return button;
}

function linkList(concepts, linked = false) {
  return h(
    "ul",
    { class: "tags" },
    concepts.map((c) => {
      const link = linked && c.kind === "certificate";
      return h("li", {}, link ? h("a", { href: `#certificaat/${c.id}` }, c.label) : c.label);
    }),
  );
}

async function occupationView(id, addChip) {
  const path = `v1/occupations/${encodeURIComponent(id)}`;
  const [occupation, moves] = await Promise.all([
    getJSON(path),
    getJSON(`${path}/transitions`, { limit: TRANSITIONS_SHOWN }).catch(() => null),
  ]);
  const certificates = occupation.trainings.filter((t) => t.kind === "certificate");
  const optional = occupation.optional_skills;
  return {
    title: occupation.label,
    content: [
      occupation.description ? h("p", {}, occupation.description) : null,
      addButton("Toevoegen als eerder beroep", () => addChip("occupation", occupation)),
      h("h3", {}, `Essentiële vaardigheden (${occupation.essential_skills.length})`),
      linkList(occupation.essential_skills),
      optional.length
        ? h("details", {}, h("summary", {}, `Optionele vaardigheden (${optional.length})`), linkList(optional))
        : null,
      certificates.length ? [h("h3", {}, "Certificaten die helpen"), linkList(certificates, true)] : null,
      h("h3", {}, "Van werk naar werk"),
      h("p", { class: "hint" }, `Technische beroepen voor iemand die als ${occupation.label} werkte.`),
      moves?.transitions.length ? renderTransitions(moves.transitions) : h("p", {}, "Geen overstappen bekend."),
    ],
  };
}

async function certificateView(id, addChip) {
  const certificate = await getJSON(`v1/certificates/${encodeURIComponent(id)}`);
  const facts = [
    certificate.hours ? `${certificate.hours} uur` : null,
    certificate.level ? `mbo-niveau ${certificate.level}` : null,
    certificate.provider,
  ].filter(Boolean);
  return {
    title: certificate.label,
    content: [
      h("p", {}, facts.join(" · ")),
      certificate.description ? h("p", {}, certificate.description) : null,
      addButton("Toevoegen als behaald certificaat", () => addChip("certificate", certificate)),
      h("h3", {}, `Wat je leert (${certificate.skills.length})`),
      linkList(certificate.skills),
    ],
  };
}
