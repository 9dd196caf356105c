// Layout problems of the page (test_e2e_language.py): the page wider than the window, an element of `sel`
// whose text is cut or that lies beyond the window (outside a box scrolling sideways), key elements
// overlapping one another.
(sel) => {
  const bad = [];
  const W = document.documentElement.clientWidth;
  const scrolls = e => {  // inside a box that scrolls sideways, an element may lie beyond the window
    for (let box = e.parentElement; box; box = box.parentElement)
      if (["auto", "scroll"].includes(getComputedStyle(box).overflowX)) return true;
    return false;
  };
  const label = e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}${e.className && typeof e.className === "string" ? "." + e.className.split(" ")[0] : ""}`;
  if (document.documentElement.scrollWidth > W + 1) {
    const culprits = [...document.querySelectorAll("body *")].filter(e => e.getBoundingClientRect().right > W + 1
      && !scrolls(e) && ![...e.children].some(c => c.getBoundingClientRect().right > W + 1));
    bad.push(`the page is ${document.documentElement.scrollWidth} px wide in a ${W}-px window: `
      + culprits.slice(0, 3).map(label).join(", "));
  }
  for (const e of document.querySelectorAll(sel)) {
    const r = e.getBoundingClientRect();
    if (!r.width) continue;  // hidden
    const name = `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} «${(e.innerText || e.value || "").slice(0, 40)}»`;
    if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "auto") bad.push(`${name} cut: ${e.scrollWidth} > ${e.clientWidth}`);
    if (r.right > W + 1 && !scrolls(e)) bad.push(`${name} beyond the window: right edge ${Math.round(r.right)} > ${W}`);
  }
  for (const svg of document.querySelectorAll(".main-svg")) {  // a chart's labels inside its own picture
    const box = svg.getBoundingClientRect();  // the chart may scroll in its box: its own edges count
    if (!box.width) continue;
    for (const t of svg.querySelectorAll("text")) {
      const r = t.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1))
        bad.push(`chart label «${t.textContent.slice(0, 40)}» cut at the chart's edge`);
    }
  }
  const keys = [...document.querySelectorAll("header > *, header nav a, main h1, main > form button, main label")]
    .filter(e => e.getBoundingClientRect().width);
  for (let i = 0; i < keys.length; i++) for (let j = i + 1; j < keys.length; j++) {
    const a = keys[i], b = keys[j];
    if (a.contains(b) || b.contains(a)) continue;
    // line by line: an inline element wrapped over two lines has a bounding box wider than its text
    const hit = [...a.getClientRects()].some(p => [...b.getClientRects()].some(q =>
      Math.min(p.right, q.right) - Math.max(p.left, q.left) > 2 && Math.min(p.bottom, q.bottom) - Math.max(p.top, q.top) > 2));
    const name = e => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""} «${e.innerText.slice(0, 30)}»`;
    if (hit) bad.push(`${name(a)} overlaps ${name(b)}`);
  }
  return bad;
}
