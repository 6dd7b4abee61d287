// The JSON API is the page's only source of truth; this module is the one place that
// talks to it and turns its problem+json errors (RFC 9457) into Dutch text.
import { KIND_NL, shortId } from "./dom.js";

/** An error answer, carrying the parsed problem document. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// Relative URLs, so the page also works when served under a path prefix.
function url(path, params = {}) {
  const target = new URL(path, document.baseURI);
  for (const [key, value] of Object.entries(params)) target.searchParams.set(key, value);
  return target;
}

async function send(request, signal) {
  let response;
  try {
    response = await fetch(request, { signal });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "Network error" });
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

export function getJSON(path, params = {}, signal = undefined) {
  return send(new Request(url(path, params), { headers: { Accept: "application/json" } }), signal);
}

// The story travels only here: in a POST body, never in a URL.
export function postJSON(path, body) {
  return send(
    new Request(url(path), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body),
    }),
  );
}

const STATUS_NL = {
  0: "De server is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.",
  400: "De aanvraag kon niet worden gelezen.",
  401: "Geen toegang: deze dienst vraagt een API-sleutel.",
  403: "Geen toegang: deze dienst vraagt een API-sleutel.",
  404: "Niet gevonden.",
  413: "Het verhaal is te lang om te versturen.",
  422: "Controleer de invoer.",
  429: "Even te veel zoekopdrachten. Probeer het over een minuut opnieuw.",
  503: "overstap start nog op. Probeer het zo opnieuw.",
};

const FIELD_NL = {
  "body.text": "Verhaal",
  "body.occupations": "Eerdere beroepen",
  "body.skills": "Vaardigheden",
  "body.certificates": "Certificaten",
  "body.region": "Regio",
};

// The server's messages are English; the common ones get a Dutch wording, the rest
// are shown as they are (still better than nothing next to the right field).
function messageNl(message) {
  const unknown = /^unknown: (.*)$/.exec(message);
  if (unknown) return `onbekend: ${unknown[1]}`;
  const tooLong = /at most (\d+) characters/.exec(message);
  if (tooLong) return `te lang (maximaal ${Number(tooLong[1]).toLocaleString("nl-NL")} tekens)`;
  if (message.includes("at least one of text")) {
    return "vul een verhaal in of voeg een beroep of vaardigheid toe";
  }
  return message;
}

/** {summary, fields: [{field, label, text}]} for an error from getJSON/postJSON. */
export function describeError(error) {
  const status = error instanceof ApiError ? error.status : 0;
  const serverFault = status >= 500 ? "Er ging iets mis bij de server. Probeer het opnieuw." : null;
  const summary = STATUS_NL[status] || serverFault || error.message;
  const errors = (error.problem && error.problem.errors) || [];
  const fields = errors.map((e) => ({
    field: e.field,
    label: FIELD_NL[e.field.replace(/\.\d+$/, "")] || "Invoer",
    text: messageNl(e.message || ""),
  }));
  return { summary, fields };
}

const PATHS = {
  occupation: "occupations",
  skill: "skills",
  certificate: "certificates",
  qualification: "qualifications",
};

/** The API path of one concept's detail. */
export function conceptPath(kind, id) {
  return `v1/${PATHS[kind] || "skills"}/${encodeURIComponent(id)}`;
}

/** A label for an evidence URI: a chip's label when known, else the concept's own route. */
export function labelFetcher(known) {
  const cache = new Map();
  return (uri, kind) => {
    if (known(uri)) return Promise.resolve(known(uri));
    if (!cache.has(uri)) {
      const fallback = () => KIND_NL[kind] || uri;
      const found = getJSON(conceptPath(kind, shortId(uri)));
      cache.set(uri, found.then((d) => d.label || fallback(), fallback));
    }
    return cache.get(uri);
  };
}
