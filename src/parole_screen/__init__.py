"""parole-screen: screen answers against U.S. immigration parole law (INA 212(d)(5)(A)).

A screening, not legal advice. The public API::

    pack = load_pack()                       # the bundled rule pack, or a directory
    result = screen(pack, {"reason_type": "medical", ...}, as_of=date(2026, 1, 1))
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .answers import coerce_answers, split_record
from .engine import RESULT_SCHEMA, Result, effective_answers, screen, screen_many, screen_record
from .errors import AnswerError, OutputExistsError, PackError, ParoleScreenError, SessionError
from .loader import default_pack_path, load_pack
from .pack import RulePack

try:
    __version__ = version("parole-screen")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"

__all__ = [
    "RESULT_SCHEMA",
    "AnswerError",
    "OutputExistsError",
    "PackError",
    "ParoleScreenError",
    "Result",
    "RulePack",
    "SessionError",
    "__version__",
    "coerce_answers",
    "default_pack_path",
    "effective_answers",
    "load_pack",
    "screen",
    "screen_many",
    "screen_record",
    "split_record",
]
