"""The error for a kit server imported without the ``testing`` extra."""

from __future__ import annotations

#: What the error says: the servers need aiohttp (and the Support fake moto), which only
#: ``pip install 'awsmith[testing]'`` brings; the Stubber needs neither.
MISSING = "awsmith's test servers need the testing extra: pip install 'awsmith[testing]' ({})"


def testing_extra_missing(error: ImportError) -> ModuleNotFoundError:
    """``error`` (aiohttp's import failing) as an error that says what to install."""
    return ModuleNotFoundError(MISSING.format(error), name=error.name)
