"""Interface words of the reports and the web pages in Russian, Kazakh and English.

Indicator, unit, status, mechanism and region names come in their own languages from the catalogue,
the status rules, the knowledge base and the Store; this table holds only the interface's own words.
The method modules' codes, terms and the tables' column headers are worded by
:mod:`territoria.report.messages` (YAML catalogues per language); numbers in these words
are written for the reader (``{score:.1f}`` gives 36,0 in ru and kk).
"""

from __future__ import annotations

from territoria.report.messages import Translator, fill, in_language

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
    "no_measures": ("No measures recorded yet: adopt one with the form above.",
                    "Меры ещё не записаны: примите меру в форме выше.",
                    "Шаралар әлі жазылмаған: шараны жоғарыдағы пішінмен қабылдаңыз."),
    "measure_add": ("Adopt a measure", "Принять меру", "Шара қабылдау"),
    "measure_help": ("A mechanism adopted for a unit, with target indicators; it is evaluated against the data "
                     "at once and after every re-evaluation.",
                     "Механизм, принятый для единицы, с целевыми показателями; мера сразу оценивается по данным и "
                     "затем при каждом пересчёте.",
                     "Бірлік үшін қабылданған тетік және оның мақсатты көрсеткіштері; шара деректер бойынша бірден, "
                     "содан кейін әр қайта бағалау кезінде бағаланады."),
    "measure_unit": ("Unit (name in Russian, Kazakh or English)", "Единица (название на русском, казахском или "
                     "английском)", "Бірлік (орыс, қазақ не ағылшын тіліндегі атауы)"),
    "measure_mechanism": ("Mechanism", "Механизм", "Тетік"),
    "measure_start": ("Start year", "Год начала", "Басталу жылы"),
    "measure_targets": ("Target indicators", "Целевые показатели", "Мақсатты көрсеткіштер"),
    "measure_indicator": ("Indicator", "Показатель", "Көрсеткіш"),
    "measure_target": ("Target value", "Целевое значение", "Мақсатты мән"),
    "measure_target_unit": ("Unit of the target", "Единица цели", "Мақсат бірлігі"),
    "measure_deadline": ("Deadline year", "Срок (год)", "Мерзімі (жыл)"),
    "measure_more": ("+ another indicator", "+ ещё показатель", "+ тағы көрсеткіш"),
    "measure_remove": ("Remove", "Убрать", "Алып тастау"),
    "measure_note": ("Note", "Примечание", "Ескертпе"),
    "measure_submit": ("Record and evaluate", "Записать и оценить", "Жазу және бағалау"),
    "measure_added": ("Recorded: measure(s) {ids}; evaluated against the latest data.",
                      "Записано: мера(ы) № {ids}; оценено по последним данным.",
                      "Жазылды: № {ids} шара(лар); соңғы деректер бойынша бағаланды."),
    "measure_pick_unit": ("choose a unit from the list", "выберите единицу из списка", "тізімнен бірлікті таңдаңыз"),
    "measure_need_number": ("a number is expected", "ожидается число", "сан күтіледі"),
    "measure_need_choice": ("choose one", "выберите значение", "мәнді таңдаңыз"),
    "measure_own_unit": ("(the indicator's own)", "(собственная единица показателя)", "(көрсеткіштің өз бірлігі)"),
    "measure_not_allowed": ("Adopting a measure needs the role analyst or administrator.",
                            "Принять меру может аналитик или администратор.",
                            "Шараны талдаушы немесе әкімші қабылдай алады."),
    "refused": ("Nothing was stored; the problems are marked beside their fields.",
                "Ничего не сохранено; ошибки отмечены рядом с полями.",
                "Ештеңе сақталмады; қателер өрістердің жанында белгіленген."),
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
    "choose_file": ("Choose a file", "Выбрать файл", "Файлды таңдау"),
    "no_file": ("no file chosen", "файл не выбран", "файл таңдалмаған"),
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
    "tpl_title": ("Template and format", "Шаблон и формат", "Үлгі және пішім"),
    "tpl_download": ("Download an empty template", "Скачать пустой шаблон", "Бос үлгіні жүктеп алу"),
    "tpl_region": ("Regions", "Регионы", "Өңірлер"),
    "tpl_district": ("Districts", "Районы", "Аудандар"),
    "tpl_sheet_data": ("data", "данные", "деректер"),
    "tpl_sheet_indicators": ("indicators", "показатели", "көрсеткіштер"),
    "tpl_col_indicator": ("indicator (id)", "показатель (id)", "көрсеткіш (id)"),
    "tpl_col_name": ("name", "название", "атауы"),
    "tpl_col_unit": ("unit of measure", "единица измерения", "өлшем бірлігі"),
    "tpl_h_unit": ("unit", "Код КАТО", "КАТО коды"),
    "tpl_h_name": ("name", "Наименование", "Атауы"),
    "tpl_h_indicator": ("indicator", "Показатель", "Көрсеткіш"),
    "tpl_h_year": ("year", "Год", "Жыл"),
    "tpl_h_value": ("value", "Значение", "Мән"),
    "tpl_guide_columns": ("Columns: unit (KATO code), name, indicator, year, value; one value per row.",
                          "Столбцы: код КАТО, наименование, показатель, год, значение; одно значение в строке.",
                          "Бағандар: КАТО коды, атауы, көрсеткіш, жыл, мән; әр жолда бір мән."),
    "tpl_guide_units": ("Units: a 9-digit KATO code, or the name in Russian, Kazakh or English (a region column "
                        "left of the district column tells districts of one name apart).",
                        "Единицы: 9-значный код КАТО или название на русском, казахском или английском (столбец "
                        "региона слева от столбца района различает одноимённые районы).",
                        "Бірліктер: 9 таңбалы ҚАТО коды немесе орыс, қазақ не ағылшын тіліндегі атауы (аудан "
                        "бағанының сол жағындағы өңір бағаны аттас аудандарды ажыратады)."),
    "tpl_guide_indicators": ("Indicators: the id from the workbook's second sheet, or the indicator's name.",
                             "Показатели: id со второго листа шаблона XLSX или название показателя.",
                             "Көрсеткіштер: XLSX үлгісінің екінші парағындағы id немесе көрсеткіштің атауы."),
    "tpl_guide_years": ("Years: 4-digit numbers (2021, or 2021 г.); no signs, brackets or footnote marks.",
                        "Годы: 4-значные числа (2021 или 2021 г.); без знаков, скобок и сносок.",
                        "Жылдар: 4 таңбалы сандар (2021 немесе 2021 ж.); таңбасыз, жақшасыз, сілтемесіз."),
    "tpl_guide_values": ("Values: numbers in the indicator's unit of measure; the whole file is stored, or "
                         "nothing and every bad cell is named.",
                         "Значения: числа в единице измерения показателя; файл сохраняется целиком или не "
                         "сохраняется, и каждая неверная ячейка названа.",
                         "Мәндер: көрсеткіштің өлшем бірлігіндегі сандар; файл толығымен сақталады немесе "
                         "сақталмайды, әр қате ұяшық аталады."),
    "tpl_guide_wide": ("Wide tables with years as columns are accepted too: one row per unit (the sheet named "
                       "after the indicator), or one row per indicator (the sheet named after the unit).",
                       "Принимаются и широкие таблицы с годами по столбцам: строка на единицу (лист назван по "
                       "показателю) или строка на показатель (лист назван по единице).",
                       "Жылдары бағандар бойынша берілген кең кестелер де қабылданады: әр бірлікке бір жол (парақ "
                       "көрсеткіш атымен аталған) немесе әр көрсеткішке бір жол (парақ бірлік атымен аталған)."),
    "assess_example": ("Start from an example", "Начать с примера", "Мысалдан бастау"),
    "assess_example_none": ("(an empty editor)", "(пустой редактор)", "(бос редактор)"),
    "example_vulnerability_regions": ("Four-block vulnerability index of the regions (social, economic, "
                                      "infrastructural, environmental)",
                                      "Четырёхблочный индекс уязвимости регионов (социальный, экономический, "
                                      "инфраструктурный, экологический блоки)",
                                      "Өңірлердің төрт блокты осалдық индексі (әлеуметтік, экономикалық, "
                                      "инфрақұрылымдық, экологиялық)"),
    "example_vulnerability_districts": ("Four-block vulnerability index of the districts (5 of 34 indicators "
                                        "have district series), 2016–2024",
                                        "Четырёхблочный индекс уязвимости районов (районные ряды есть у 5 из 34 "
                                        "показателей), 2016–2024",
                                        "Аудандардың төрт блокты осалдық индексі (34 көрсеткіштің 5-інде "
                                        "аудандық қатарлар бар), 2016–2024"),
}


def t(key: str, lang: str = "en", **values: object) -> str:
    """The interface word ``key`` in ``lang`` (English when unknown), formatted with ``values``."""
    entry = _W.get(key)
    if entry is None:
        return key
    text = in_language(entry, lang)
    if not values:
        return text
    tr = Translator(lang)
    return fill(text, values, lang, word=lambda name, value, spec: tr.word(name, value, spec, values))


def words(lang: str = "en") -> dict[str, str]:
    """Every interface word in ``lang`` (templates and the page script use this)."""
    return {k: t(k, lang) for k in _W}
