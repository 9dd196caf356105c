"""The words of the maps in Russian, Kazakh and English (legends, titles, the LISA classes).

Apart from :mod:`territoria.report.maps`, which draws with Matplotlib, so that the web pages, which only name
the levels, load no plotting library for them.
"""

from __future__ import annotations

from territoria.report.messages import in_language, term

__all__ = ["GRADES", "MAP_WORDS", "map_word"]

#: Words of the maps: key -> (en, ru, kk).
MAP_WORDS: dict[str, tuple[str, str, str]] = {
    "index": ("Vulnerability index", "Индекс уязвимости", "Осалдық индексі"),
    "level": ("Grade", "Уровень", "Деңгей"),
    "cluster": ("Cluster", "Кластер", "Кластер"),
    "contiguous_cluster": ("Contiguous cluster", "Территориальный кластер", "Аумақтық кластер"),
    "lisa_class": ("Local clusters (LISA)", "Локальные кластеры (LISA)", "Жергілікті кластерлер (LISA)"),
    "region": ("Regions", "Регионы", "Өңірлер"),
    "district": ("Districts", "Районы", "Аудандар"),
    "settlement": ("Settlements", "Населённые пункты", "Елді мекендер"),
    "no_data": ("no data", "нет данных", "деректер жоқ"),
    "boundaries": ("Boundaries", "Границы", "Шекаралар"),
    "High-High": ("high among high", "высокие среди высоких", "жоғарылар арасында жоғары"),
    "Low-Low": ("low among low", "низкие среди низких", "төмендер арасында төмен"),
    "High-Low": ("high among low", "высокие среди низких", "төмендер арасында жоғары"),
    "Low-High": ("low among high", "низкие среди высоких", "жоғарылар арасында төмен"),
    "not significant": ("not significant", "незначимо", "мәнді емес"),
    "island": ("no neighbour", "нет соседей", "көршісі жоқ"),
}
#: The grades, from the most to the least vulnerable (their names are the messages' `level` terms).
GRADES = ("crisis", "depressive", "vulnerable", "stable", "developing")


def map_word(key: str, lang: str = "en") -> str:
    """A map word in ``lang`` (``ru``, ``kk``, ``en``); grades through the messages' ``level`` terms."""
    if key in GRADES:
        return term("level", key, lang)
    if key not in MAP_WORDS:
        return key
    return in_language(MAP_WORDS[key], lang)
