"""A pack's shorthand, written out in full before the pack is validated and compiled.

Two kinds of shorthand spare an author from writing the same thing twice:

* **Named conditions.** ``definitions:`` (a list of ``{id, when}``, in any pack file; the
  names are pack-wide) names a condition once; ``{use: name}`` stands for it anywhere a
  condition may stand, inside ``all``/``any``/``not`` too, and in other definitions.
* **A basis that extends another.** ``extends: <basis id>`` (same category) starts a basis
  as a copy of that one. Keys it writes replace the copied ones; in each list of rules
  (``requires``, ``strengthens``, ``weakens``, ``blocks``, ``evidence``) an entry whose id
  is inherited changes only the keys it writes (``key: null`` removes one), ``drop: true``
  removes it, and an entry with a new id is added at the end, or right after the rule named
  by ``after:``.

Both are resolved here, on the parsed YAML, so the models, the condition compiler and the
engine only ever see the pack written out in full. A copied mapping is a :class:`Borrowed`
one: a problem inside it is reported once, where it was written, not at every place it
was copied to.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .conditions import suggest
from .safeyaml import LocatedDict

#: Keys of the shorthand (for "did you mean" on an unknown key).
SHORTHAND_KEYS = ("after", "definitions", "drop", "extends", "use")
RULE_GROUPS = ("requires", "strengthens", "weakens", "blocks", "evidence")
# Where conditions stand, by section (categories are walked basis by basis).
_CONDITION_KEYS = {
    "questions": ("asked_when",),
    "flags": ("when", "unless"),
    "items": ("when",),
    "fees": ("when", "exception_when"),
    "deadlines": ("when",),
    "definitions": ("when",),
}
_RULE_CONDITIONS = {"evidence": ("have_when", "needed_when")}
_FACTOR_CONDITIONS = ("when", "unless")

Problem = Callable[[str, str], None]  # (file:line, message)


class Borrowed(LocatedDict):
    """A mapping copied from where it was written: a named condition at a ``use``, or a
    rule a basis inherits. Problems inside it are reported where it was written."""


def borrow(node: Any, line: int | None = None) -> Any:
    """A deep copy of ``node`` whose mappings are :class:`Borrowed` (on ``line``, if given,
    else on the lines they were written on)."""
    if isinstance(node, LocatedDict):
        copy = Borrowed((key, borrow(value, line)) for key, value in node.items())
        copy.line = node.line if line is None else line
        copy.spelled = node.spelled
        return copy
    if isinstance(node, list):
        return [borrow(value, line) for value in node]
    return node


def is_borrowed(root: Any, path: list[str | int]) -> bool:
    """Whether some mapping along ``path`` inside ``root`` (or ``root`` itself) is borrowed."""
    node = root
    if isinstance(node, Borrowed):
        return True
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return False
        if isinstance(node, Borrowed):
            return True
    return False


def _entries(tree: Any, section: str) -> Iterator[LocatedDict]:
    """The well-formed entries of a section; the schema reports the others."""
    items = tree.get(section) if isinstance(tree, LocatedDict) else None
    if isinstance(items, list):
        yield from (item for item in items if isinstance(item, LocatedDict))


class Expander:
    """Writes out the shorthand of every file of one pack.

    Call :meth:`define` with every file's tree, then :meth:`expand` on each, then
    :meth:`finish`. Problems go to ``problem(where, message)``.
    """

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.definitions: dict[str, tuple[LocatedDict, Path]] = {}
        self.uses: dict[str, set[str]] = {}  # definition -> the definitions it uses
        self.used: set[str] = set()
        self.broken: set[str] = set()  # in a cycle: never written out
        self.done: set[str] = set()  # written out in place
        self.checked = False

    # -- named conditions ----------------------------------------------------------------

    def define(self, file: Path, tree: Any) -> None:
        """Take note of the definitions in one file (duplicates are reported later, with
        every other duplicate id)."""
        for entry in _entries(tree, "definitions"):
            name = entry.get("id")
            if isinstance(name, str):
                self.definitions.setdefault(name, (entry, file))

    def _check_cycles(self) -> None:
        """Once, after every file's definitions are known: report each cycle once."""
        if self.checked:
            return
        self.checked = True
        for name, (entry, _) in self.definitions.items():
            self.uses[name] = set(_names_used(entry.get("when")))
        reported: set[frozenset[str]] = set()
        for name in self.definitions:
            cycle = find_cycle(name, self.uses)
            if cycle is None:
                continue
            self.broken.add(name)
            entry, _ = self.definitions[name]
            if "when" in entry:
                entry["when"] = borrow(entry["when"])  # never written out: say nothing more
            if frozenset(cycle) not in reported:
                reported.add(frozenset(cycle))
                self.problem(f"{self.definitions[name][1]}:{entry.line}",
                             "definition uses itself: " + " -> ".join(cycle))

    def _condition(self, node: Any, file: Path, *, used: bool = True) -> Any:
        """``node`` with every ``use`` in it written out; ``used``: the names it uses count
        as used (not so inside a definition: that counts only where it is used itself)."""
        if not isinstance(node, LocatedDict) or isinstance(node, Borrowed):
            return node
        if "use" in node:
            return self._use(node, file, used)
        for key in ("all", "any"):
            parts = node.get(key)
            if isinstance(parts, list):
                node[key] = [self._condition(part, file, used=used) for part in parts]
        if "not" in node:
            node["not"] = self._condition(node["not"], file, used=used)
        return node

    def _use(self, node: LocatedDict, file: Path, used: bool) -> Any:
        name = node["use"]
        where = f"{file}:{node.line}"
        if used and isinstance(name, str):
            self._mark_used(name)  # even if misused here: that is reported once, below
        if len(node) != 1:
            others = ", ".join(sorted(key for key in node if key != "use"))
            self.problem(where, f"'use' stands alone, found it beside {others}; combine "
                                "conditions with 'all' or 'any'")
            return borrow(node)  # reported: the compiler need not say more
        if not isinstance(name, str):
            self.problem(where, "'use' takes the id of a definition, e.g. {use: outside_us}")
            return borrow(node)
        if name not in self.definitions:
            hint = suggest(name, sorted(self.definitions))
            self.problem(where, f"unknown definition '{name}'{hint}")
            return borrow(node)
        if name in self.broken:
            return borrow(node)  # the cycle is reported at the definition
        return borrow(self._written_out(name), node.line)

    def _mark_used(self, name: str) -> None:
        todo = [name]
        while todo:
            found = todo.pop()
            if found not in self.used and found in self.definitions:
                self.used.add(found)
                todo.extend(self.uses.get(found, ()))

    def _written_out(self, name: str) -> Any:
        """The condition a definition names, with the ``use``s in it written out."""
        entry, file = self.definitions[name]
        if name not in self.done:
            self.done.add(name)
            if "when" in entry:
                entry["when"] = self._condition(entry["when"], file, used=False)
        return entry.get("when")

    # -- whole files ---------------------------------------------------------------------

    def expand(self, file: Path, tree: Any) -> None:
        """Write out every ``use`` and ``extends`` in one file's tree, in place."""
        self._check_cycles()
        for section, keys in _CONDITION_KEYS.items():
            for entry in _entries(tree, section):
                name = entry.get("id")
                if (section == "definitions" and isinstance(name, str)
                        and name in self.definitions and self.definitions[name][0] is entry):
                    self._written_out(name)  # once, whether it is used before or after here
                    continue
                for key in keys:
                    if key in entry:
                        entry[key] = self._condition(entry[key], file)
        self._choice_conditions(tree, file)
        for category in _entries(tree, "categories"):
            bases = category.get("bases")
            if not isinstance(bases, list):
                continue
            for basis in bases:
                if isinstance(basis, LocatedDict):
                    self._basis_conditions(basis, file)
            category["bases"] = _Extension(self.problem, file, category).resolve(bases)

    def _choice_conditions(self, tree: Any, file: Path) -> None:
        """A choice may have an asked_when too (the interview offers it only then)."""
        for question in _entries(tree, "questions"):
            for choice in _entries(question, "choices"):
                if "asked_when" in choice:
                    choice["asked_when"] = self._condition(choice["asked_when"], file)

    def _basis_conditions(self, basis: LocatedDict, file: Path) -> None:
        if "applies_when" in basis:
            basis["applies_when"] = self._condition(basis["applies_when"], file)
        for group in RULE_GROUPS:
            for rule in _entries(basis, group):
                for key in _RULE_CONDITIONS.get(group, _FACTOR_CONDITIONS):
                    if key in rule:
                        rule[key] = self._condition(rule[key], file)

    def finish(self) -> None:
        """Report the definitions nothing uses."""
        self._check_cycles()
        for name, (entry, file) in self.definitions.items():
            if name not in self.used and name not in self.broken:
                self.problem(f"{file}:{entry.line}",
                             f"definition '{name}' is not used; use it ({{use: {name}}}) "
                             "or remove it")


class _Extension:
    """Resolves ``extends`` among the bases of one category."""

    def __init__(self, problem: Problem, file: Path, category: LocatedDict) -> None:
        self.problem = problem
        self.file = file
        self.category = category.get("id")
        self.written: dict[str, LocatedDict] = {}
        self.resolved: dict[int, LocatedDict | None] = {}

    def where(self, node: LocatedDict) -> str:
        return f"{self.file}:{node.line}"

    def resolve(self, bases: list[Any]) -> list[Any]:
        for basis in bases:
            if isinstance(basis, LocatedDict) and isinstance(basis.get("id"), str):
                self.written.setdefault(basis["id"], basis)
        out = []
        for basis in bases:
            if not isinstance(basis, LocatedDict):
                out.append(basis)
                continue
            if "extends" not in basis:
                self._refuse_placement(basis)
            found = self._resolve(basis, [])
            if found is not None:
                out.append(found)
        return out

    def _refuse_placement(self, basis: LocatedDict) -> None:
        """``after`` and ``drop`` mean something only against an inherited list."""
        for group in RULE_GROUPS:
            for rule in _entries(basis, group):
                for key in ("after", "drop"):
                    if key in rule:
                        del rule[key]
                        self.problem(self.where(rule), f"'{key}' works only in a basis that "
                                                       "extends another (extends: <basis id>)")

    def _resolve(self, basis: LocatedDict, trail: list[str]) -> LocatedDict | None:
        """The basis written out in full; None when its ``extends`` is broken (reported)."""
        key = id(basis)
        if key in self.resolved:
            return self.resolved[key]
        if "extends" not in basis:
            return basis
        name = basis.get("id")
        parent_id = basis["extends"]
        parent = self.written.get(parent_id) if isinstance(parent_id, str) else None
        result: LocatedDict | None = None
        if parent is None:
            hint = suggest(str(parent_id), sorted(self.written))
            self.problem(self.where(basis), f"basis '{name}' extends '{parent_id}', which is "
                                            f"not a basis of category '{self.category}'{hint}")
        elif parent_id == name or parent_id in trail:
            # From this basis round to itself: the bases on the way, then the one it extends.
            members = [*trail[trail.index(parent_id):], str(name)] if parent_id in trail \
                else [str(name)]
            cycle = [members[-1], *members[:-1], members[-1]]
            self.problem(self.where(basis), "extends forms a cycle: " + " -> ".join(cycle))
        else:
            base = self._resolve(parent, [*trail, str(name)])
            if base is not None:
                result = self._merge(base, basis, str(parent_id))
        self.resolved[key] = result
        return result

    def _merge(self, parent: LocatedDict, child: LocatedDict, parent_id: str) -> LocatedDict:
        merged = LocatedDict()
        merged.line = child.line
        merged.spelled = child.spelled
        for key, value in parent.items():
            if key != "id":
                merged[key] = borrow(value)
        for key, value in child.items():
            if key == "extends" or key in RULE_GROUPS:
                continue
            if value is None:
                merged.pop(key, None)  # back to the default (or reported as missing)
            else:
                merged[key] = value
        for group in RULE_GROUPS:
            if group in child:
                merged[group] = self._merge_rules(merged.get(group, []), child[group],
                                                  f"{child.get('id')}.{group}", parent_id)
        return merged

    def _merge_rules(self, inherited: Any, changes: Any, label: str,
                     parent_id: str) -> Any:
        if not isinstance(changes, list) or not isinstance(inherited, list):
            return changes  # the schema says what is wrong with it
        rules: list[Any] = list(inherited)
        for change in changes:
            if not isinstance(change, LocatedDict) or "id" not in change:
                rules.append(change)
                continue
            rule_id = change["id"]
            after = change.pop("after", None)
            drop = change.pop("drop", None)
            at = _position(rules, rule_id)
            if drop is not None:
                self._drop(rules, change, at, drop, label, parent_id)
                continue
            if at is None:
                rule = change
                rules.append(rule)
            else:
                rule = _changed(rules[at], change)
                rules[at] = rule
            if after is not None:
                self._move_after(rules, rule, after, change, label)
        return rules

    def _move_after(self, rules: list[Any], rule: Any, after: Any, change: LocatedDict,
                    label: str) -> None:
        """Move ``rule`` to just after the rule ``after`` names (to the end if none does)."""
        rules.remove(rule)
        anchor = _position(rules, after)
        if anchor is None:
            hint = suggest(str(after), [str(r.get("id")) for r in rules
                                        if isinstance(r, LocatedDict)])
            self.problem(self.where(change), f"'after: {after}': {label} has no "
                                             f"rule '{after}'{hint}")
            rules.append(rule)
        else:
            rules.insert(anchor + 1, rule)

    def _drop(self, rules: list[Any], change: LocatedDict, at: int | None, drop: Any,
              label: str, parent_id: str) -> None:
        rule_id = change["id"]
        if drop is not True:
            self.problem(self.where(change), "'drop' takes true (leave it out to keep the "
                                             "rule)")
        elif at is None:
            self.problem(self.where(change), f"{label} inherits no rule '{rule_id}' from "
                                             f"'{parent_id}' to drop")
        elif len(change) > 1:
            others = ", ".join(sorted(key for key in change if key != "id"))
            self.problem(self.where(change), f"a dropped rule takes only its id and "
                                             f"'drop: true', found {others}")
        else:
            del rules[at]


def _position(rules: list[Any], rule_id: Any) -> int | None:
    """Where the rule with id ``rule_id`` is in ``rules``, if it is there."""
    for index, rule in enumerate(rules):
        if isinstance(rule, LocatedDict) and rule.get("id") == rule_id:
            return index
    return None


def _changed(rule: Any, change: LocatedDict) -> LocatedDict:
    """An inherited rule with the keys ``change`` writes replaced (``null`` removes one)."""
    merged = LocatedDict()
    merged.line = change.line
    merged.spelled = {**(rule.spelled if isinstance(rule, LocatedDict) else {}),
                      **change.spelled}
    if isinstance(rule, LocatedDict):
        merged.update(rule)
    for key, value in change.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    return merged


def _names_used(node: Any) -> Iterator[str]:
    """The names a condition ``use``s, as written (before anything is written out)."""
    if isinstance(node, LocatedDict):
        if isinstance(node.get("use"), str):
            yield node["use"]
        for key in ("all", "any"):
            parts = node.get(key)
            for part in parts if isinstance(parts, list) else ():
                yield from _names_used(part)
        if "not" in node:
            yield from _names_used(node["not"])


def find_cycle(start: str, uses: Mapping[str, set[str]]) -> list[str] | None:
    """The first cycle back to ``start``, as names, or None; names are followed in sorted
    order, so the same pack always names the same cycle."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, trail = stack.pop()
        for name in sorted(uses.get(node, ())):
            if name == start:
                return [*trail, start]
            if name not in seen:
                seen.add(name)
                stack.append((name, [*trail, name]))
    return None
