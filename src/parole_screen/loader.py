"""Load a rule pack: safe YAML, the shorthand written out, schema validation, cross-checks,
then compilation.

Every problem in every file is collected and reported at once, each as
``file:line: message``, so an author fixes a pack in one pass.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import math
import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, NamedTuple, TypeVar, Union, get_args, get_origin, get_type_hints

from . import conditions, pack_expand
from .conditions import (
    MAX_DAYS,
    Catalogue,
    Evaluator,
    compile_condition,
    referenced_questions,
    suggest,
)
from .errors import UNSAFE_CHARS, PackError
from .models import CATEGORY_IDS, Fact, Model, PackFile, PackMeta
from .pack import (
    CompiledBasis,
    CompiledCategory,
    CompiledDeadline,
    CompiledEvidence,
    CompiledFactor,
    CompiledFee,
    CompiledFlag,
    CompiledItem,
    CompiledQuestion,
    RulePack,
)
from .pack_cache import (
    CheckedPack,
    cache_folder,
    cached_tree,
    load_checked,
    pack_key,
    store_checked,
)
from .pack_expand import RULE_GROUPS, SHORTHAND_KEYS, Expander, find_cycle, is_borrowed
from .safeyaml import MAX_FILE_BYTES, LocatedDict, YamlRefused, line_of, parse_yaml, yaml_trap

_T = TypeVar("_T")

PACK_ENV = "PAROLE_SCREEN_RULES"
META_FILE = "pack.yaml"
_MERGED = ("definitions", "sources", "questions", "categories", "flags", "items", "facts",
           "fees", "deadlines")


def default_pack_path() -> Path:
    """The pack shipped inside the package (or the repository's ``rules/`` when editable)."""
    bundled = Path(__file__).parent / "rules"
    if (bundled / META_FILE).is_file():
        return bundled
    return Path(__file__).resolve().parents[2] / "rules"


def resolve_pack_path(path: str | Path | None = None) -> Path:
    """``path`` if given, else ``$PAROLE_SCREEN_RULES``, else the bundled pack."""
    if path:
        return Path(path)
    env = os.environ.get(PACK_ENV)
    return Path(env) if env else default_pack_path()


def pack_files(directory: Path) -> list[Path]:
    """The YAML files that make up a pack (scenario tests and locales live in subfolders)."""
    return sorted(p for p in directory.glob("*.yaml") if p.is_file())


def load_pack(path: str | Path | None = None, *, cache: bool | Path = False) -> RulePack:
    """Load, check and compile the rule pack in directory ``path``.

    ``cache`` keeps parsed files and checked packs on disk so the next load is faster:
    ``True`` uses the user's cache folder (``$PAROLE_SCREEN_CACHE``, else the XDG cache;
    ``PAROLE_SCREEN_CACHE=off`` still turns it off), a path uses that folder. By default
    nothing is read from or written to disk but the pack.

    Raises :class:`~parole_screen.errors.PackError` listing every problem found.
    """
    directory = resolve_pack_path(path)
    if not directory.is_dir():
        raise PackError([f"{directory}: rule pack directory not found"])
    if not (directory / META_FILE).is_file():
        raise PackError([f"{directory}: not a rule pack (no {META_FILE})"])
    folder = cache_folder() if cache is True else cache or None
    return _Builder(directory, folder).build()


def _checking_code() -> tuple[Path, ...]:
    """The source files whose checks a cached pack passed (see ``pack_cache.pack_key``)."""
    return (Path(str(conditions.__file__)), Path(str(pack_expand.__file__)), Path(__file__))


class _Entry(NamedTuple):
    """One pack entity with where it came from, for messages."""

    model: Any
    raw: Any
    file: Path

    def where(self, path: Iterable[str | int] = ()) -> str:
        return f"{self.file}:{line_of(self.raw, list(path))}"


def _citations(entries: dict[str, list[_Entry]]
               ) -> Iterator[tuple[_Entry, Iterable[str], list[str | int]]]:
    """Every list of source ids the pack cites, with the entry and the path it is at."""
    for kind in ("flags", "items", "fees", "deadlines"):
        for entry in entries[kind]:
            yield entry, entry.model.cite, []
    for entry in entries["facts"]:
        for index, value in enumerate(entry.model.values):
            yield entry, [value.source], ["values", index]
    for entry in entries["categories"]:
        for b, basis in enumerate(entry.model.bases):
            yield entry, basis.cite, ["bases", b]
            for group in RULE_GROUPS:
                for f, factor in enumerate(getattr(basis, group)):
                    yield entry, factor.cite, ["bases", b, group, f]
            for e, proof in enumerate(basis.evidence):
                yield entry, proof.cite, ["bases", b, "evidence", e]


class _Builder:
    def __init__(self, directory: Path, cache: Path | None) -> None:
        self.directory = directory
        self.cache = cache
        self.problems: list[str] = []
        self.digest = hashlib.sha256()

    def problem(self, where: str, message: str) -> None:
        line = f"{where}: {message}"
        if line not in self.problems:  # a rule inherited twice is still one problem
            self.problems.append(line)

    def build(self) -> RulePack:
        files = self._read_files()
        # The digest covers every file's name and bytes.
        key = pack_key(self.digest.digest(), _checking_code()) if self.cache else None
        checked = (None if self.problems or key is None
                   else load_checked(self.cache, key, (f.name for f, _ in files)))
        if checked is not None:
            # A pack that passed before passes again; if a doctored entry makes it fail
            # (or trips on a value of the wrong type), check it afresh.
            with contextlib.suppress(Exception):
                return self._assemble(*self._from_cache(checked), checked=True)
            self.problems.clear()
        meta, entries, countries = self._parse_all(files)
        if self.problems or meta is None:
            raise PackError(self.problems or [f"{self.directory}: no usable {META_FILE}"])
        pack = self._assemble(meta, entries, countries, checked=False)
        by_kind = {kind: [(entry.file.name, entry.model) for entry in items]
                   for kind, items in entries.items() if kind != "definitions"}
        store_checked(self.cache, key, CheckedPack(meta, by_kind, countries))
        return pack

    def _assemble(self, meta: PackMeta, entries: dict[str, list[_Entry]],
                  countries: dict[str, str], *, checked: bool) -> RulePack:
        """Cross-check (most checks only when not ``checked`` already) and compile; raise
        PackError on problems."""
        if not checked:
            self._check_unique(entries)
        questions: dict[str, _Entry] = {}
        for entry in entries["questions"]:
            questions.setdefault(entry.model.id, entry)  # a duplicate is reported; keep the first
        country_lists = frozenset(e.model.id for e in entries["facts"]
                                  if e.model.kind == "country_list")
        catalogue = Catalogue(
            questions={qid: entry.model for qid, entry in questions.items()},
            countries=frozenset(countries),
            country_lists=country_lists,
        )
        if not checked:
            self._check_fact_values(entries, catalogue)
            self._check_citations(entries)
            self._check_fee_facts(entries)
            self._check_numbers(entries)
        compiled = self._compile(entries, catalogue)
        if not checked:
            self._check_question_order(entries["questions"])
        if self.problems:
            raise PackError(self.problems)
        return RulePack(
            meta=meta,
            path=self.directory,
            content_hash=self.digest.hexdigest()[:16],
            sources={e.model.id: e.model for e in entries["sources"]},
            facts={e.model.id: e.model for e in entries["facts"]},
            countries=dict(sorted(countries.items())),
            **compiled,
        )

    # -- reading -----------------------------------------------------------------------

    def _read_files(self) -> list[tuple[Path, bytes]]:
        """Every pack file's bytes (the digest covers them all); unreadable ones are problems."""
        files = []
        for file in pack_files(self.directory):
            self.digest.update(file.name.encode() + b"\0")
            try:
                if file.stat().st_size > MAX_FILE_BYTES:  # checked before reading it whole
                    self.problem(f"{file}:1", f"file is larger than the "
                                              f"{MAX_FILE_BYTES // 1024} KiB cap")
                    continue
                data = file.read_bytes()
            except OSError as error:
                self.problem(f"{file}:1", f"cannot read file: {error.strerror}")
                continue
            self.digest.update(data + b"\0")
            files.append((file, data))
        return files

    def _from_cache(self, checked: CheckedPack) -> tuple[PackMeta, dict[str, list[_Entry]],
                                                         dict[str, str]]:
        paths = {name: self.directory / name  # one Path per file, not one per entry
                 for items in checked.entries.values() for name, _ in items}
        entries = {kind: [_Entry(model, None, paths[name])
                          for name, model in checked.entries.get(kind, ())]
                   for kind in _MERGED}
        return checked.meta, entries, checked.countries

    def _parse_all(self, files: list[tuple[Path, bytes]]
                   ) -> tuple[PackMeta | None, dict[str, list[_Entry]], dict[str, str]]:
        trees = self._parse_trees(files)
        self._expand(trees)
        return self._collect(trees)

    def _parse_trees(self, files: list[tuple[Path, bytes]]) -> list[tuple[Path, Any]]:
        trees: list[tuple[Path, Any]] = []
        for file, data in files:
            try:
                tree = _parse(self.cache, data)
            except YamlRefused as refused:
                self.problem(f"{file}:{refused.line}", refused.message)
                continue
            for path, char in _control_characters(tree):
                self.problem(f"{file}:{line_of(tree, path)}",
                             f"{'.'.join(map(str, path)) or '(top)'}: {_named(char)} in the "
                             "text; a rule pack's text may hold line breaks but no other "
                             "control character (no ESC sequences, no bidi overrides)")
            trees.append((file, tree))
        return trees

    def _expand(self, trees: list[tuple[Path, Any]]) -> None:
        """Write out the shorthand of every file but the meta file, in place: every file's
        definitions are known before any is expanded."""
        expander = Expander(self.problem)
        for file, raw in trees:
            if file.name != META_FILE:
                expander.define(file, raw)
        for file, raw in trees:
            if file.name != META_FILE:
                expander.expand(file, raw)
        expander.finish()

    def _collect(self, trees: list[tuple[Path, Any]]
                 ) -> tuple[PackMeta | None, dict[str, list[_Entry]], dict[str, str]]:
        """Validate each file and merge the entries of all of them, kind by kind."""
        meta: PackMeta | None = None
        entries: dict[str, list[_Entry]] = {kind: [] for kind in _MERGED}
        countries: dict[str, str] = {}
        for file, raw in trees:
            if file.name == META_FILE:
                meta = self._validate(PackMeta, raw, file)
                continue
            fragment = self._validate(PackFile, raw if raw is not None else {}, file)
            if fragment is None:
                continue
            for kind in _MERGED:
                for index, model in enumerate(getattr(fragment, kind)):
                    entries[kind].append(_Entry(model, raw[kind][index], file))
            self._add_countries(countries, fragment.countries, raw, file)
        return meta, entries, countries

    def _add_countries(self, countries: dict[str, str], added: dict[str, str], raw: Any,
                       file: Path) -> None:
        for code, name in added.items():
            if code in countries:
                self.problem(f"{file}:{line_of(raw, ['countries'])}",
                             f"country code '{code}' is defined twice")
            countries[code] = name

    def _validate(self, model: type[Model], raw: Any, file: Path) -> Any:
        try:
            return validate_located(model, raw, file)
        except PackError as error:
            self.problems.extend(error.problems)
            return None

    # -- checks ------------------------------------------------------------------------

    def _check_unique(self, entries: dict[str, list[_Entry]]) -> None:
        self._check_unique_ids(entries)
        self._check_categories_defined(entries["categories"])
        for entry in entries["categories"]:
            self._check_unique_in_category(entry)

    def _check_unique_ids(self, entries: dict[str, list[_Entry]]) -> None:
        for kind, items in entries.items():
            seen: dict[str, _Entry] = {}
            for entry in items:
                first = seen.setdefault(entry.model.id, entry)
                if first is not entry:
                    self.problem(entry.where(), f"duplicate {kind[:-1]} id '{entry.model.id}' "
                                                f"(first defined at {first.where()})")

    def _check_categories_defined(self, categories: list[_Entry]) -> None:
        present = [entry.model.id for entry in categories]
        for category_id in CATEGORY_IDS:
            if category_id not in present:
                self.problem(f"{self.directory}", f"category '{category_id}' is not defined")

    def _check_unique_in_category(self, entry: _Entry) -> None:
        """Basis ids within the category, rule ids within each group of a basis."""
        bases = [basis.id for basis in entry.model.bases]
        for basis_id in sorted({b for b in bases if bases.count(b) > 1}):
            self.problem(entry.where(), f"duplicate basis id '{basis_id}'")
        for index, basis in enumerate(entry.model.bases):
            for group in RULE_GROUPS:
                ids = [factor.id for factor in getattr(basis, group)]
                for dup in sorted({i for i in ids if ids.count(i) > 1}):
                    self.problem(entry.where(["bases", index, group]),
                                 f"duplicate rule id '{dup}' in {basis.id}.{group}")

    def _check_citations(self, entries: dict[str, list[_Entry]]) -> None:
        sources = {entry.model.id for entry in entries["sources"]}
        for entry, cites, path in _citations(entries):
            for cite in cites:
                if cite not in sources:
                    self.problem(entry.where(path),
                                 f"cites unknown source '{cite}'{suggest(cite, sorted(sources))}")

    def _check_numbers(self, entries: dict[str, list[_Entry]]) -> None:
        """Bounds and offsets the engine can use: a question's min and max finite (.nan
        refused nothing, .inf everything), and a deadline's offsets within 100 years (one
        of -999999999999 days overflowed the date, and the deadline silently vanished)."""
        for entry in entries["questions"]:
            question = entry.model
            for key in ("min", "max"):
                value = getattr(question, key)
                if value is not None and not math.isfinite(value):
                    self.problem(entry.where([key]), f"question '{question.id}': {key} must "
                                                     "be a finite number")
            if (question.min is not None and question.max is not None
                    and question.min > question.max):
                self.problem(entry.where(["min"]), f"question '{question.id}': min is "
                                                   "greater than max")
        for entry in entries["deadlines"]:
            deadline = entry.model
            limits = (("offset_days", MAX_DAYS, "days"), ("offset_years", MAX_DAYS // 365,
                                                          "years"),
                      ("warn_within_days", MAX_DAYS, "days"))
            for key, limit, unit in limits:
                value = getattr(deadline, key)
                if value is not None and abs(value) > limit:
                    self.problem(entry.where([key]), f"deadline '{deadline.id}': {key} must "
                                                     f"be at most {limit:,} {unit} either way")

    def _check_fee_facts(self, entries: dict[str, list[_Entry]]) -> None:
        """Every fee names a fact that is a fee in usd."""
        facts = {entry.model.id: entry.model for entry in entries["facts"]}
        for entry in entries["fees"]:
            fact = facts.get(entry.model.fact)
            if fact is None:
                hint = suggest(entry.model.fact, facts)
                self.problem(entry.where(), f"fee '{entry.model.id}' names unknown fact "
                                            f"'{entry.model.fact}'{hint}")
            elif fact.kind != "fee" or fact.unit != "usd":
                self.problem(entry.where(), f"fee '{entry.model.id}' names fact '{fact.id}', "
                                            "which is not a fee in usd")

    def _check_fact_values(self, entries: dict[str, list[_Entry]], catalogue: Catalogue) -> None:
        for entry in entries["facts"]:
            fact = entry.model
            for index, value in enumerate(fact.values):
                if value.value is not None:
                    self._check_fact_value(fact, value.value, entry.where(["values", index]),
                                           catalogue)
            if fact.kind == "country_list" and fact.unit != "countries":
                self.problem(entry.where(), f"country_list fact '{fact.id}' needs unit: countries")

    def _check_fact_value(self, fact: Fact, v: Any, where: str, catalogue: Catalogue) -> None:
        """One dated value against the fact's unit."""
        if fact.unit in ("usd", "days") and not isinstance(v, int):
            self.problem(where, f"fact '{fact.id}' is in {fact.unit}: value must be a "
                                "whole number")
        elif fact.unit == "countries":
            if not isinstance(v, tuple):
                self.problem(where, f"fact '{fact.id}' needs a list of country codes")
                return
            for code in v:
                if code not in catalogue.countries:
                    hint = suggest(code, sorted(catalogue.countries))
                    self.problem(where, f"unknown country code '{code}'{hint}")
        elif fact.unit == "text" and not isinstance(v, str):
            self.problem(where, f"fact '{fact.id}' is text: value must be text")

    def _check_question_order(self, questions: list[_Entry]) -> None:
        """Cycles in asked_when, and conditions on questions asked later (never answerable)."""
        position = {entry.model.id: index for index, entry in enumerate(questions)}
        depends = {entry.model.id: referenced_questions(entry.model.asked_when)
                   for entry in questions}
        for entry in questions:
            qid = entry.model.id
            cycle = find_cycle(qid, depends)
            if cycle:
                self.problem(entry.where(["asked_when"]),
                             "asked_when forms a cycle: " + " -> ".join(cycle))
                continue
            for dep in sorted(depends[qid]):
                if position.get(dep, -1) >= position[qid]:
                    self.problem(entry.where(["asked_when"]),
                                 f"question '{qid}' is unreachable: its asked_when reads "
                                 f"'{dep}', which is asked later")
            for index, choice in enumerate(entry.model.choices):
                for dep in sorted(referenced_questions(choice.asked_when)):
                    if position.get(dep, -1) >= position[qid]:
                        self.problem(entry.where(["choices", index, "asked_when"]),
                                     f"choice '{choice.value}' of '{qid}': its asked_when "
                                     f"reads '{dep}', which is not asked before it")

    # -- compiling ---------------------------------------------------------------------

    def _compile(self, entries: dict[str, list[_Entry]], catalogue: Catalogue) -> dict[str, Any]:
        def at(entry: _Entry, label: str, base: list[str | int] | None = None) -> _Compiler:
            return _Compiler(self, catalogue, entry, label, base or [])

        for entry in entries["definitions"]:  # checked once here, not at every use
            at(entry, f"definition '{entry.model.id}'").required(entry.model.when, "when")
        questions = []
        for entry in entries["questions"]:
            label = f"question '{entry.model.id}'"
            c = at(entry, label)
            choices_when = tuple(
                at(entry, label, ["choices", index]).optional(choice.asked_when, "asked_when")
                for index, choice in enumerate(entry.model.choices))
            questions.append(CompiledQuestion(
                entry.model, c.optional(entry.model.asked_when, "asked_when"),
                choices_when if any(choices_when) else ()))
        categories = []
        for entry in sorted(entries["categories"], key=lambda e: CATEGORY_IDS.index(e.model.id)):
            bases = [self._compile_basis(entry, b, at) for b in range(len(entry.model.bases))]
            categories.append(CompiledCategory(entry.model, tuple(bases)))
        flags = []
        for entry in entries["flags"]:
            flag = entry.model
            c = at(entry, f"flag '{flag.id}'")
            reads = referenced_questions(flag.when) | referenced_questions(flag.unless)
            flags.append(CompiledFlag(flag, c.required(flag.when, "when"),
                                      c.optional(flag.unless, "unless"), tuple(sorted(reads))))
        items = []
        for entry in entries["items"]:
            c = at(entry, f"item '{entry.model.id}'")
            items.append(CompiledItem(entry.model, c.optional(entry.model.when, "when")))
        fees = []
        for entry in entries["fees"]:
            c = at(entry, f"fee '{entry.model.id}'")
            fees.append(CompiledFee(entry.model, c.optional(entry.model.when, "when"),
                                    c.optional(entry.model.exception_when, "exception_when")))
        deadlines = []
        for entry in entries["deadlines"]:
            deadline = entry.model
            c = at(entry, f"deadline '{deadline.id}'")
            source = catalogue.questions.get(deadline.from_question)
            if source is None or source.type != "date":
                self.problem(entry.where(), f"deadline '{deadline.id}': from_question "
                                            f"'{deadline.from_question}' is not a date question")
            deadlines.append(CompiledDeadline(deadline, c.optional(deadline.when, "when")))
        return {
            "questions": tuple(questions),
            "categories": tuple(categories),
            "flags": tuple(flags),
            "items": tuple(items),
            "fees": tuple(fees),
            "deadlines": tuple(deadlines),
        }

    def _compile_basis(self, entry: _Entry, b: int,
                       at: Callable[..., _Compiler]) -> CompiledBasis:
        basis = entry.model.bases[b]
        basis_id = f"{entry.model.id}.{basis.id}"

        def factors(group: str) -> tuple[CompiledFactor, ...]:
            out = []
            for f, factor in enumerate(getattr(basis, group)):
                rule_id = f"{basis_id}.{factor.id}"
                c = at(entry, f"rule '{rule_id}'", ["bases", b, group, f])
                reads = referenced_questions(factor.when) | referenced_questions(factor.unless)
                out.append(CompiledFactor(rule_id, factor, c.required(factor.when, "when"),
                                          c.optional(factor.unless, "unless"),
                                          tuple(sorted(reads))))
            return tuple(out)

        evidence = []
        for v, item in enumerate(basis.evidence):
            c = at(entry, f"evidence '{basis_id}.{item.id}'", ["bases", b, "evidence", v])
            evidence.append(CompiledEvidence(item, c.optional(item.have_when, "have_when"),
                                             c.optional(item.needed_when, "needed_when")))
        self._check_block_caps(entry, b)
        return CompiledBasis(
            rule_id=basis_id,
            basis=basis,
            applies=at(entry, f"basis '{basis_id}'", ["bases", b]).required(
                basis.applies_when, "applies_when"),
            requires=factors("requires"),
            strengthens=factors("strengthens"),
            weakens=factors("weakens"),
            blocks=factors("blocks"),
            evidence=tuple(evidence),
        )

    def _check_block_caps(self, entry: _Entry, b: int) -> None:
        basis = entry.model.bases[b]
        for f, factor in enumerate(basis.blocks):
            if factor.cap is None:
                self.problem(entry.where(["bases", b, "blocks", f]),
                             f"block '{basis.id}.{factor.id}' needs a cap (the best band allowed)")
        for group in ("requires", "strengthens", "weakens"):
            for f, factor in enumerate(getattr(basis, group)):
                if factor.cap is not None:
                    self.problem(entry.where(["bases", b, group, f]),
                                 f"'cap' only belongs on blocks, not in {group}")


def validate_located(model: type[Model], raw: Any, file: Path) -> Any:
    """Validate parsed YAML against ``model``; raise PackError with one line per problem.

    An unknown key gets a "did you mean" from the keys ``model``'s format knows.
    """
    from pydantic import ValidationError  # only checking a pack needs pydantic

    if not isinstance(raw, Mapping):
        raise PackError([f"{file}:1: the file must hold a mapping at the top level"])
    try:
        return _checker(model).validate_python(raw)
    except ValidationError as error:
        details = error.errors()
    problems = []
    traps: set[tuple[int, str]] = set()
    nested = [tuple(detail["loc"]) for detail in details]
    for detail in details:
        loc = [step for step in detail["loc"] if isinstance(step, str | int)]
        here = tuple(detail["loc"])
        if detail["type"] == "too_short" and any(
                other[:len(here)] == here and len(other) > len(here) for other in nested):
            continue  # a list emptied by its items' own errors: those say it better
        # pydantic appends the union member or validator name; keep the data path.
        data_path = _data_path(raw, loc)
        dotted = ".".join(str(step) for step in data_path) or "(top)"
        line = line_of(raw, data_path)
        message = detail["msg"]
        trap = _trap_at(raw, data_path)
        if trap is not None:
            if (line, trap) in traps:
                continue  # each member of a union refused it: one word, one problem
            traps.add((line, trap))
            message = trap
        elif detail["type"] == "unexpected_keyword_argument":  # a dataclass's word for it
            message = "unknown key" + _key_hint(model, detail["loc"])
        elif detail["type"] == "dataclass_type":
            message = "Input should be a mapping of keys and values"
        problems.append(f"{file}:{line}: {dotted}: {message}")
    raise PackError(problems)


def _per_model(build: Callable[[type[Model]], _T]) -> Callable[[type[Model]], _T]:
    """``build`` run once per model class: functools.cache, which mypy cannot type for
    dataclass classes (it checks the class object against Hashable as if an instance)."""
    return cache(build)  # type: ignore[return-value]


@_per_model
def _checker(model: type[Model]) -> Any:
    """Pydantic's validator for ``model``, built once (building one costs milliseconds)."""
    from pydantic import TypeAdapter

    return TypeAdapter(model)


class _Compiler(NamedTuple):
    """Compiles the conditions of one pack entity, reporting problems at their line."""

    builder: _Builder
    catalogue: Catalogue
    entry: _Entry
    label: str
    base: list[str | int]

    def required(self, spec: Any, key: str) -> Evaluator:
        def on_error(path: list[str | int], message: str) -> None:
            full = [*self.base, key, *path]
            if is_borrowed(self.entry.raw, full):
                return  # reported where it is written: the definition or the rule inherited
            trap = _trap_at(self.entry.raw, full)
            self.builder.problem(self.entry.where(full),
                                 f"{self.label} {key}{_render_path(path)}: {trap or message}")
        return compile_condition(spec, self.catalogue, on_error)

    def optional(self, spec: Any, key: str) -> Evaluator | None:
        return None if spec is None else self.required(spec, key)


def _render_path(path: list[str | int]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)


def _data_path(raw: Any, loc: list[str | int]) -> list[str | int]:
    """Drop the parts of a pydantic error location that are not keys in the data."""
    path: list[str | int] = []
    node = raw
    for step in loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            if step == loc[-1] and isinstance(step, str) and isinstance(node, Mapping):
                path.append(step)  # the unknown (or missing) key itself
            continue
        path.append(step)
    return path


def _trap_at(raw: Any, path: list[str | int]) -> str | None:
    """The YAML 1.1 trap message when the value at ``path`` is a word YAML read as a
    boolean (``no``, ``on``...), else None."""
    if not path:
        return None
    parent = _node_at(raw, path[:-1])
    key = path[-1]
    if isinstance(parent, list) and isinstance(key, int):
        if len(path) < 2 or not 0 <= key < len(parent):
            return None
        value = parent[key]  # a list item: the word is noted on the list's own key
        holder, key = _node_at(raw, path[:-2]), path[-2]
    elif isinstance(parent, LocatedDict):
        holder, value = parent, parent.get(str(key))
    else:
        return None
    if isinstance(value, list):
        value = next((item for item in value if isinstance(item, bool)), None)
    if not isinstance(value, bool) or not isinstance(holder, LocatedDict):
        return None
    word = holder.spelled.get(str(key))
    return yaml_trap(word) if word else None


def _node_at(raw: Any, path: list[str | int]) -> Any:
    node = raw
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _key_hint(model: type[Model], loc: tuple[Any, ...]) -> str:
    """" (did you mean 'x'?)" for an unknown key: the closest key of the entry it is in
    (a flag's keys for a key on a flag), else of the whole format; never the key itself,
    which is known elsewhere in the format when it is refused here (``kind`` on a flag)."""
    key = str(loc[-1]) if loc else ""
    here = _keys_at(model, loc[:-1])
    if here and key in _format_keys(model):  # right word, wrong place: say what fits here
        return f" (a key elsewhere in the format, not here; here: {', '.join(sorted(here))})"
    return suggest(key, sorted((here or set(_format_keys(model))) - {key}))


def _keys_at(model: type[Model], loc: tuple[Any, ...]) -> set[str]:
    """The keys of the model(s) at a pydantic error location, followed from ``model`` field
    by field (a list index into the list's items; a union member's name, which is not a
    field, is passed over). Empty if the way is lost."""
    kinds: list[Any] = [model]
    for step in loc:
        following = [found for kind in kinds for found in _step_into(kind, step)]
        if following:
            kinds = following
        elif not isinstance(step, str):
            return set()
    return {key for kind in kinds if _is_model(kind) for key in _fields_of(kind)}


def _step_into(kind: Any, step: Any) -> list[Any]:
    """What ``step`` (a field name, an index or a key) leads to from ``kind``."""
    found: list[Any] = []
    for member in _members(kind):
        if _is_model(member):
            declared = _fields_of(member).get(step) if isinstance(step, str) else None
            if declared is not None:
                found.append(declared)
        elif get_origin(member) in (list, tuple, dict) and get_args(member):
            found.append(get_args(member)[-1] if get_origin(member) is dict
                         else get_args(member)[0])
    return found


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, Model)


@_per_model
def _fields_of(model: type[Model]) -> dict[str, Any]:
    """A model's field names and their declared types (resolved where written as text)."""
    hints = get_type_hints(model, include_extras=True)
    return {field.name: hints[field.name] for field in dataclasses.fields(model)}


def _members(kind: Any) -> list[Any]:
    """A type with unions and Annotated unwrapped into its members."""
    origin = get_origin(kind)
    if origin in (Union, UnionType) or origin is Annotated:
        args = get_args(kind)[:1] if origin is Annotated else get_args(kind)
        return [member for arg in args for member in _members(arg)]
    return [kind]


@_per_model
def _format_keys(model: type[Model]) -> tuple[str, ...]:
    """Every key ``model``'s format knows (its fields and its nested models' fields, and
    for a pack file the shorthand's keys), for "did you mean" on an unknown one."""
    found: set[str] = set(SHORTHAND_KEYS) if model is PackFile else set()
    todo: list[Any] = [model]
    seen: set[Any] = set()
    while todo:
        kind = todo.pop()
        if _is_model(kind):
            if kind in seen:
                continue
            seen.add(kind)
            found.update(_fields_of(kind))
            todo.extend(_fields_of(kind).values())
        else:
            todo.extend(get_args(kind))
    return tuple(sorted(found))


def _control_characters(tree: Any, path: tuple[str | int, ...] = ()
                        ) -> Iterator[tuple[list[str | int], str]]:
    """Where the pack's text (a value or a key, at any depth) holds a character that
    :func:`~parole_screen.errors.printable` would escape, and the first such character:
    written as a YAML escape (``"\\e[31m"``, ``"\\u202e"``) it gets past the YAML reader,
    and would reach prompts, reports and terminals."""
    if isinstance(tree, str):
        found = UNSAFE_CHARS.search(tree.replace("\n", " "))
        if found is not None:
            yield list(path), found.group()
    elif isinstance(tree, Mapping):
        for key, value in tree.items():
            yield from _control_characters(key, path)
            yield from _control_characters(value, (*path, key))
    elif isinstance(tree, list | tuple):
        for index, value in enumerate(tree):
            yield from _control_characters(value, (*path, index))


_CONTROL_NAMES = {"\x1b": "ESC", "\x07": "BEL", "\x00": "NUL", "\x9b": "CSI", "\x9d": "OSC",
                  "\r": "carriage return", "\t": "tab", "\x08": "backspace"}


def _named(char: str) -> str:
    """``the control character U+001B (ESC)``, or a bidi control's Unicode name."""
    name = _CONTROL_NAMES.get(char) or unicodedata.name(char, "")
    return f"the control character U+{ord(char):04X}" + (f" ({name})" if name else "")


def _parse(cache: Path | None, data: bytes) -> Any:
    """:func:`safeyaml.parse_yaml` of a file's bytes (from the cache when they were seen)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise YamlRefused(1, "file is not valid UTF-8 text") from None
    if cache is None:
        return parse_yaml(text)
    return cached_tree(cache, data, lambda: parse_yaml(text))
