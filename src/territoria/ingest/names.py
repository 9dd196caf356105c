"""Name keys: the spelling of a place folded so that its variants meet, with or without designators.

:func:`name_key` folds case, script and Latin variants (:mod:`territoria.ingest.transliterate`) and turns
punctuation into single spaces; :func:`normalise_name` also strips designators (г., с., район, ауданы,
district, область...) from both ends; :func:`suggest` gives the closest known spellings for a message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from rapidfuzz import fuzz, process

from territoria.ingest.transliterate import fold_latin, to_latin

__all__ = ["LEVEL_WORDS", "MAX_NAME_CHARS", "name_key", "normalise_name", "suggest"]

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

_DESIGNATOR_WORDS = (
    # Russian abbreviations and words (г.а. / с.о. / п.а. / с.а. split into letters by punctuation)
    "г", "с", "п", "д", "а", "о", "пгт", "ст", "рзд", "пос", "уч", "крес", "город", "село", "поселок",
    "посёлок", "аул", "деревня", "станция", "район", "область", "зимовка", "точка",
    # Kazakh
    "қ", "к", "қала", "қаласы", "ауданы", "аудан", "облысы", "ауылы", "ауыл", "кент", "кенті", "ә",
    "әкімдігі", "округі", "ауылдық",
    # English / transliterated
    "district", "region", "oblast", "oblys", "city", "town", "village", "settlement", "rural",
    "administration", "akimat", "audany", "raion", "rayon", "selo", "gorod", "of", "the",
)


#: Longer texts are not names of places or indicators: they are matched exactly or not at all (no fuzzy
#: matching, no suggestions), so that one long cell cannot hold an import for minutes.
MAX_NAME_CHARS = 200


def name_key(text: object) -> str:
    """Spelling key: folded Latin, punctuation as single spaces, designators kept.

    Examples
    --------
    >>> name_key("г.Мамлютка"), name_key("Mamljutka")
    ('g mamlyutka', 'mamlyutka')
    """
    return _name_key(str(text))


@lru_cache(maxsize=200_000)
def _name_key(text: str) -> str:
    latin = fold_latin(to_latin(text))
    return _NON_WORD.sub(" ", latin).strip()


_DESIGNATORS: frozenset[str] = frozenset(_name_key(w) for w in _DESIGNATOR_WORDS)
#: Words that say which level a name means ("Жамбыл облысы" is the region, "Жамбыл ауданы" a district).
LEVEL_WORDS: dict[str, frozenset[str]] = {
    "region": frozenset(_name_key(w) for w in ("область", "обл", "облысы", "region", "oblast", "oblys")),
    "district": frozenset(_name_key(w) for w in ("район", "ауданы", "аудан", "district", "raion", "rayon")),
}


def normalise_name(text: object) -> str:
    """Name key used for matching places: :func:`name_key` without designators at either end.

    Case folded, ``ё`` → ``е``, Kazakh letters folded, Cyrillic written in Latin and Latin variants folded, so
    that ``Мамлютка``, ``Mamlyutka`` and ``Mamljutka`` meet, as do ``Булаево``, ``Bulayevo`` and ``Bulaevo``;
    prefixes and suffixes such as г., с., п., пгт, ст., город, село, район, ауданы, district, region, область,
    облысы, г.а., с.о. are removed (never the only word).

    Examples
    --------
    >>> normalise_name("г. Булаево"), normalise_name("Bulayevo"), normalise_name("Мамлютский район")
    ('bulaevo', 'bulaevo', 'mamlyutsky')
    """
    return _normalise_name(str(text))


@lru_cache(maxsize=200_000)
def _normalise_name(text: str) -> str:
    tokens = _name_key(text).split()
    while len(tokens) > 1 and tokens[0] in _DESIGNATORS:
        tokens.pop(0)
    while len(tokens) > 1 and tokens[-1] in _DESIGNATORS:
        tokens.pop()
    return " ".join(tokens)


def suggest(name: object, choices: Mapping[str, object] | Iterable[str], limit: int = 3,
            *, cutoff: float = 50.0) -> list[str]:
    """The ``limit`` choices closest to ``name``, best first (original spellings).

    Parameters
    ----------
    name : object
        What was asked for.
    choices : mapping or iterable of str
        Known names (a mapping's keys are used).
    limit : int, default=3
        How many suggestions at most.
    cutoff : float, default=50
        Minimum ``rapidfuzz.fuzz.WRatio`` score (0–100) of the normalised keys.

    Examples
    --------
    >>> suggest("populaton", ["population", "wage", "net_migration"])
    ['population']
    """
    if len(str(name)) > MAX_NAME_CHARS:   # not a name; WRatio's partial matching grows with the length
        return []
    originals = [str(c) for c in choices]
    keys = [_name_key(c) for c in originals]
    found = process.extract(_name_key(str(name)), keys, scorer=fuzz.WRatio, limit=limit * 4,
                            score_cutoff=cutoff)
    out: list[str] = []
    for _key, _score, position in found:
        if originals[position] not in out:
            out.append(originals[position])
        if len(out) == limit:
            break
    return out
