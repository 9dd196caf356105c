"""Map, level rankings and name search of the dashboard: ``/api/map``, ``/api/search``, ``/api/map/words``.

``/api/map?level=region|district|settlement`` answers the units of the level joined with the scores of
the assessment of that level (composite, grade, rank nationally and within the region): GeoJSON
polygons for regions and districts (the map of the assessment's year, see
:func:`territoria.ingest.boundaries.unit_polygons`), points for settlements (drawn over their region),
a Plotly figure of the same (no tile server, no CDN) and the ranking table the page filters by region.
Without an assessment of the level in the Store the polygons come without scores and ``note`` says so.

``/api/search?q=`` finds units by name in Russian, Kazakh or English (substring, case-insensitive), then
by spelling (transliteration, :class:`territoria.ingest.matching.NameMatcher`), for the search box and
the compare page's picker.
"""

from __future__ import annotations

import difflib
import inspect
import json
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Query, Request

from territoria.errors import DataError
from territoria.ingest.boundaries import unit_polygons
from territoria.ingest.transliterate import fold_latin, to_latin
from territoria.report import service
from territoria.report.geomap import choropleth
from territoria.report.map_words import MAP_WORDS
from territoria.report.messages import header, term, words_in
from territoria.web.assessments import ASSESSMENT_REF_PATTERN

__all__ = ["WEB_WORDS", "router", "web_words"]

_ERROR = {"content": {"application/json": {"schema": {"type": "object", "properties": {"detail": {}}}}}}
router = APIRouter(prefix="/api", tags=["maps"], responses={
    404: {"description": "Unknown assessment (the message lists the stored ones)", **_ERROR},
    422: {"description": "Invalid request, or an assessment of another level", **_ERROR},
    503: {"description": "The Store stayed locked by another process (an import); retry after Retry-After s",
          **_ERROR}})
Lang = Literal["ru", "kk", "en"]
Level = Literal["region", "district", "settlement"]

#: Words of the map, level switch, search and picker: key -> (en, ru, kk).
WEB_WORDS: dict[str, tuple[str, str, str]] = {
    **{level: MAP_WORDS[level] for level in ("region", "district", "settlement")},  # the maps' own words
    "level_switch": ("Level", "Уровень", "Деңгей"),
    "all_country": ("All Kazakhstan", "Весь Казахстан", "Бүкіл Қазақстан"),
    "within": ("Ranking within", "Рейтинг внутри", "Ішіндегі рейтинг"),
    "search": ("Search by name", "Поиск по названию", "Атауы бойынша іздеу"),
    "search_hint": ("a name in Russian, Kazakh or English", "название на русском, казахском или английском",
                    "орыс, қазақ немесе ағылшын тіліндегі атауы"),
    "nothing_found": ("Nothing found", "Ничего не найдено", "Ештеңе табылмады"),
    "name": ("Name", "Название", "Атауы"),
    "region_name": ("Region", "Регион", "Өңір"),
    "score": ("Index", "Индекс", "Индекс"),
    "grade": ("Grade", "Уровень", "Деңгей"),
    "rank": ("Rank in Kazakhstan", "Место в Казахстане", "Қазақстандағы орны"),
    "rank_in_region": ("Rank in the region", "Место в регионе", "Өңірдегі орны"),
    "no_data": ("no data", "нет данных", "деректер жоқ"),
    "boundaries": ("Boundaries", "Границы", "Шекаралар"),
    "no_assessment": ("No assessment of this level in the Store yet: the units are shown without scores. "
                      "Run an assessment of this level (territoria assess --spec …).",
                      "В хранилище пока нет оценки этого уровня: единицы показаны без баллов. "
                      "Запустите оценку этого уровня (territoria assess --spec …).",
                      "Қоймада бұл деңгейдің бағасы әлі жоқ: бірліктер баллсыз көрсетілген. "
                      "Осы деңгейді бағалауды іске қосыңыз (territoria assess --spec …)."),
    "settlements_over_regions": ("Settlements as points over their region's grade.",
                                 "Населённые пункты — точки на фоне уровня их региона.",
                                 "Елді мекендер — өз өңірінің деңгейі аясындағы нүктелер."),
    "pick": ("Add a unit", "Добавить единицу", "Бірлік қосу"),
    "picked": ("Chosen", "Выбрано", "Таңдалды"),
    "remove": ("remove", "убрать", "алып тастау"),
    "need_two": ("Choose at least two units", "Выберите не меньше двух единиц", "Кемінде екі бірлік таңдаңыз"),
    "map_of": ("Map", "Карта", "Карта"),
}


def web_words(lang: str = "en") -> dict[str, str]:
    """The words of :data:`WEB_WORDS` in ``lang``."""
    return words_in(WEB_WORDS, lang)


def _name_col(lang: str) -> str:
    return f"name_{lang}"


def _level_result(ctx: Any, store: Any, level: str, name: str | None = None) -> Any:
    """The assessment of ``level`` to show: the stored one called ``name``, else the latest stored of that
    level (when the Store keeps named assessments), else the Store's current result when it rates that
    level, else the package's spec of that level (``assess/specs/vulnerability_<level>s.yaml``) when one is
    shipped, else None."""

    if "level" in inspect.signature(ctx.result).parameters:  # named, stored assessments per level
        try:
            return ctx.result(store, name=name, level=level)
        except DataError:
            if name is not None:
                raise
    else:
        result = ctx.result(store)
        spec_level = getattr(getattr(result.spec, "units", None), "level", None) or "region"
        if spec_level == level:
            return result
    spec = resources.files("territoria.assess").joinpath(f"specs/vulnerability_{level}s.yaml")
    if not spec.is_file():
        return None
    return ctx.cached(("level-assessment", level), lambda: service.assessment(store, spec=str(spec)))


def _scores(result: Any, units: pd.DataFrame, region_of: pd.Series) -> pd.DataFrame:
    """Composite, grade, rank and rank within the region per assessed unit."""
    frame = result.to_frame()
    if isinstance(frame.index, pd.MultiIndex):
        year = max(frame.index.get_level_values(-1))
        frame = frame.xs(year, level=-1)
    out = pd.DataFrame({"score": frame[result.root], "grade": frame.get("level"), "rank": frame["rank"]})
    out.index = out.index.astype(str)
    out["region"] = _with_region(region_of.reindex(out.index))
    out["rank_in_region"] = out.groupby("region")["rank"].rank(method="min").astype("Int64")
    return out


def _with_region(region: pd.Series) -> pd.Series:
    """The region codes given, else the region of the code's first two digits."""
    fallback = pd.Series(region.index.astype(str).str[:2] + "0000000", index=region.index, dtype=object)
    return region.astype(object).where(region.notna(), fallback)


def _year(result: Any) -> int | None:
    years = getattr(result.spec, "year_list", None) or []
    return int(max(years)) if years else None


@router.get("/map/words")
def map_words(lang: Lang = "en") -> dict[str, str]:
    """The words of the map, level switch, search box and compare picker in ``lang``."""
    return web_words(lang)


@router.get("/map")
def unit_map(request: Request, level: Level = "region", lang: Lang = "en",
             region: Annotated[str | None, Query(max_length=20, description="Region code: rank within it")] = None,
             assessment: Annotated[str | None, Query(
                 pattern=ASSESSMENT_REF_PATTERN, description="A stored assessment of ``level``: NAME or "
                 "NAME@VERSION (default: the latest of the level)")] = None,
             ) -> dict[str, Any]:
    """Units of a level with their scores: GeoJSON, a Plotly map and the ranking (nationally or in ``region``;
    then ``bounds`` gives the region's extent, lon/lat, for zooming)."""

    ctx = request.app.state.ctx
    words = web_words(lang)
    with ctx.store() as store:
        result = _level_result(ctx, store, level, assessment)
        context = result if level != "settlement" else _level_result(ctx, store, "region")
        units = ctx.units(store)

    def build() -> dict[str, Any]:
        year = _year(result) if result is not None else (
            _year(context) if level == "settlement" and context is not None else None)
        regions = unit_polygons("region", year)
        name = _name_col(lang)
        grade_names = {g: term("level", g, lang) for g in ("crisis", "depressive", "vulnerable", "stable",
                                                            "developing")}
        notes = [] if result is not None else [words["no_assessment"]]
        if level == "settlement":
            shapes = regions
            background = (_scores(context, units, regions["region"]).reindex(regions.index) if context is not None
                          else pd.DataFrame(index=regions.index))
            codes = list(result.to_frame().index.astype(str)) if result is not None else list(
                units.index[(units["level"] == "settlement") & units["is_district_centre"].fillna(False).astype(bool)])
            scores = (_scores(result, units, pd.Series(dtype=str)) if result is not None
                      else pd.DataFrame(index=pd.Index(codes, dtype=str)))
            notes.append(words["settlements_over_regions"])
        else:
            shapes = unit_polygons(level, year)
            scores = (_scores(result, units, shapes["region"]) if result is not None
                      else pd.DataFrame(index=shapes.index))
            background = scores
        table = scores.reindex(columns=["score", "grade", "rank", "rank_in_region", "region"])
        table["name"] = units[name].reindex(table.index).fillna(
            shapes[name].reindex(table.index) if level != "settlement" else None)
        table["region"] = _with_region(table["region"])
        table["region_name"] = regions[name].reindex(table["region"]).to_numpy()
        shown = shapes.join(background.reindex(columns=["score", "grade", "rank", "rank_in_region"]))
        shown["name"] = shown[name].fillna(shown["name_en"])
        shown["grade"] = shown["grade"].where(shown["grade"].notna(), None)
        points = None
        if level == "settlement":
            pts = units.reindex(table.index)[["lat", "lon"]]
            points = table.join(pts).reset_index(names="unit").assign(
                grade=lambda f: f["grade"].astype(object).where(f["grade"].notna(), ""))
        credit = f"{words['boundaries']}: {shapes.attrs.get('attribution', '')}"
        fig = choropleth(shown, color="grade", text="name", names=grade_names, points=points, note=credit,
                         title=f"{words['map_of']}: {words[level].lower()} {year or ''}".strip(),
                         no_data=words["no_data"])
        features = json.loads(shown.drop(columns=[c for c in shown.columns if c.startswith("name_")])
                              .reset_index().to_json(na="null", drop_id=True)) if level != "settlement" else None
        ranking = table.dropna(subset=["rank"]).sort_values("rank", ascending=False)
        ranking["grade"] = ranking["grade"].map(lambda g: grade_names.get(g, g))
        return {"level": level, "year": year, "map": shapes.attrs.get("map"), "attribution": credit,
                "notes": notes, "figure": json.loads(fig.to_json()), "geojson": features,
                "regions": [{"code": c, "name": n} for c, n in regions[name].fillna(regions["name_en"]).items()],
                "region_bounds": {c: [round(float(v), 3) for v in b] for c, b in zip(
                    regions.index, regions.geometry.bounds.to_numpy(), strict=True)},
                "ranking": _rows(ranking, words, lang)}

    data = ctx.cached(("map", level, lang, assessment), build)
    ranking = data["ranking"]
    at = ranking["columns"].index("region")
    rows = [r for r in ranking["rows"] if not region or r[at] == region]
    keep = [i for i in range(len(ranking["columns"])) if i != at]   # the region's code is for the filter only
    bounds = data["region_bounds"].get(region) if region else None
    return {**{k: v for k, v in data.items() if k != "region_bounds"}, "bounds": bounds,
            "ranking": {"columns": [ranking["columns"][i] for i in keep],
                                "headers": [ranking["headers"][i] for i in keep],
                                "rows": [[r[i] for i in keep] for r in rows]}}


def _rows(table: pd.DataFrame, words: dict[str, str], lang: str) -> dict[str, Any]:
    columns = ["unit", "name", "region", "region_name", "score", "grade", "rank", "rank_in_region"]
    frame = table.reset_index(names="unit").reindex(columns=columns)
    frame = frame.astype(object).where(frame.notna(), None)
    return {"columns": columns, "headers": [words.get(c, c) if c != "unit" else header(c, lang) for c in columns],
            "rows": [[v.item() if hasattr(v, "item") else v for v in row] for row in frame.itertuples(index=False)]}


def _key(text: object) -> str:
    return _latin_key(text) if isinstance(text, str) else ""


@lru_cache(maxsize=1 << 16)
def _latin_key(text: str) -> str:
    """A name folded to its Latin key. Remembered: the search index is rebuilt for each version of the Store
    (after every import), mostly from the same ~40,000 names, and folding them took a second."""
    return fold_latin(to_latin(text))


def _search_index(units: pd.DataFrame) -> dict[str, Any]:
    """Case-folded names, folded Latin keys and the words of those keys (built once per Store version)."""
    units = units[units["level"].isin(["region", "district", "settlement"])]
    names = pd.DataFrame({col: units[col].astype("string").str.casefold().fillna("")
                          for col in ("name_ru", "name_kk", "name_en")})
    keys = pd.DataFrame({col: units[col].map(_key) for col in ("name_ru", "name_kk", "name_en")})
    words: dict[str, list[str]] = {}
    for code, *row in keys.itertuples():
        for word in {w for name in row for w in name.split() if len(w) > 2}:
            words.setdefault(word, []).append(str(code))
    return {"units": units, "names": names, "keys": keys, "words": words}


def _by_spelling(index: dict[str, Any], q: str) -> pd.Index:
    """Units whose folded name contains the folded query, else those with the closest folded words (difflib)."""

    keys = index["keys"]
    needle = _key(q.strip())
    if not needle:
        return keys.index[:0]
    hit = keys.apply(lambda col: col.str.contains(needle, regex=False)).any(axis=1)
    if hit.any():
        return keys.index[hit]
    close = difflib.get_close_matches(needle, list(index["words"]), n=10, cutoff=0.8)
    return pd.Index(list(dict.fromkeys(code for w in close for code in index["words"][w])))


@router.get("/search")
def search(request: Request, q: Annotated[str, Query(min_length=1, max_length=100)], lang: Lang = "en",
           level: Level | None = None, limit: Annotated[int, Query(ge=1, le=100)] = 20) -> dict[str, Any]:
    """Units whose name (ru, kk or en) or code contains ``q``; if none, those whose spelling folded to Latin
    (:mod:`territoria.ingest.transliterate`) contains it or comes close (``matched_by`` says which)."""
    ctx = request.app.state.ctx
    with ctx.store() as store:
        index = ctx.cached(("search-index",), lambda: _search_index(ctx.units(store)))
    units, names = index["units"], index["names"]
    needle = q.strip().casefold()
    hit = pd.Series(units.index.astype(str).str.startswith(needle) if needle else False, index=units.index)
    if needle:
        for col in names.columns:
            hit |= names[col].str.contains(needle, regex=False)
    codes, how = units.index[hit], "name"
    if codes.empty:  # the same letters folded to one Latin key: Мамлютка, Mamlyutka, Mamljutka
        codes, how = _by_spelling(index, q), "spelling"
    found = units.loc[codes]
    if level:
        found = found[found["level"] == level]
    order = {"region": 0, "district": 1, "settlement": 2}
    found = found.assign(_o=found["level"].map(order), _p=pd.to_numeric(found["population"], errors="coerce"))
    found = found.sort_values(["_o", "_p"], ascending=[True, False]).head(limit)
    regions = units[units["level"] == "region"][_name_col(lang)]
    rows = [{"code": str(code), "name": row[_name_col(lang)] if pd.notna(row[_name_col(lang)]) else row["name_ru"],
             "name_ru": row["name_ru"], "name_kk": row["name_kk"] if pd.notna(row["name_kk"]) else None,
             "name_en": row["name_en"], "level": row["level"],
             "region": regions.get(str(code)[:2] + "0000000")} for code, row in found.iterrows()]
    return {"query": q, "matched_by": how, "units": rows}
