"""Command-line values converted without pydantic, so that ``score FILE`` starts quickly.

Typer 0.29 converts each parameter's value with a pydantic ``TypeAdapter`` that it builds
when the parameter is first processed, even for an option left at its default, and
building the first one imports pydantic's schema machinery: about 60 ms, a quarter of
``score``'s start-up, when nothing else in a command that reads a checked pack needs
pydantic (only checking a pack does). Our commands take strings, paths, lists of strings
and values with a parser of their own: those are converted here as Typer would convert
them (a path is not checked for being readable: the command that opens it names the file
in its own error). Flags need no conversion (Typer skips a True/False). Any other
parameter, and a flag given a word instead, is still converted by Typer, its converter
built only when such a value arrives.

This replaces one method of Typer's parameter class (``get_runtime_param``), which is not
public API, for every Typer app in the process. If a Typer release drops it or the names
it works with, the replacement is skipped and Typer converts everything as before:
correct, only slower to start.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

Convert = Callable[[Any], Any]


class PlainValues:
    """Converts one parameter's values; Typer calls :meth:`coerce` for each one."""

    __slots__ = ("convert", "typers_own")

    def __init__(self, convert: Convert | None, typers_own: Callable[[], Any]) -> None:
        self.convert = convert
        self.typers_own = typers_own  # Typer's conversion, built only if needed

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        many = param.multiple or param.nargs == -1
        if value is None:  # an option not given: no conversion, as in Typer
            return () if many else None
        if self.convert is None:
            return self.typers_own().coerce(value, param=param, ctx=ctx)
        if many and isinstance(value, str):
            raise typer.BadParameter("Value must be an iterable.", ctx=ctx, param=param)
        try:
            return self.convert(value)
        except ValueError as error:  # said without Typer's "Value error, " prefix
            from parole_screen import printable

            raise typer.BadParameter(printable(str(error)), ctx=ctx, param=param) from None


def converter_for(annotation: Any, parameter_info: Any) -> Convert | None:
    """How to convert a value of ``annotation`` without pydantic, or None to leave it to
    Typer (a type or a path check this module does not make)."""
    parser = getattr(parameter_info, "parser", None)
    if parser is not None:
        return _each(parser) if _is_list(annotation) else parser
    if annotation is str:
        return str
    if annotation is Path and _plain_path(parameter_info):
        return Path
    if annotation == list[str]:
        return _strings
    return None


def _strings(values: Any) -> list[str]:
    return [str(value) for value in values]


def _is_list(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list


def _each(parser: Convert) -> Convert:
    """A repeatable option's parser, applied to each value given, as Typer applies it."""
    def parse_each(values: Any) -> list[Any]:
        return [parser(value) for value in values]
    return parse_each


def _plain_path(parameter_info: Any) -> bool:
    """A path option that Typer would only turn into a Path: files and folders both
    allowed, nothing else to check or change."""
    allowed = all(getattr(parameter_info, flag, True) for flag in ("file_okay", "dir_okay"))
    return allowed and not any(
        getattr(parameter_info, flag, False)
        for flag in ("exists", "writable", "resolve_path", "allow_dash", "path_type"))


# What a Typer parameter holds, in the Typer this was written for (0.29).
_KNOWN_NAMES = {"_runtime_param", "type_descriptor"}


def install() -> bool:
    """Make Typer's parameters convert through :class:`PlainValues`. False (and nothing
    changed) when this Typer has no such hook: it then converts as it always has."""
    try:
        from typer.core import _TyperParameter
    except ImportError:
        return False
    typers_method = getattr(_TyperParameter, "get_runtime_param", None)
    held = set(getattr(_TyperParameter, "__annotations__", ()))
    if typers_method is None or not held.issuperset(_KNOWN_NAMES):
        return False  # not the Typer this was written against
    if getattr(typers_method, "plain_values", False):
        return True

    def get_runtime_param(self: Any) -> Any:
        if getattr(self, "_runtime_param", None) is None:
            descriptor = self.type_descriptor

            def typers_own() -> Any:  # from now on this parameter converts Typer's way
                self._runtime_param = None
                return typers_method(self)

            self._runtime_param = PlainValues(
                converter_for(descriptor.annotation, descriptor.parameter_info), typers_own)
        return self._runtime_param

    get_runtime_param.plain_values = True  # type: ignore[attr-defined]
    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]
    return True
