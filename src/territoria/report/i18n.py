"""Interface words of the reports and the web pages in Russian, Kazakh and English.

Indicator, unit, status, mechanism and region names come in their own languages from the catalogue,
the status rules, the knowledge base and the Store; this table holds only the interface's own words.
The method modules' codes, terms and the tables' column headers are worded by
:mod:`territoria.report.messages` (YAML catalogues per language); numbers in these words
are written for the reader (``{score:.1f}`` gives 36,0 in ru and kk).
"""

from __future__ import annotations

from territoria.report.messages import Translator, fill

__all__ = ["LANGS", "t", "words"]

LANGS = ("ru", "kk", "en")

_W: dict[str, tuple[str, str, str]] = {  # key: (en, ru, kk)
    "app": ("Territoria", "Территория", "Территория"),
    "tagline": ("Vulnerability of Kazakhstan's regions and settlements",
                "Уязвимость регионов и населённых пунктов Казахстана",
                "Қазақстан өңірлері мен елді мекендерінің осалдығы"),
    "overview": ("Overview", "Обзор", "Шолу"),
    "compare": ("Compare", "Сравнение", "Салыстыру"),
    "upload": ("Upload data", "Загрузка данных", "Деректерді жүктеу"),
    "assess": ("Run an assessment", "Запуск оценки", "Бағалауды іске қосу"),
    "monitor": ("Monitoring", "Мониторинг", "Мониторинг"),
    "language": ("Language", "Язык", "Тіл"),
    "regions_ranking": ("Ranking of the regions", "Рейтинг регионов", "Өңірлер рейтингі"),
    "units_ranking": ("Ranking of the units of level “{level}”", "Рейтинг единиц уровня «{level}»",
                      "«{level}» деңгейіндегі бірліктер рейтингі"),
    "scale_relative": ("Grades relative to the national value of the index (the mean score of the rated units of "
                       "the year): {bands}.",
                       "Уровни относительно общереспубликанского значения индекса (среднего балла оцениваемых "
                       "единиц за год): {bands}.",
                       "Деңгейлер индекстің республикалық мәніне қатысты (сол жылы бағаланған бірліктердің орташа "
                       "балы): {bands}."),
    "scale_thresholds": ("Grades by fixed thresholds on the score: {bands}.",
                         "Уровни по фиксированным порогам балла: {bands}.",
                         "Деңгейлер балдың тұрақты шектері бойынша: {bands}."),
    "scale_learned": ("Grades learned from the scores ({method}, {k} classes): about as many units in each class "
                      "whatever their state.",
                      "Уровни выведены из самих баллов ({method}, {k} классов): в каждом классе примерно поровну "
                      "единиц независимо от их состояния.",
                      "Деңгейлер балдардың өзінен алынған ({method}, {k} класс): әр класта жағдайына қарамастан "
                      "шамамен бірдей бірлік."),
    "sample_left_out": ("Left out of the sample: {units} ({reason}).", "Не входят в выборку: {units} ({reason}).",
                        "Іріктемеге кірмейді: {units} ({reason})."),
    "watch_list": ("Settlements and districts to watch", "Населённые пункты и районы под наблюдением",
                   "Бақылаудағы елді мекендер мен аудандар"),
    "watch_note": ("Ordered by their region's rank (most vulnerable first), then by status. Listed: the units the "
                   "seeds name as depressed and every settlement with series of its own.",
                   "Порядок: по рангу региона (сначала наиболее уязвимые), затем по статусу. В списке: единицы, "
                   "названные депрессивными в исходных работах, и населённые пункты с собственными рядами.",
                   "Реті: өңір рангі бойынша (алдымен ең осалдары), содан кейін мәртебесі бойынша. Тізімде: "
                   "бастапқы жұмыстарда депрессиялық деп аталған бірліктер және өз қатарлары бар елді мекендер."),
    "map": ("Map", "Карта", "Карта"),
    "levels": ("Distribution of levels", "Распределение по уровням", "Деңгейлер бойынша бөлу"),
    "profile": ("Profile", "Профиль", "Профиль"),
    "indicators_by_year": ("Indicators by year", "Показатели по годам", "Жылдар бойынша көрсеткіштер"),
    "subindices": ("Sub-indices", "Субиндексы", "Субиндекстер"),
    "trends": ("Trends", "Динамика", "Серпін"),
    "rank": ("Rank", "Место", "Орны"),
    "rank_interval": ("Rank and its uncertainty interval", "Место и интервал неопределённости",
                      "Орны және белгісіздік аралығы"),
    "rank_text": ("rank {rank} of {n} (5–95 % interval {lo:.0f}–{hi:.0f}), level: {level}, index {score:.1f}",
                  "место {rank} из {n} (интервал 5–95 %: {lo:.0f}–{hi:.0f}), уровень: {level}, индекс {score:.1f}",
                  "{n} ішінен {rank} орын (5–95 % аралығы {lo:.0f}–{hi:.0f}), деңгейі: {level}, индекс {score:.1f}"),
    "groups": ("Groups", "Группы", "Топтар"),
    "type": ("Type", "Тип", "Түрі"),
    "status": ("Status", "Статус", "Мәртебесі"),
    "weaknesses": ("Weaknesses", "Слабые стороны", "Әлсіз жақтары"),
    "risk_flags": ("Risk flags", "Факторы риска", "Тәуекел белгілері"),
    "not_evaluable": ("{n} rule(s) could not be evaluated for lack of data.",
                      "{n} правил(а) не проверены из-за отсутствия данных.",
                      "{n} ереже деректердің жоқтығынан тексерілмеді."),
    "mechanisms": ("Recommended mechanisms by horizon", "Рекомендуемые механизмы по горизонтам",
                   "Көкжиектер бойынша ұсынылатын тетіктер"),
    "none": ("None.", "Нет.", "Жоқ."),
    "region_note": ("No stored assessment of this unit's level rates it: the rank, sub-indices, weaknesses and type "
                    "shown here are those of its region, {region}, in the regions' assessment of {year}.",
                    "Ни одна сохранённая оценка этого уровня не включает эту единицу: место, субиндексы, слабые "
                    "стороны и тип здесь относятся к её региону — {region} — по оценке регионов {year} года.",
                    "Бұл деңгейдің сақталған бағалауларының ешқайсысы бұл бірлікті қамтымайды: мұндағы орын, "
                    "субиндекстер, әлсіз жақтары мен түрі оның өңіріне — {region} — {year} жылғы өңірлер "
                    "бағалауы бойынша қатысты."),
    "assessment_used": ("Assessment used: {name}, version {version}, units: {level}, year {year}.",
                        "Использованная оценка: {name}, версия {version}, единицы: {level}, год {year}.",
                        "Пайдаланылған бағалау: {name}, нұсқасы {version}, бірліктер: {level}, жылы {year}."),
    "rank_in_region": ("Rank {rank} of {n} within {region}.", "Место {rank} из {n} в пределах региона: {region}.",
                       "{region} ішінде {n} ішінен {rank} орын."),
    "region_context": ("Context: {region} is ranked {rank} of {n} regions in {name} ({year}).",
                       "Контекст: {region} — место {rank} из {n} регионов по оценке {name} ({year}).",
                       "Контекст: {region} — {name} ({year}) бағалауы бойынша {n} өңірдің ішінде {rank} орын."),
    "not_assessed": ("This unit's region is not in the assessment.", "Регион этой единицы не оценивался.",
                     "Бұл бірліктің өңірі бағаланбаған."),
    "insufficient_data": ("too little data for a status", "недостаточно данных для статуса",
                          "мәртебе үшін деректер жеткіліксіз"),
    "unit": ("Unit", "Единица", "Бірлік"),
    "national_mean": ("national mean", "среднее по стране", "ел бойынша орташа"),
    "population": ("Population", "Население", "Халық саны"),
    "region": ("Region", "Регион", "Өңір"),
    "download": ("Download", "Скачать", "Жүктеп алу"),
    "ranking_report": ("Ranking report", "Отчёт о рейтинге", "Рейтинг есебі"),
    "units_count": ("units", "единиц", "бірлік"),
    "measures": ("Adopted measures", "Принятые меры", "Қабылданған шаралар"),
    "warnings": ("Early warnings", "Ранние предупреждения", "Ерте ескертулер"),
    "no_measures": ("No measures recorded yet (territoria monitor add ...).",
                    "Меры ещё не записаны (territoria monitor add ...).",
                    "Шаралар әлі жазылмаған (territoria monitor add ...)."),
    "upload_help": ("CSV or XLSX table of observations, long or wide; all of it is stored or none.",
                    "Таблица наблюдений CSV или XLSX, длинная или широкая; сохраняется целиком или не сохраняется.",
                    "CSV немесе XLSX бақылаулар кестесі; толығымен сақталады немесе мүлде сақталмайды."),
    "assess_help": ("Paste an assessment spec (YAML); it runs on the Store's panel.",
                    "Вставьте спецификацию оценки (YAML); она выполняется на панели хранилища.",
                    "Бағалау спецификациясын (YAML) қойыңыз; ол қойманың панелінде орындалады."),
    "run": ("Run", "Запустить", "Іске қосу"),
    "assess_name": ("Store as (optional name)", "Сохранить под именем (необязательно)",
                    "Атауымен сақтау (міндетті емес)"),
    "assess_name_hint": ("letters, digits, _ - .", "латинские буквы, цифры, _ - .", "латын әріптері, цифрлар, _ - ."),
    "assess_name_invalid": ("Name '{name}': expected Latin letters, digits, '_', '-' or '.' (at most 100), "
                            "beginning with a letter or a digit",
                            "Имя «{name}»: ожидаются латинские буквы, цифры, «_», «-» или «.» (не больше 100), "
                            "в начале буква или цифра",
                            "«{name}» атауы: латын әріптері, цифрлар, «_», «-» немесе «.» күтіледі (100-ден "
                            "аспайды), басында әріп немесе цифр"),
    "stored_as": ("Stored as '{name}' v{version}", "Сохранено как «{name}» v{version}",
                  "«{name}» v{version} ретінде сақталды"),
    "already_stored": ("Unchanged, already stored as '{name}' v{version}",
                       "Без изменений, уже сохранено как «{name}» v{version}",
                       "Өзгеріс жоқ, «{name}» v{version} ретінде сақталған"),
    "not_stored": ("Not stored: give a name to keep it", "Не сохранено: укажите имя, чтобы сохранить",
                   "Сақталмады: сақтау үшін атау беріңіз"),
    "view_ranking": ("View its ranking", "Открыть её рейтинг", "Оның рейтингін ашу"),
    "send": ("Send", "Отправить", "Жіберу"),
    "choose_units": ("Choose two or more units", "Выберите две или более единиц",
                     "Екі немесе одан көп бірлік таңдаңыз"),
    "source_note": ("Sources: the bundled published statistics (see `territoria sources`); seeds' tables: "
                    "Turkeeva, Omarov & Abilkaiyr (2022), Tables 1–2.",
                    "Источники: встроенная опубликованная статистика (см. `territoria sources`); таблицы: "
                    "Turkeeva, Omarov & Abilkaiyr (2022), табл. 1–2.",
                    "Дереккөздер: кірістірілген жарияланған статистика (`territoria sources`); кестелер: "
                    "Turkeeva, Omarov & Abilkaiyr (2022), 1–2 кесте."),
    "reevaluate": ("Re-evaluate", "Пересчитать", "Қайта бағалау"),
    "last_evaluated": ("Last evaluated: {at}", "Последняя оценка: {at}", "Соңғы бағалау: {at}"),
    "never_evaluated": ("Not evaluated yet.", "Оценка ещё не проводилась.", "Бағалау әлі жүргізілген жоқ."),
    "changes": ("Changed by the last evaluation", "Изменения при последней оценке", "Соңғы бағалаудағы өзгерістер"),
    "no_changes": ("Nothing changed.", "Изменений нет.", "Өзгеріс жоқ."),
    "evaluated_now": ("{evaluations} new evaluation(s), {warnings} new warning(s).",
                      "Новых оценок: {evaluations}, новых предупреждений: {warnings}.",
                      "Жаңа бағалаулар: {evaluations}, жаңа ескертулер: {warnings}."),
    "cluster_type": ("Type (cluster of the regions)", "Тип (кластер регионов)", "Түрі (өңірлер кластері)"),
    "map_note": ("Regions are coloured by their grade within their boundaries (geokz, CC BY 4.0; the regions of "
                 "the year's map); settlements and districts of the watch list are points; outline: Natural Earth.",
                 "Регионы окрашены по уровню в своих границах (geokz, CC BY 4.0; регионы на карте своего года); "
                 "населённые пункты и районы списка наблюдения — точки; контур: Natural Earth.",
                 "Өңірлер өз шекараларында деңгейі бойынша боялған (geokz, CC BY 4.0; өз жылының картасындағы "
                 "өңірлер); бақылау тізіміндегі елді мекендер мен аудандар — нүктелер; контур: Natural Earth."),
}
_POS = {"en": 0, "ru": 1, "kk": 2}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The interface word ``key`` in ``lang`` (English when unknown), formatted with ``values``."""
    entry = _W.get(key)
    if entry is None:
        return key
    text = entry[_POS.get(lang, 0)] or entry[0]
    if not values:
        return text
    tr = Translator(lang)
    return fill(text, values, lang, word=lambda name, value, spec: tr.word(name, value, spec, values))


def words(lang: str = "en") -> dict[str, str]:
    """Every interface word in ``lang`` (templates and the page script use this)."""
    return {k: t(k, lang) for k in _W}
