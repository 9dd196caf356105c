"""Territoria: vulnerability and depression of Kazakhstan's territories, from indicators to mechanisms.

The public API, in ten lines (see the README's "In Python")::

    import territoria

    panel = territoria.bundled_panel("region")               # the bundled real data, no DuckDB file
    result = territoria.Assessment("examples/vulnerability_regions.yaml").run(panel)
    result.to_frame()                                        # scores, rank, level

Names
-----
Assessment
    Runs an assessment spec (:class:`territoria.assess.pipeline.Assessment`).
Result
    What ``Assessment.run`` returns (:class:`territoria.assess.result.Result`).
Panel
    Unit × indicator × year observations with their metadata (:class:`territoria.panel.Panel`).
bundled_panel
    The package's bundled real data as a Panel (:func:`territoria.bundled.bundled_panel`).
diagnose
    The diagnosis of a unit: weakest blocks and indicators, risk flags (:func:`territoria.diagnosis.diagnose`).

The names are loaded on first use, so ``import territoria`` stays cheap and importing a subpackage never
loads the whole library.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

TYPE_CHECKING = False  # not typing's: importing typing alone would double the cost of `import territoria`
if TYPE_CHECKING:  # for type checkers and IDEs; at run time the names are loaded by __getattr__
    from typing import Any

    from territoria.assess.pipeline import Assessment
    from territoria.assess.result import Result
    from territoria.bundled import bundled_panel
    from territoria.diagnosis import diagnose
    from territoria.panel import Panel

__all__ = ["Assessment", "Panel", "Result", "__version__", "bundled_panel", "diagnose"]

#: public name -> module that defines it (loaded by name so that the package's root imports nothing
#: at start-up and stays outside the layers of docs/architecture.md)
_EXPORTS = {
    "Assessment": "territoria.assess.pipeline",
    "Result": "territoria.assess.result",
    "Panel": "territoria.panel",
    "bundled_panel": "territoria.bundled",
    "diagnose": "territoria.diagnosis",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version  # lazy: importlib.metadata costs ~0.1 s

    try:
        return version("territoria")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0.0.0"


def __getattr__(name: str) -> Any:
    if name == "__version__":
        globals()[name] = found = _version()
        return found
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'territoria' has no attribute {name!r}")
    try:
        value = getattr(import_module(module), name)
        if isinstance(value, ModuleType):  # a module of the same name: take its function
            value = getattr(value, name)
    except AttributeError as error:  # a name its module no longer defines
        raise AttributeError(f"module 'territoria' has no attribute {name!r} ({error})") from error
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_EXPORTS, "__version__"})
