// Territoria pages: every page draws what the JSON API under /api/ returns.
"use strict";
const body = document.body;
const LANG = body.dataset.lang || "ru";
const PAGE = body.dataset.page;
// The page's ?assessment= (NAME or NAME@VERSION), passed on to the API calls; its level picks the map's level.
const ASSESSMENT = body.dataset.assessment || "", ASSESSMENT_LEVEL = body.dataset.assessmentLevel || "";
const AQ = ASSESSMENT ? `&assessment=${encodeURIComponent(ASSESSMENT)}` : "";
// The interface's words (a JSON block, not an inline script: the Content-Security-Policy allows no inline script).
const W = JSON.parse(document.getElementById("words").textContent);
// Words kept in the message catalogues (page.* keys): language names, the chart toolbar.
const PW = JSON.parse((document.getElementById("page-words") || {}).textContent || "{}");
// Plotly's own words (its toolbar's tooltips and hints) in the page's language, and its numbers written as
// the page writes them (1 234,5 in ru and kk).
const PLOTLY_WORDS = {"Download plot as a PNG": "download_png", "Download plot": "download", "Zoom": "zoom",
  "Pan": "pan", "Box Select": "box_select", "Lasso Select": "lasso_select", "Zoom in": "zoom_in",
  "Zoom out": "zoom_out", "Autoscale": "autoscale", "Reset axes": "reset_axes", "Reset view": "reset_view",
  "Reset": "reset", "Toggle Spike Lines": "spikes", "Show closest data on hover": "closest",
  "Toggle show closest data on hover": "closest", "Compare data on hover": "compare",
  "Double-click to zoom back out": "double_click", "Double-click on legend to isolate one trace": "isolate"};
const PLOTLY_LOCALE = {dictionary: Object.fromEntries(Object.entries(PLOTLY_WORDS)
  .filter(([, key]) => PW[`chart.${key}`]).map(([en, key]) => [en, PW[`chart.${key}`]])),
  format: LANG === "en" ? {} : {decimal: ",", thousands: "\u00a0"}};
// The session's CSRF token: sent with every state-changing request (the server refuses those without it).
const CSRF = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c ?? ""));
  return node;
}

// A text line whose `inline code` (between backticks) is set as <code>, built as nodes (no HTML parsing).
function withCode(line) {
  return String(line ?? "").split("`").map((part, i) => (i % 2 ? el("code", {}, part) : part)).filter((p) => p !== "");
}

// Kazakh writes numbers as Russian does (1 234,5); a browser without kk-KZ data falls back to 1,234.5, and
// Debian's Chromium says it supports kk-KZ yet writes 0.5: the formatting itself is tried.
const LOCALE = LANG === "kk" ? ((0.5).toLocaleString("kk-KZ") === "0,5" ? "kk-KZ" : "ru-RU")
  : ({ru: "ru-RU", en: "en-GB"}[LANG] || "en-GB");
function fmt(v) {
  if (v === null || v === undefined) return "";
  if (typeof v === "boolean") return v ? "✓" : "—";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return Math.abs(v) >= 10000 ? v.toLocaleString(LOCALE) : String(v);
    if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString(LOCALE);
    return v.toLocaleString(LOCALE, {maximumSignificantDigits: 3});
  }
  return String(v);
}

function table(data, link, id) {
  const t = el("table", id ? {id: id} : {});
  // a column with a worded twin (evaluated_at beside evaluated_at_text) is shown through its twin
  const shown = data.columns.map(c => !data.columns.includes(c + "_text"));
  t.append(el("thead", {}, el("tr", {}, ...(data.headers || data.columns).filter((_, i) => shown[i]).map(c => el("th", {}, c)))));
  const tb = el("tbody");
  const li = link ? data.columns.indexOf(link) : -1;
  for (const row of data.rows) {
    const tr = el("tr", li >= 0 ? {"data-unit": row[li]} : {});
    row.forEach((v, i) => {
      if (!shown[i]) return;
      const td = el("td", typeof v === "number" ? {class: "num"} : {});
      if (i === li || (li >= 0 && data.columns[i] === "name")) {
        td.append(el("a", {href: `/unit/${row[li]}?lang=${LANG}`, class: "unit-link"}, fmt(v)));
      } else td.append(fmt(v));
      tr.append(td);
    });
    tb.append(tr);
  }
  t.append(tb);
  return el("div", {class: "table-scroll"}, t);  // a wide table scrolls in its own box, not the page
}

function figure(fig, container) {
  const div = el("div", {class: "fig"});
  // charts of several panels (an indicator's trend each) keep a readable width and scroll on a phone
  if (fig.layout && fig.layout.xaxis2) div.classList.add("fig-panels");
  container.append(el("div", {class: "fig-scroll"}, div));
  // no "share to Plotly Cloud" button: the Store's figures never leave this server
  Plotly.newPlot(div, fig.data, fig.layout, {displaylogo: false, responsive: true, locale: LANG,
    locales: {[LANG]: PLOTLY_LOCALE}, modeBarButtonsToRemove: ["sendChartToCloud"]});
  if (fig.layout && fig.layout.polar) {
    // a radar's block names sit outside its circle: on a phone keep room for them on both sides
    const wide = {...(fig.layout.margin || {})};
    const size = ((fig.layout.polar.angularaxis || {}).tickfont || {}).size;
    const fit = () => {
      const narrow = div.clientWidth < 600;
      Plotly.relayout(div, {"margin.l": narrow ? 115 : wide.l ?? 80, "margin.r": narrow ? 115 : wide.r ?? 80,
                            "polar.angularaxis.tickfont.size": narrow ? 10 : size});
    };
    if (div.clientWidth < 600) fit();
    window.addEventListener("resize", fit);
  }
  div.on && div.on("plotly_click", ev => {
    const code = ev.points && ev.points[0] && ev.points[0].customdata;
    if (code) window.location = `/unit/${code}?lang=${LANG}`;
  });
}

function drawDoc(doc, target, downloads) {
  target.innerHTML = "";
  target.append(el("h1", {id: "doc-title"}, doc.title), el("div", {class: "subtitle"}, doc.subtitle));
  if (downloads) {
    const d = el("div", {class: "downloads"}, "⬇ ");
    for (const f of ["html", "pdf", "xlsx"]) d.append(el("a", {href: `${downloads}.${f}?lang=${LANG}${AQ}`}, f.toUpperCase()), " ");
    target.append(d);
  }
  for (const s of doc.sections) {
    const sec = el("section", {id: `section-${s.id}`}, el("h2", {}, s.title));
    for (const line of s.text) sec.append(el("p", {}, ...withCode(line)));
    target.append(sec);
    if (s.figure) figure(s.figure, sec);
    if (s.table) sec.append(table(s.table, s.link, `table-${s.id}`));
  }
}

async function getJSON(url, opts) {
  opts = {credentials: "same-origin", ...(opts || {})};
  if (opts.method && opts.method !== "GET") opts.headers = {...(opts.headers || {}), "X-CSRF-Token": CSRF};
  const r = await fetch(url, opts);
  const data = await r.json().catch(() => ({detail: r.statusText}));
  if (!r.ok) throw new Error(typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail));
  return data;
}

function showError(target, err) { target.innerHTML = ""; target.append(el("pre", {class: "error"}, String(err.message || err))); }

document.getElementById("lang-select").addEventListener("change", ev => {
  const url = new URL(window.location);
  url.searchParams.set("lang", ev.target.value);
  window.location = url;
});

function drawMonitor(m, doc) {
  doc.innerHTML = "";
  const last = m.last_evaluation;
  const when = el("p", {id: "monitor-last"}, last ? W.last_evaluated.replace("{at}", last.evaluated_at_text) : W.never_evaluated);
  doc.append(when);
  if (last && last.changes) {
    doc.append(el("p", {id: "monitor-counts"}, W.evaluated_now.replace("{evaluations}", last.evaluations).replace("{warnings}", last.warnings)));
    doc.append(el("h2", {}, W.changes), last.changes.rows.length ? table(last.changes, "unit", "table-changes") : el("p", {id: "monitor-no-changes"}, W.no_changes));
  }
  doc.append(el("h2", {}, W.measures), m.measures.rows.length ? table(m.measures, "unit", "table-measures") : el("p", {}, W.no_measures));
  doc.append(el("h2", {}, W.warnings), m.warnings.rows.length ? table(m.warnings, "unit", "table-warnings") : el("p", {}, W.none));
}

const monitorForm = document.getElementById("monitor-form");
if (monitorForm) monitorForm.addEventListener("submit", async ev => {
  ev.preventDefault();
  const doc = document.getElementById("doc");
  try { drawMonitor(await getJSON(`/api/monitoring/evaluate?lang=${LANG}`, {method: "POST"}), doc); }
  catch (err) { showError(doc, err); }
});

// Monitoring: adopt a measure (POST /api/monitoring/measures), then the board with its first evaluation.
// Each refusal (the server's, in the page's language, or the page's own checks) is shown beside its field.
const measureForm = document.getElementById("measure-form");
function fieldError(field, text) {
  const span = measureForm.querySelector(`.field-error[data-field="${CSS.escape(field)}"]`);
  if (!span) return false;
  span.textContent = span.textContent ? `${span.textContent}; ${text}` : text;
  span.closest(".field, td, fieldset")?.classList.add("invalid");
  return true;
}
function clearFieldErrors() {
  for (const span of measureForm.querySelectorAll(".field-error")) span.textContent = "";
  for (const node of measureForm.querySelectorAll(".invalid")) node.classList.remove("invalid");
}
function targetRow(indicators) {
  const row = el("tr", {class: "target-row"});
  const ind = el("select", {class: "t-indicator"}, el("option", {value: ""}, "—"));
  for (const i of indicators) ind.append(el("option", {value: i.id}, i.name.endsWith(i.unit) ? i.name : `${i.name} (${i.unit})`));
  const unit = el("select", {class: "t-unit"});
  const fillUnits = () => {
    unit.innerHTML = "";
    const item = indicators.find(i => i.id === ind.value);
    unit.append(el("option", {value: ""}, item ? item.unit : W.measure_own_unit));
    for (const u of (item ? item.units : [])) unit.append(el("option", {value: u}, u));
  };
  ind.addEventListener("change", fillUnits);
  fillUnits();
  // each control says what it is (its column's header), for the narrow layout where the headers are hidden
  ind.title = W.measure_indicator; unit.title = W.measure_target_unit;
  const value = el("input", {class: "t-value", type: "text", inputmode: "decimal", size: "10", autocomplete: "off",
                             title: W.measure_target, placeholder: W.measure_target});
  const deadline = el("input", {class: "t-deadline", type: "number", min: "1990", max: "2100", step: "1",
                                title: W.measure_deadline, placeholder: W.measure_deadline});
  const remove = el("button", {type: "button", class: "t-remove", title: W.measure_remove}, "×");
  remove.addEventListener("click", () => { if (measureForm.querySelectorAll(".target-row").length > 1) row.remove(); });
  const cell = (node, part) => el("td", {}, node, el("span", {class: "field-error", "data-part": part}));
  row.append(cell(ind, "indicator"), cell(value, "value"), cell(unit, "unit"), cell(deadline, "deadline_year"),
             el("td", {}, remove));
  document.getElementById("measure-target-rows").append(row);
  return row;
}
function readNumber(text) {
  const t = String(text || "").replace(/[\s\u00a0\u202f]/g, "").replace(",", ".").replace("\u2212", "-");
  return t && Number.isFinite(Number(t)) ? Number(t) : null;
}
async function setupMeasure() {
  if (!measureForm) return;
  const out = document.getElementById("measure-result");
  const unitBox = document.getElementById("measure-unit"), unitSearch = document.getElementById("measure-unit-search");
  const chosenUnit = document.getElementById("measure-unit-chosen");
  suggestBox(unitSearch, document.getElementById("measure-unit-suggest"), u => {
    unitBox.value = u.code; unitSearch.value = "";
    chosenUnit.textContent = `${u.name} (${u.code})`;
    chosenUnit.dataset.unit = u.code;
  });
  let choices;
  try { choices = await getJSON(`/api/monitoring/choices?lang=${LANG}`); }
  catch (err) { out.hidden = false; out.className = "result error"; out.textContent = err.message; return; }
  const mech = document.getElementById("measure-mechanism");
  for (const m of choices.mechanisms) mech.append(el("option", {value: m.id}, `${m.name} (${m.horizon})`));
  targetRow(choices.indicators);
  document.getElementById("measure-more").addEventListener("click", () => targetRow(choices.indicators));
  measureForm.addEventListener("submit", async ev => {
    ev.preventDefault();
    clearFieldErrors();
    out.hidden = true;
    const rows = [...measureForm.querySelectorAll(".target-row")];
    rows.forEach((row, i) => { for (const span of row.querySelectorAll(".field-error")) span.dataset.field = `targets[${i}].${span.dataset.part}`; });
    let bad = false;
    const need = (ok, field, text) => { if (!ok) { fieldError(field, text); bad = true; } };
    const start = readNumber(document.getElementById("measure-start").value);
    need(unitBox.value, "unit", W.measure_pick_unit);
    need(mech.value, "mechanism", W.measure_need_choice);
    need(start !== null && Number.isInteger(start), "start_year", W.measure_need_number);
    const targets = rows.map((row, i) => {
      const t = {indicator: row.querySelector(".t-indicator").value, value: readNumber(row.querySelector(".t-value").value),
                 deadline_year: readNumber(row.querySelector(".t-deadline").value), unit: row.querySelector(".t-unit").value || null};
      need(t.indicator, `targets[${i}].indicator`, W.measure_need_choice);
      need(t.value !== null, `targets[${i}].value`, W.measure_need_number);
      need(t.deadline_year !== null && Number.isInteger(t.deadline_year), `targets[${i}].deadline_year`, W.measure_need_number);
      return t;
    });
    if (bad) return;
    const r = await fetch(`/api/monitoring/measures?lang=${LANG}`, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": CSRF},
      body: JSON.stringify({unit: unitBox.value, mechanism: mech.value, start_year: start, targets: targets,
                            note: document.getElementById("measure-note").value})});
    const data = await r.json().catch(() => ({detail: r.statusText}));
    if (!r.ok) {
      const left = (data.errors || []).filter(e => !fieldError(e.field, e.message)).map(e => e.message);
      if (!data.errors) left.push(typeof data.detail === "string" ? data.detail : JSON.stringify(data.detail));
      out.hidden = false; out.className = "result error";
      out.textContent = [W.refused, ...left].join("\n");  // the rest is beside its fields
      return;
    }
    out.hidden = false; out.className = "result ok";
    out.textContent = W.measure_added.replace("{ids}", data.added.join(", "));
    drawMonitor(data, document.getElementById("doc"));
  });
}

async function main() {
  const doc = document.getElementById("doc");
  try {
    if (PAGE === "overview") {
      drawDoc(await getJSON(`/api/ranking?lang=${LANG}${AQ}`), doc, "/api/ranking/report");
    } else if (PAGE === "unit") {
      const code = body.dataset.unit;
      drawDoc(await getJSON(`/api/units/${code}/profile?lang=${LANG}${AQ}`), doc, `/api/units/${code}/report`);
    } else if (PAGE === "monitor") {
      drawMonitor(await getJSON(`/api/monitoring?lang=${LANG}`), doc);
    }
  } catch (err) { if (doc) showError(doc, err); }
}

const uploadForm = document.getElementById("upload-form");
const uploadFile = document.getElementById("upload-file");
if (uploadFile) uploadFile.addEventListener("change", () => {  // the browser's own button speaks its own language
  document.getElementById("upload-file-name").textContent = uploadFile.files.length ? uploadFile.files[0].name : W.no_file;
});
if (uploadForm) uploadForm.addEventListener("submit", async ev => {
  ev.preventDefault();
  const out = document.getElementById("upload-result");
  const form = new FormData();
  form.append("file", document.getElementById("upload-file").files[0]);
  try {  // the summary, then each note (a hidden sheet not read, ...) on its own line
    const done = await getJSON(`/api/import?lang=${LANG}`, {method: "POST", body: form});
    out.textContent = [done.summary, ...(done.notes || [])].join("\n"); out.className = "result ok";
  }
  catch (err) { out.textContent = err.message; out.className = "result error"; }
});

const assessForm = document.getElementById("assess-form");
if (assessForm) assessForm.addEventListener("submit", async ev => {
  ev.preventDefault();
  const out = document.getElementById("assess-result"), errBox = document.getElementById("assess-error");
  const storedBox = document.getElementById("assess-stored"), nameBox = document.getElementById("assess-name");
  out.innerHTML = ""; errBox.textContent = ""; errBox.className = "result"; storedBox.innerHTML = "";
  const name = nameBox.value.trim();  // checked with the API's own pattern (ASSESSMENT_PATTERN) before posting
  if (name && !new RegExp(`^(?:${nameBox.dataset.pattern})$`).test(name)) {
    errBox.textContent = W.assess_name_invalid.replace("{name}", name); errBox.className = "result error"; return;
  }
  try {
    const res = await getJSON(`/api/assess?lang=${LANG}`, {method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({spec: document.getElementById("assess-spec").value, name: name || null})});
    const s = res.stored;
    if (s) {
      const ref = `${s.name}@${s.version}`;
      storedBox.append(el("span", {id: "assess-stored-text"},
        (s.created ? W.stored_as : W.already_stored).replace("{name}", s.name).replace("{version}", s.version)), " · ",
        el("a", {id: "assess-stored-link", href: `/?lang=${LANG}&assessment=${encodeURIComponent(ref)}`}, W.view_ranking));
      storedBox.className = "result ok";
    } else { storedBox.append(W.not_stored); storedBox.className = "result"; }
    out.append(el("h2", {}, res.name), table(res.table, "unit", "table-assess"));
  } catch (err) { errBox.textContent = err.message; errBox.className = "result error"; }
});

// Assess: the bundled example specs (GET /api/assess/examples) load into the editor when chosen.
async function setupExamples() {
  const pick = document.getElementById("assess-example");
  if (!pick) return;
  const about = document.getElementById("assess-example-about"), errBox = document.getElementById("assess-error");
  try {
    for (const ex of (await getJSON(`/api/assess/examples?lang=${LANG}`)).examples) {
      pick.append(el("option", {value: ex.name, "data-title": ex.title, "data-level": ex.level}, ex.title));
    }
  } catch (err) { errBox.textContent = err.message; errBox.className = "result error"; }
  pick.addEventListener("change", async () => {
    const opt = pick.selectedOptions[0];
    about.textContent = "";
    if (!pick.value) return;
    try {
      const r = await fetch(`/api/assess/examples/${encodeURIComponent(pick.value)}`, {credentials: "same-origin"});
      if (!r.ok) throw new Error((await r.json().catch(() => ({detail: r.statusText}))).detail);
      document.getElementById("assess-spec").value = await r.text();
      about.textContent = `${opt.dataset.title} (${W["tpl_" + opt.dataset.level] || opt.dataset.level})`;
    } catch (err) { errBox.textContent = err.message; errBox.className = "result error"; }
  });
}
setupExamples();

// Words of the map, level switch, search and picker (GET /api/map/words), filled into [data-w] elements.
let MW = {};
async function loadMapWords() {
  try { MW = await getJSON(`/api/map/words?lang=${LANG}`); } catch (err) { MW = {}; }
  for (const node of document.querySelectorAll("[data-w]")) node.textContent = MW[node.dataset.w] || node.dataset.w;
  for (const id of ["search-box", "measure-unit-search"]) {
    const box = document.getElementById(id);
    if (box) box.placeholder = MW.search_hint || "";
  }
}

// A search box that lists units by name (GET /api/search) and calls onPick(unit) on a click or Enter.
function suggestBox(input, list, onPick, level) {
  let timer = null, items = [];
  const draw = units => {
    list.innerHTML = ""; items = units;
    if (!units.length && input.value.trim()) list.append(el("li", {class: "none"}, MW.nothing_found || "—"));
    units.forEach((u, i) => {
      const li = el("li", {"data-unit": u.code, class: i === 0 ? "active" : ""}, u.name,
        el("span", {class: "meta"}, `${MW[u.level] || u.level}${u.region && u.level !== "region" ? " · " + u.region : ""} · ${u.code}`));
      li.addEventListener("mousedown", ev => { ev.preventDefault(); list.innerHTML = ""; onPick(u); });
      list.append(li);
    });
  };
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q) { draw([]); return; }
    timer = setTimeout(async () => {
      try {
        const units = (await getJSON(`/api/search?q=${encodeURIComponent(q)}&lang=${LANG}&limit=12${level ? "&level=" + level : ""}`)).units;
        await mapWords;  // the list names levels in the page's words
        draw(units);
      }
      catch (err) { draw([]); }
    }, 200);
  });
  input.addEventListener("keydown", ev => {
    if (ev.key === "Enter" && items.length) { ev.preventDefault(); list.innerHTML = ""; onPick(items[0]); }
    if (ev.key === "Escape") list.innerHTML = "";
  });
  input.addEventListener("blur", () => setTimeout(() => { list.innerHTML = ""; }, 150));
}

// Overview: level switch, map, ranking nationally or within a region, search by name.
let explorerTicket = 0;  // only the latest request draws (a slow earlier answer must not overwrite it)
async function drawExplorer() {
  const ticket = ++explorerTicket;
  const figBox = document.getElementById("map-figure");
  if (!figBox) return;
  const level = (document.querySelector("input[name=level]:checked") || {}).value || "region";
  const region = document.getElementById("region-select").value;
  const notes = document.getElementById("map-notes"), rank = document.getElementById("map-ranking");
  try {
    const data = await getJSON(`/api/map?level=${level}&lang=${LANG}${region ? "&region=" + region : ""}${level === ASSESSMENT_LEVEL ? AQ : ""}`);
    await mapWords;  // the map is drawn in a page whose words are in place
    if (ticket !== explorerTicket) return;
    notes.innerHTML = "";
    for (const n of data.notes) notes.append(el("p", {}, n));
    figBox.innerHTML = "";
    figure(data.figure, figBox);
    if (data.bounds) {  // zoom to the chosen region, keeping a margin around it
      const [x0, y0, x1, y1] = data.bounds, dx = (x1 - x0) * 0.08, dy = (y1 - y0) * 0.08;
      Plotly.relayout(figBox.querySelector(".fig"), {"xaxis.range": [x0 - dx, x1 + dx], "yaxis.range": [y0 - dy, y1 + dy]});
    }
    const select = document.getElementById("region-select");  // the regions of the map drawn (its year)
    const codes = data.regions.map(r => r.code).join();
    if (select.dataset.codes !== codes) {
      const keep = select.value;
      while (select.options.length > 1) select.remove(1);
      for (const r of data.regions) select.append(el("option", {value: r.code}, r.name));
      select.value = data.regions.some(r => r.code === keep) ? keep : "";
      select.dataset.codes = codes;
      if (keep && select.value !== keep) { drawExplorer(); return; }  // that region is not on this map
    }
    rank.innerHTML = "";
    if (data.ranking.rows.length) rank.append(table(data.ranking, "unit", "table-map-ranking"));
  } catch (err) { showError(figBox, err); }
}

function setupExplorer() {
  if (!document.getElementById("explorer")) return;
  const own = document.getElementById(`level-${ASSESSMENT_LEVEL}`);  // the map starts at the assessment's level
  if (own) own.checked = true;
  for (const radio of document.querySelectorAll("input[name=level]")) radio.addEventListener("change", drawExplorer);
  document.getElementById("region-select").addEventListener("change", drawExplorer);
  suggestBox(document.getElementById("search-box"), document.getElementById("search-results"),
    u => { window.location = `/unit/${u.code}?lang=${LANG}`; });
  drawExplorer();
}

// Compare: units chosen by name with the picker (or typed: codes or names), resolved through /api/search.
const compareForm = document.getElementById("compare-form");
const chosen = new Map();
function drawChips() {
  const box = document.getElementById("compare-chosen");
  box.innerHTML = "";
  if (chosen.size) box.append(el("span", {}, `${MW.picked || ""}: `));
  for (const [code, name] of chosen) {
    const rm = el("button", {type: "button", title: MW.remove || "x", "data-unit": code}, "×");
    rm.addEventListener("click", () => { chosen.delete(code); drawChips(); });
    box.append(el("span", {class: "chip", "data-unit": code}, `${name} (${code})`, rm));
  }
}
async function resolveUnit(text) {
  if (/^(\d{9}|X_[A-Z_]+)$/.test(text)) return text;
  const found = (await getJSON(`/api/search?q=${encodeURIComponent(text)}&lang=${LANG}&limit=1`)).units;
  if (!found.length) throw new Error(`${MW.nothing_found || "not found"}: ${text}`);
  chosen.set(found[0].code, found[0].name);
  return found[0].code;
}
async function runCompare(texts) {
  const out = document.getElementById("compare-result");
  try {
    await mapWords;  // the chips and the refusals use the page's words
    const codes = [...new Set([...chosen.keys(), ...(await Promise.all(texts.map(resolveUnit)))])];
    drawChips();
    if (codes.length < 2) throw new Error(MW.need_two || "2+");
    const q = codes.map(c => `units=${encodeURIComponent(c)}`).join("&");
    const res = await getJSON(`/api/compare?${q}&lang=${LANG}${AQ}`);
    out.innerHTML = "";
    if (res.figure) figure(res.figure, out);
    out.append(table(res.table, null, "table-compare"));
  } catch (err) { showError(out, err); }
}
function setupCompare() {
  if (!compareForm) return;
  const input = document.getElementById("compare-units");
  suggestBox(document.getElementById("compare-search"), document.getElementById("compare-suggest"), u => {
    chosen.set(u.code, u.name); drawChips(); document.getElementById("compare-search").value = "";
  });
  const pre = new URL(window.location).searchParams.getAll("units");
  if (pre.length) { input.value = pre.join(", "); runCompare(pre); }
  compareForm.addEventListener("submit", ev => {
    ev.preventDefault();
    const texts = input.value.split(/[,;]+/).map(t => t.trim()).filter(Boolean);
    runCompare(texts.flatMap(t => /^[\d\s]+$/.test(t) ? t.split(/\s+/) : [t]));
  });
}

// The search boxes and forms listen from the start, not once the words have arrived: what was typed before
// (a quick reader, a test filling the box right after the page loaded) was lost, and no suggestion came.
// Their words (MW) are read when something is drawn.
const mapWords = loadMapWords();
setupExplorer(); setupCompare(); setupMeasure();
main();
