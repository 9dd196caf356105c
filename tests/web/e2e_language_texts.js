// What a reader sees on the page, as [where, text] pairs (test_e2e_language.py): the text, titles,
// placeholders, aria-labels, button values, table headers, options, chart text; "allowed" pairs are the
// page's code and its elements marked with another language.
() => {
  const seen = new Set(), out = [];
  const add = (where, text) => { text = (text || "").trim(); if (text && !seen.has(where + text)) { seen.add(where + text); out.push([where, text]); } };
  add("title", document.title);
  add("body", document.body.innerText);
  for (const e of document.querySelectorAll("[title]")) add("title=", e.getAttribute("title"));
  for (const e of document.querySelectorAll("[placeholder]")) add("placeholder=", e.getAttribute("placeholder"));
  for (const e of document.querySelectorAll("[aria-label]")) add("aria-label=", e.getAttribute("aria-label"));
  for (const e of document.querySelectorAll("[alt]")) add("alt=", e.getAttribute("alt"));
  for (const e of document.querySelectorAll("[data-title]")) add("data-title=", e.getAttribute("data-title"));
  for (const e of document.querySelectorAll("input[type=submit], input[type=button], input[type=reset]")) add("value=", e.value);
  for (const e of document.querySelectorAll("th")) add("th", e.textContent);
  for (const e of document.querySelectorAll("option")) add("option", e.textContent);
  for (const e of document.querySelectorAll("svg text")) add("svg", e.textContent);
  const lang = document.documentElement.lang;
  for (const e of document.querySelectorAll("code")) add("allowed", e.textContent);
  for (const e of document.querySelectorAll("body [lang]")) if (e.lang !== lang) add("allowed", e.textContent);
  return out;
}
