// skillreg's pages work without this file: it adds copy buttons and search suggestions.
"use strict";
document.documentElement.classList.add("js");
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button || !navigator.clipboard) return;
  navigator.clipboard.writeText(button.dataset.copy).then(() => {
    const label = button.textContent;
    button.textContent = "Copied";
    setTimeout(() => { button.textContent = label; }, 1500);
  });
});
for (const input of document.querySelectorAll("input[data-suggest]")) {
  const list = document.createElement("ul");
  list.className = "suggest";
  list.setAttribute("role", "listbox");
  input.setAttribute("aria-autocomplete", "list");
  input.after(list);
  let timer = 0;
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      list.replaceChildren();
      if (q.length < 2) return;
      const response = await fetch("/api/v1/skills?limit=5&q=" + encodeURIComponent(q), { credentials: "omit" });
      if (!response.ok) return;
      const page = await response.json();
      for (const skill of page.skills) {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = "/" + skill.id;
        link.textContent = skill.id + " — " + skill.description;
        item.append(link);
        list.append(item);
      }
    }, 200);
  });
}
