"""Territoria: vulnerability and depression of Kazakhstan's territories, from indicators to mechanisms."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("territoria")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"
