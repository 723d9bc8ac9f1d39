"""parole-screen: screen answers against U.S. immigration parole law (INA 212(d)(5)(A)).

A screening, not legal advice. The public API::

    from parole_screen import load_pack, screen
    pack = load_pack()                        # the bundled rule pack, or a directory
    result = screen(pack, {"reason_type": "medical", ...}, as_of=date(2026, 1, 1))

Names are imported on first use, so ``parole-screen --version`` stays as fast as a bare
``import typer``.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # for type checkers only; __getattr__ below loads names lazily
    from .answers import coerce_answers, split_record
    from .batch import (
        BatchOptions,
        BatchStats,
        InputSource,
        output_file,
        output_format_for,
        resolve_inputs,
        run_batch,
    )
    from .engine import (
        RESULT_SCHEMA,
        Result,
        effective_answers,
        screen,
        screen_many,
        screen_record,
    )
    from .errors import AnswerError, OutputExistsError, PackError, ParoleScreenError, SessionError
    from .loader import default_pack_path, load_pack
    from .pack import RulePack
    from .report import render

_EXPORTS = {
    "coerce_answers": "answers",
    "split_record": "answers",
    "BatchOptions": "batch",
    "BatchStats": "batch",
    "InputSource": "batch",
    "output_file": "batch",
    "output_format_for": "batch",
    "resolve_inputs": "batch",
    "run_batch": "batch",
    "RESULT_SCHEMA": "engine",
    "Result": "engine",
    "effective_answers": "engine",
    "screen": "engine",
    "screen_many": "engine",
    "screen_record": "engine",
    "AnswerError": "errors",
    "OutputExistsError": "errors",
    "PackError": "errors",
    "ParoleScreenError": "errors",
    "SessionError": "errors",
    "default_pack_path": "loader",
    "load_pack": "loader",
    "RulePack": "pack",
    "render": "report",
}

__all__ = [
    "RESULT_SCHEMA",
    "AnswerError",
    "BatchOptions",
    "BatchStats",
    "InputSource",
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
    "output_file",
    "output_format_for",
    "render",
    "resolve_inputs",
    "run_batch",
    "screen",
    "screen_many",
    "screen_record",
    "split_record",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            return version("parole-screen")
        except PackageNotFoundError:  # a source tree that is not installed
            return "0.0.0"
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'parole_screen' has no attribute '{name}'")
    return getattr(import_module(f".{module}", __name__), name)
