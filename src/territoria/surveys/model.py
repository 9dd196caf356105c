"""Questionnaire definitions: questions, answer scales, what each question informs, ru / kk / en wording.

A questionnaire is a YAML file validated into :class:`Questionnaire` (pydantic, unknown keys forbidden;
errors name the key path). Reading the file is :func:`territoria.surveys.readers.read_questionnaire`;
this module does no I/O. See ``docs/surveys.md`` for the format.

Question types
--------------
``unit``            the sampled settlement (a choice list filled from the sample when the form is made)
``select_one``      one answer from ``scale``
``select_multiple`` any answers from ``scale``
``integer`` / ``decimal``  a number, optionally within ``min`` .. ``max``
``text``            free text (kept, never summarised)
``pairwise``        AHP comparisons of every pair of ``items`` (expanded to one ``select_one`` per pair on
                    the 17-point Saaty scale, see :data:`SAATY_CHOICES`)
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from territoria.catalog.catalogue import Catalogue, Indicator
from territoria.errors import SpecError

__all__ = ["SAATY_CHOICES", "Choice", "Measure", "Question", "Questionnaire", "Scale", "Text", "field_choices",
           "field_label", "pair_choices", "pair_name"]

NAME = r"^[a-z][a-z0-9_]*$"
LANGS = ("ru", "kk", "en")


class Text(BaseModel):
    """A wording in Russian, Kazakh and English; empty Kazakh falls back to Russian, then English."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ru: str = ""
    kk: str = ""
    en: str = ""

    @model_validator(mode="after")
    def _some_text(self) -> Text:
        if not (self.ru or self.en):
            raise ValueError("a text needs at least its Russian (ru) or English (en) wording")
        return self

    def get(self, lang: str) -> str:
        if lang not in LANGS:
            raise SpecError("lang", f"language {lang!r} is not one of {list(LANGS)}")
        return getattr(self, lang) or self.ru or self.en


class Choice(BaseModel):
    """One answer of a scale. ``value`` is what forms store (a number for ordinal scales)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    value: int | str
    label: Text
    missing: bool = False  # "don't know" / "refuse": a valid answer left out of means and shares

    @property
    def name(self) -> str:
        return str(self.value)


class Scale(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    choices: list[Choice] = Field(min_length=2)

    @model_validator(mode="after")
    def _unique(self) -> Scale:
        names = [c.name for c in self.choices]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"choice value(s) {dup} appear more than once")
        return self

    def by_name(self) -> dict[str, Choice]:
        return {c.name: c for c in self.choices}


class Measure(BaseModel):
    """A statistic of a question that is stored as an indicator per settlement.

    ``mean``: mean of the numeric answers; ``share``: percentage of valid answers whose value is in
    ``values`` (for ``select_multiple``: of respondents who chose any of them).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str = Field(pattern=NAME)
    statistic: Literal["mean", "share"]
    values: list[int | str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _share_needs_values(self) -> Measure:
        if self.statistic == "share" and not self.values:
            raise ValueError("a 'share' measure needs 'values' (the answers counted)")
        return self


class Informs(BaseModel):
    """Where a question belongs in the method: its block and, optionally, the catalogue indicator it informs."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    block: Literal["social", "economic", "infrastructural", "environmental", "context"]
    indicator: str | None = None


class OnlyIf(BaseModel):
    """Ask the question only when ``question`` was answered with one of ``values``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    question: str = Field(pattern=NAME)
    values: list[int | str] = Field(min_length=1)


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME)
    type: Literal["unit", "select_one", "select_multiple", "integer", "decimal", "text", "pairwise"]
    label: Text
    hint: Text | None = None
    scale: str | None = None
    items: list[str] = Field(default_factory=list)  # pairwise: item values of ``scale``
    required: bool = True
    min: float | None = None
    max: float | None = None
    only_if: OnlyIf | None = None
    informs: Informs | None = None
    measures: list[Measure] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Question:
        if self.type in ("select_one", "select_multiple", "pairwise") and not self.scale:
            raise ValueError(f"a {self.type} question needs 'scale'")
        if self.type == "pairwise" and len(self.items) < 2:
            raise ValueError("a pairwise question needs at least two 'items'")
        if self.type in ("text", "unit", "pairwise") and self.measures:
            raise ValueError(f"a {self.type} question cannot carry measures")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min} is above max {self.max}")
        return self


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(pattern=NAME)
    label: Text
    questions: list[Question] = Field(min_length=1)


#: The 17-point Saaty scale of a pairwise question: ``l9`` = the left item is extremely more important
#: (9), ..., ``1`` = equal, ..., ``r9`` = the right item is extremely more important.
SAATY_CHOICES: dict[str, float] = {**{f"l{k}": float(k) for k in range(9, 1, -1)}, "1": 1.0,
                                   **{f"r{k}": 1.0 / k for k in range(2, 10)}}


def pair_name(question: str, left: str, right: str) -> str:
    """Field name of one comparison of a pairwise question."""
    return f"{question}__{left}__{right}"


class Questionnaire(BaseModel):
    """A validated questionnaire; see the module docstring and ``docs/surveys.md``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=NAME)
    version: str
    kind: Literal["residents", "experts"]
    title: Text
    description: Text | None = None
    unit_question: str
    scales: dict[str, Scale] = Field(default_factory=dict)
    sections: list[Section] = Field(min_length=1)
    indicators: list[Indicator] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Questionnaire:
        names: dict[str, str] = {}
        for s, section in enumerate(self.sections):
            for q, question in enumerate(section.questions):
                where = f"sections[{s}].questions[{q}]"
                if question.name in names:
                    raise ValueError(f"{where}: question name {question.name!r} already used at {names[question.name]}")
                names[question.name] = where
                if question.scale and question.scale not in self.scales:
                    raise ValueError(f"{where}: scale {question.scale!r} is not among scales {sorted(self.scales)}")
                choice_names = set(self.scales[question.scale].by_name()) if question.scale else set()
                for m in question.measures:
                    unknown = [v for v in m.values if str(v) not in choice_names]
                    if unknown and question.type in ("select_one", "select_multiple"):
                        raise ValueError(f"{where}: measure {m.indicator!r} counts {unknown}, not values of "
                                         f"scale {question.scale!r}")
                unknown_items = [i for i in question.items if i not in choice_names]
                if unknown_items:
                    raise ValueError(f"{where}: items {unknown_items} are not values of scale {question.scale!r}")
                if question.only_if and question.only_if.question not in names:
                    raise ValueError(f"{where}: only_if refers to {question.only_if.question!r}, which is not "
                                     "an earlier question")
        if self.unit_question not in names:
            raise ValueError(f"unit_question {self.unit_question!r} is not a question of the questionnaire")
        if self.question(self.unit_question).type != "unit":
            raise ValueError(f"unit_question {self.unit_question!r} must be of type 'unit'")
        slotted = [i.id for i in self.indicators if i.slot]
        if slotted:
            raise ValueError(f"indicators {slotted}: a questionnaire may not claim slots of the method's system")
        measured = [m.indicator for q in self.questions for m in q.measures]
        dup = sorted({i for i in measured if measured.count(i) > 1})
        if dup:
            raise ValueError(f"indicator(s) {dup} are measured by more than one question")
        return self

    # -- access ---------------------------------------------------------------------------------
    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, name: str) -> Question:
        for q in self.questions:
            if q.name == name:
                return q
        raise SpecError(f"questions.{name}", f"no question named {name!r} in questionnaire {self.id!r}")

    def fields(self) -> list[tuple[Question, str]]:
        """Every answer field as it appears in a form and its exports: (question, field name).

        A pairwise question contributes one field per pair (:func:`pair_name`); others one field each.
        """
        out = []
        for q in self.questions:
            if q.type == "pairwise":
                out.extend((q, pair_name(q.name, a, b)) for a, b in combinations(q.items, 2))
            else:
                out.append((q, q.name))
        return out

    def measures(self) -> list[tuple[Question, Measure]]:
        return [(q, m) for q in self.questions for m in q.measures]

    def extend_catalogue(self, base: Catalogue) -> Catalogue:
        """``base`` plus the indicators this questionnaire declares (ids already in ``base`` are an error)."""
        clash = [i.id for i in self.indicators if i.id in base]
        if clash:
            raise SpecError("indicators", f"{clash} are already in the catalogue; remove them from the questionnaire",
                            file=self.id)
        return Catalogue([*base, *self.indicators], source=f"{base.source} + questionnaire {self.id}")

    @classmethod
    def from_mapping(cls, raw: Any, *, file: str | None = None) -> Questionnaire:
        """Validate a parsed YAML mapping; errors name the key path."""
        if not isinstance(raw, dict):
            raise SpecError("<root>", f"a questionnaire is a mapping, got {type(raw).__name__}", file=file)
        try:
            return cls.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            path = ".".join(str(p) for p in err["loc"]) or "<root>"
            msg = err["msg"].removeprefix("Value error, ")
            got = f" (got {err['input']!r})" if err["type"] != "value_error" and "input" in err else ""
            raise SpecError(path, msg + got, file=file) from None


def pair_choices(questionnaire: Questionnaire, question: Question, left: str, right: str) -> list[tuple[str, Text]]:
    """The 17 answers of one comparison, worded with the two items' labels (``l9`` ... ``1`` ... ``r9``)."""
    items = questionnaire.scales[question.scale or ""].by_name()
    a, b = items[left].label, items[right].label
    out = []
    for name, value in SAATY_CHOICES.items():
        if name == "1":
            out.append((name, Text(ru="Одинаково важны (1)", en="Equally important (1)")))
            continue
        k = round(value if value > 1 else 1 / value)
        item = a if name.startswith("l") else b
        out.append((name, Text(ru=f"«{item.get('ru')}» важнее в {k} раз(а)",
                               en=f"“{item.get('en')}” {k} times more important",
                               kk="")))
    return out


def field_label(questionnaire: Questionnaire, question: Question, field: str, lang: str) -> str:
    """The wording of one answer field in ``lang`` (a pair's field names both items)."""
    text = question.label.get(lang)
    if question.type != "pairwise":
        return text
    _, left, right = field.split("__")
    items = questionnaire.scales[question.scale or ""].by_name()
    return f"{text} — {items[left].label.get(lang)} / {items[right].label.get(lang)}"


def field_choices(questionnaire: Questionnaire, question: Question, field: str) -> list[tuple[str, Text]]:
    """(value, wording) of every allowed answer of a choice field; empty for numbers and text."""
    if question.type == "pairwise":
        _, left, right = field.split("__")
        return pair_choices(questionnaire, question, left, right)
    if question.scale:
        return [(c.name, c.label) for c in questionnaire.scales[question.scale].choices]
    return []
