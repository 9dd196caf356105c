"""A questionnaire laid out for printing: a flat list of blocks both the HTML and PDF writers render.

No I/O. Texts are in one language with the fallback of :meth:`Text.get` (empty Kazakh → Russian).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from territoria.surveys.model import SAATY_CHOICES, Questionnaire, field_choices

__all__ = ["UI", "PrintedQuestion", "PrintedSection", "layout"]

#: Fixed wording of the printed form.
UI = {
    "ru": {"several": "можно отметить несколько ответов", "number": "число", "from": "от", "to": "до",
           "text": "ответ", "only_if": "только если в вопросе {n} отмечено: {v}",
           "pairwise": "Для каждой пары обведите одно число: ближе к блоку — тем он важнее (1 — одинаково важны).",
           "settlement_other": "другой населённый пункт", "code": "код КАТО", "optional": "необязательный",
           "version": "версия"},
    "en": {"several": "several answers allowed", "number": "number", "from": "from", "to": "to",
           "text": "answer", "only_if": "only if question {n} is answered: {v}",
           "pairwise": "For each pair circle one number: the closer to an item, the more important it is "
                       "(1 = equally important).",
           "settlement_other": "other settlement", "code": "KATO code", "optional": "optional",
           "version": "version"},
}


@dataclass
class PrintedQuestion:
    number: int
    name: str
    kind: str
    label: str
    hint: str = ""
    options: list[str] = field(default_factory=list)
    note: str = ""
    pairs: list[tuple[str, str]] = field(default_factory=list)
    scale: list[str] = field(default_factory=list)


@dataclass
class PrintedSection:
    title: str
    questions: list[PrintedQuestion]


def _ui(lang: str) -> dict[str, str]:
    return UI.get(lang, UI["ru"])


def layout(questionnaire: Questionnaire, *, lang: str = "ru",
           sample: pd.DataFrame | None = None) -> tuple[str, str, list[PrintedSection]]:
    """(title, description, sections) of the printed form; ``sample`` lists the settlements to tick."""
    ui = _ui(lang)
    number = 0
    numbers = {}
    sections = []
    saaty_left = [k for k in SAATY_CHOICES if k.startswith("l")]
    scale = [k[1:] for k in saaty_left] + ["1"] + [k[1:] for k in reversed(saaty_left)]
    for s in questionnaire.sections:
        printed = []
        for q in s.questions:
            number += 1
            numbers[q.name] = number
            item = PrintedQuestion(number, q.name, q.type, q.label.get(lang), q.hint.get(lang) if q.hint else "")
            notes = []
            if not q.required:
                notes.append(ui["optional"])
            if q.only_if is not None:
                ref = questionnaire.question(q.only_if.question)
                labels = dict(field_choices(questionnaire, ref, ref.name))
                shown = ", ".join(labels[str(v)].get(lang) if str(v) in labels else str(v) for v in q.only_if.values)
                notes.append(ui["only_if"].format(n=numbers[ref.name], v=shown))
            if q.type in ("select_one", "select_multiple"):
                item.options = [t.get(lang) for _, t in field_choices(questionnaire, q, q.name)]
                if q.type == "select_multiple":
                    notes.append(ui["several"])
            elif q.type == "unit":
                if sample is not None and len(sample):
                    col = next((c for c in (f"name_{lang}", "name_ru", "name_en", "name") if c in sample.columns), None)
                    item.options = [f"{r[col]} ({r['code']})" if col and isinstance(r[col], str) else str(r["code"])
                                    for _, r in sample.iterrows()]
                    item.options.append(f"{ui['settlement_other']}: ____________")
                else:
                    notes.append(ui["code"])
            elif q.type in ("integer", "decimal"):
                bounds = ""
                if q.min is not None:
                    bounds += f" {ui['from']} {q.min:g}"
                if q.max is not None:
                    bounds += f" {ui['to']} {q.max:g}"
                notes.append(ui["number"] + bounds)
            elif q.type == "pairwise":
                items = questionnaire.scales[q.scale or ""].by_name()
                item.pairs = [(items[a].label.get(lang), items[b].label.get(lang))
                              for f, (a, b) in ((f, f.split("__")[1:]) for _, f in questionnaire.fields()
                                                if f.startswith(q.name + "__"))]
                item.scale = scale
                item.hint = item.hint or ui["pairwise"]
            item.note = "; ".join(notes)
            printed.append(item)
        sections.append(PrintedSection(s.label.get(lang), printed))
    description = questionnaire.description.get(lang) if questionnaire.description else ""
    return questionnaire.title.get(lang), description, sections
