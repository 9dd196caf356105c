"""The printable form as one self-contained HTML page (print it from a browser, A4)."""

from __future__ import annotations

from html import escape
from pathlib import Path

import pandas as pd

from territoria.surveys.forms.layout import UI, layout
from territoria.surveys.model import Questionnaire

__all__ = ["render_html", "write_html"]

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 11pt; max-width: 180mm; margin: 10mm auto; }
h1 { font-size: 15pt; } h2 { font-size: 12.5pt; border-bottom: 1px solid #444; margin-top: 1.4em; }
.q { margin: 0.8em 0; page-break-inside: avoid; } .n { font-weight: bold; margin-right: 0.3em; }
.note, .hint { color: #555; font-size: 9.5pt; font-style: italic; }
ul.opts { list-style: none; padding-left: 1.2em; margin: 0.3em 0; } ul.opts li::before { content: "\\2610\\00a0"; }
.line { border-bottom: 1px solid #000; min-height: 1.4em; width: 60%; margin: 0.4em 0 0 1.2em; }
.text { border: 1px solid #000; min-height: 4em; margin: 0.4em 0 0 1.2em; }
table.pairs { border-collapse: collapse; margin: 0.4em 0 0 1.2em; font-size: 9.5pt; }
table.pairs td { border: 1px solid #999; padding: 2px 4px; text-align: center; }
table.pairs td.item { text-align: left; font-weight: bold; width: 25%; }
footer { margin-top: 2em; color: #777; font-size: 8.5pt; }
@media print { body { margin: 0; } }
"""


def render_html(questionnaire: Questionnaire, *, lang: str = "ru", sample: pd.DataFrame | None = None) -> str:
    """The form as an HTML document in ``lang`` (Kazakh falls back to Russian where no wording exists)."""
    title, description, sections = layout(questionnaire, lang=lang, sample=sample)
    ui = UI.get(lang, UI["ru"])
    out = [f'<!DOCTYPE html>\n<html lang="{escape(lang)}"><head><meta charset="utf-8">',
           f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{escape(title)}</h1>"]
    if description:
        out.append(f"<p>{escape(description)}</p>")
    for section in sections:
        out.append(f"<h2>{escape(section.title)}</h2>")
        for q in section.questions:
            out.append(f'<div class="q" id="{escape(q.name)}"><span class="n">{q.number}.</span>{escape(q.label)}')
            if q.hint:
                out.append(f'<div class="hint">{escape(q.hint)}</div>')
            if q.note:
                out.append(f'<div class="note">({escape(q.note)})</div>')
            if q.options:
                out.append('<ul class="opts">' + "".join(f"<li>{escape(o)}</li>" for o in q.options) + "</ul>")
            elif q.pairs:
                rows = "".join("<tr><td class=\"item\">" + escape(a) + "</td>"
                               + "".join(f"<td>{v}</td>" for v in q.scale)
                               + "<td class=\"item\">" + escape(b) + "</td></tr>" for a, b in q.pairs)
                out.append(f'<table class="pairs">{rows}</table>')
            elif q.kind == "text":
                out.append('<div class="text"></div>')
            else:
                out.append('<div class="line"></div>')
            out.append("</div>")
    out.append(f"<footer>{escape(questionnaire.id)} · {ui['version']} {escape(questionnaire.version)}</footer>")
    out.append("</body></html>\n")
    return "\n".join(out)


def write_html(questionnaire: Questionnaire, path: str | Path, *, lang: str = "ru",
               sample: pd.DataFrame | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(questionnaire, lang=lang, sample=sample), encoding="utf-8")
    return path
