"""The printable form as a PDF (reportlab), with DejaVu Sans embedded for Cyrillic and Kazakh letters.

DejaVu Sans is taken from matplotlib's package data (``matplotlib.get_data_path()/fonts/ttf``).
"""

from __future__ import annotations

import os
from pathlib import Path
from xml.sax.saxutils import escape

import pandas as pd

from territoria.errors import TerritoriaError
from territoria.surveys.forms.layout import UI, layout
from territoria.surveys.model import Questionnaire

__all__ = ["FONT", "write_pdf"]

FONT = "DejaVuSans"


def _register_fonts() -> None:
    from reportlab.pdfbase import pdfmetrics  # lazy: heavy optional dependency
    from reportlab.pdfbase.ttfonts import TTFont  # lazy: heavy optional dependency

    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    import matplotlib  # lazy: heavy optional dependency

    folder = os.path.join(matplotlib.get_data_path(), "fonts", "ttf")
    regular, bold = os.path.join(folder, "DejaVuSans.ttf"), os.path.join(folder, "DejaVuSans-Bold.ttf")
    if not os.path.exists(regular):
        raise TerritoriaError(f"DejaVu Sans not found at {regular}; it is needed to print Cyrillic in a PDF")
    pdfmetrics.registerFont(TTFont(FONT, regular))
    pdfmetrics.registerFont(TTFont(FONT + "-Bold", bold if os.path.exists(bold) else regular))


def write_pdf(questionnaire: Questionnaire, path: str | Path, *, lang: str = "ru",
              sample: pd.DataFrame | None = None) -> Path:
    """Write the printable form to ``path`` (A4) in ``lang``."""
    # lazy: heavy optional dependency
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    _register_fonts()
    title, description, sections = layout(questionnaire, lang=lang, sample=sample)
    ui = UI.get(lang, UI["ru"])
    body = ParagraphStyle("body", fontName=FONT, fontSize=10, leading=13)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=colors.HexColor("#555555"))
    h1 = ParagraphStyle("h1", parent=body, fontName=FONT + "-Bold", fontSize=14, leading=18, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontName=FONT + "-Bold", fontSize=11.5, leading=15, spaceBefore=10,
                        spaceAfter=4)
    opt = ParagraphStyle("opt", parent=body, leftIndent=8 * mm)
    story: list = [Paragraph(escape(title), h1)]
    if description:
        story.append(Paragraph(escape(description), small))
    for section in sections:
        story.append(Paragraph(escape(section.title), h2))
        for q in section.questions:
            parts: list = [Paragraph(f"<b>{q.number}.</b> {escape(q.label)}", body)]
            if q.hint:
                parts.append(Paragraph(escape(q.hint), small))
            if q.note:
                parts.append(Paragraph(f"({escape(q.note)})", small))
            if q.options:
                parts.extend(Paragraph("\u2610 " + escape(o), opt) for o in q.options)
            elif q.pairs:
                rows = [[Paragraph(escape(a), small), *q.scale, Paragraph(escape(b), small)] for a, b in q.pairs]
                widths = [38 * mm] + [5.6 * mm] * len(q.scale) + [38 * mm]
                table = Table(rows, colWidths=widths)
                table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 8),
                                           ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                                           ("ALIGN", (1, 0), (-2, -1), "CENTER"),
                                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
                parts.append(table)
            else:
                height = 16 * mm if q.kind == "text" else 6 * mm
                box = Table([[""]], colWidths=[110 * mm], rowHeights=[height])
                style = [("BOX", (0, 0), (-1, -1), 0.5, colors.black)] if q.kind == "text" else \
                    [("LINEBELOW", (0, 0), (-1, -1), 0.5, colors.black)]
                box.setStyle(TableStyle(style))
                parts.append(box)
            parts.append(Spacer(1, 3 * mm))
            story.append(KeepTogether(parts))
    story.append(Spacer(1, 6 * mm))
    story.append(Paragraph(f"{escape(questionnaire.id)} · {ui['version']} {escape(questionnaire.version)}", small))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=title, author="Territoria")
    doc.build(story)
    return path
