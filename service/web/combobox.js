// An ARIA 1.2 combobox with a listbox popup: focus stays in the text box and
// aria-activedescendant points at the highlighted option, so screen readers follow
// the arrow keys while the advisor keeps typing.
import { announce, h } from "./dom.js";

const DEBOUNCE_MS = 150; // fast enough to feel live, slow enough not to query every key
const MIN_CHARS = 2; // /v1/suggest refuses shorter queries

/**
 * Wire `input` (role=combobox) to `list` (role=listbox).
 * search(query, signal) → Promise<items>; render(item) → node; pick(item) on choice.
 */
export function combobox(input, list, { search, render, pick }) {
  let items = [];
  let active = -1;
  let timer = 0;
  let controller = null;

  const isOpen = () => !list.hidden;
  const optionId = (index) => `${list.id}-${index}`;

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function setActive(index) {
    active = index;
    list.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
    });
    if (index < 0) {
      input.removeAttribute("aria-activedescendant");
      return;
    }
    input.setAttribute("aria-activedescendant", optionId(index));
    document.getElementById(optionId(index)).scrollIntoView({ block: "nearest" });
  }

  function choose(index) {
    const item = items[index];
    close();
    input.value = "";
    items = [];
    pick(item);
  }

  function show(found) {
    items = found;
    const options = found.map((item, index) =>
      h(
        "li",
        {
          role: "option",
          id: optionId(index),
          "aria-selected": "false",
          // mousedown, not click: it fires before the input loses focus.
          onmousedown: (event) => {
            event.preventDefault();
            choose(index);
          },
        },
        render(item),
      ),
    );
    list.replaceChildren(...options);
    active = -1;
    if (found.length === 0) {
      close();
      announce("Geen suggesties.");
      return;
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    input.removeAttribute("aria-activedescendant");
    announce(`${found.length} suggesties; kies met pijltje omlaag en Enter.`);
  }

  async function load(query) {
    if (controller) controller.abort(); // an older, slower answer must not win
    controller = new AbortController();
    try {
      const found = await search(query, controller.signal);
      if (input.value.trim() === query) show(found);
    } catch (error) {
      if (error.name !== "AbortError") show([]);
    }
  }

  input.addEventListener("input", () => {
    window.clearTimeout(timer);
    const query = input.value.trim();
    if (query.length < MIN_CHARS) {
      if (controller) controller.abort();
      close();
      return;
    }
    timer = window.setTimeout(() => load(query), DEBOUNCE_MS);
  });

  input.addEventListener("keydown", (event) => {
    const count = items.length;
    switch (event.key) {
      case "ArrowDown":
      case "ArrowUp": {
        if (!count) return;
        event.preventDefault();
        if (!isOpen()) {
          list.hidden = false;
          input.setAttribute("aria-expanded", "true");
        }
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive(active < 0 && step < 0 ? count - 1 : (active + step + count) % count);
        break;
      }
      case "Enter":
        // Enter in the search box picks; it never submits the form half-filled.
        event.preventDefault();
        if (isOpen() && active >= 0) choose(active);
        break;
      case "Escape":
        if (isOpen()) {
          event.preventDefault();
          close();
        } else if (input.value) {
          event.preventDefault();
          input.value = "";
        }
        break;
      default:
    }
  });

  input.addEventListener("blur", close);
}
