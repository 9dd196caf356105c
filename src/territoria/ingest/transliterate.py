"""Fold Kazakh and Russian Cyrillic and the usual Latin spellings of them to one Latin key.

The key is not a transliteration for display; it is built so that the spellings a table may use for one
place meet: ``Мамлютка``, ``Mamlyutka``, ``Mamljutka`` → ``mamlyutka``; ``Булаево``, ``Bulayevo``, ``Bulaevo`` →
``bulaevo``; ``Жетісу``, ``Zhetisu``, ``Jetisu`` → ``zhetisu``.

Steps (each applied to both the stored names and the query, so a lossy step cannot create a false miss):

1. case folding; ``ё`` → ``е``; Kazakh letters folded to their nearest Russian reading
   (ә→а, ғ→г, қ→к, ң→н, ө→о, ұ/ү→у, һ→х, і→и);
2. Cyrillic → Latin letter by letter (ж→zh, х→kh, ц→ts, ч→ch, ш→sh, щ→shch, ы/й→y, ю→yu, я→ya, ь/ъ dropped);
3. Latin diacritics to ASCII (š→sh, ž→zh, č→ch, ğ→g, ı→i, ä→a, ö→o, ü→u, ...);
4. Latin variant folding: a word-initial ``j`` → ``zh`` (Kazakh Latin: Jambyl, Janaozen), another ``j`` → ``y``
   (German/ISO style: Mamljutka), ``ye``/``yo`` → ``e`` (Bulayevo, Fyodorovka), word-final ``iy``/``yy``/``ii`` →
   ``y`` (-ский written -skiy, -sky, -skii, -skij), ``kh`` → ``h``, ``q`` → ``k``, ``w`` → ``u``, ``shch``/``sch`` →
   ``sh``, ``tc``/``tz`` → ``ts``.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_latin", "language_of", "to_latin"]

_KAZAKH = str.maketrans({"ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х",
                         "і": "и", "ё": "е"})

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e",
    "ю": "yu", "я": "ya",
}
_CYRILLIC_TABLE = str.maketrans(_CYRILLIC)

_LATIN_SPECIAL = str.maketrans({"š": "sh", "ž": "zh", "č": "ch", "ç": "ch", "ş": "sh", "ğ": "g", "ı": "i",
                                "ñ": "n", "ŋ": "n", "ä": "a", "ö": "o", "ü": "u", "ū": "u", "ý": "y",
                                "ß": "ss", "ʼ": "", "'": "", "’": "", "`": "", "ʹ": "", "ʺ": ""})

_LATIN_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"\bj", "zh"),
    (r"j", "y"),
    (r"shch|sch", "sh"),
    (r"kh", "h"),
    (r"q", "k"),
    (r"w", "u"),
    (r"tc|tz", "ts"),
    (r"y[eo]", "e"),
    (r"(?:iy|yy|ii)\b", "y"),
))


def to_latin(text: str) -> str:
    """Case-fold ``text`` and write its Cyrillic (Russian and Kazakh) letters in Latin.

    Examples
    --------
    >>> to_latin("Мамлютка"), to_latin("Жетісу"), to_latin("Қарабұлақ")
    ('mamlyutka', 'zhetisu', 'karabulak')
    """
    return text.casefold().translate(_KAZAKH).translate(_CYRILLIC_TABLE)


def fold_latin(text: str) -> str:
    """Fold Latin spelling variants of one Cyrillic name to one key (see the module notes).

    Examples
    --------
    >>> fold_latin("mamljutka") == fold_latin("mamlyutka"), fold_latin("bulayevo")
    (True, 'bulaevo')
    """
    text = text.casefold().translate(_LATIN_SPECIAL)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    for pattern, repl in _LATIN_RULES:
        text = pattern.sub(repl, text)
    return text


_KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
_KAZAKH_WORDS = frozenset({"ауданы", "облысы", "аудан", "ауылы", "кенті"})
_CYRILLIC_LETTER = re.compile(r"[\u0400-\u04ff]")


def language_of(text: object) -> str:
    """The language a name is written in, as far as its letters tell: ``kk``, ``ru`` or ``en``.

    Examples
    --------
    >>> language_of("Есіл ауданы"), language_of("Жамбыл ауданы"), language_of("Есильский район")
    ('kk', 'kk', 'ru')
    >>> language_of("Esil District")
    'en'
    """
    value = str(text)
    if any(ch in _KAZAKH_LETTERS for ch in value) or _KAZAKH_WORDS & set(value.casefold().split()):
        return "kk"
    return "ru" if _CYRILLIC_LETTER.search(value) else "en"
