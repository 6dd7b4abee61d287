// Small DOM helpers. Everything the API returns is put on the page as text nodes,
// never as HTML, so labels and stories cannot inject markup.

/** Build an element: h("a", {href: "#x", class: "c"}, "text", childNode). */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  node.append(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** Announce a short message to screen readers through the shared live region. */
export function announce(message) {
  const region = document.getElementById("melding");
  // Clearing first makes a repeated identical message be read again.
  region.textContent = "";
  window.setTimeout(() => (region.textContent = message), 50);
}

/** Dutch word for a concept kind, as the page shows it. */
export const KIND_NL = {
  occupation: "beroep",
  skill: "vaardigheid",
  certificate: "certificaat",
  qualification: "kwalificatie",
};

/** "41 %" for a 0–1 score. */
export function percent(value) {
  return `${Math.round(value * 100)} %`;
}

/** The short id of a concept URI (its last path or urn segment), as routes expect it. */
export function shortId(uri) {
  return uri.split(/[/:]/).pop();
}
