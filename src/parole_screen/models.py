"""The rule-pack format, version 1: frozen dataclasses that refuse unknown keys.

They are plain classes, so a pack read back from the cache (``pack_cache``) and everything
that scores with it run without pydantic, which keeps ``score`` quick to start. Pydantic
checks a pack file against them when one is loaded (``loader.validate_located``): a
constraint is a :class:`Check` in ``Annotated`` that adds to the field's core schema, and a
class's own checks (``_before``, ``_after``) wrap its schema in
``__get_pydantic_core_schema__``. Neither imports pydantic until a pack is checked.

Conditions stay plain mappings here: their grammar is closed and small, and
:mod:`parole_screen.conditions` checks each one against the question catalogue when it
compiles it, which gives sharper messages ("operator 'gte' does not fit a yes/no
question") than a schema union could.
"""

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, TypeVar


class Check:
    """Constraints for pydantic's core schema of the annotated type (``pattern``,
    ``min_length``, ``max_length``, ``strict``), applied only when a pack is checked."""

    __slots__ = ("constraints",)

    def __init__(self, **constraints: Any) -> None:
        self.constraints = constraints

    def __get_pydantic_core_schema__(self, source: Any, handler: Callable[[Any], Any]) -> Any:
        schema = handler(source)
        schema.update(self.constraints)
        return schema


STRICT = Check(strict=True)
StrictInt = Annotated[int, STRICT]
StrictStr = Annotated[str, STRICT]
StrictBool = Annotated[bool, STRICT]

QuestionId = Annotated[str, Check(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
ItemId = Annotated[str, Check(pattern=r"^[a-z][a-z0-9_.]*$", max_length=80)]
SourceId = Annotated[str, Check(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
Text = Annotated[str, Check(min_length=1, max_length=4000)]
Condition = dict[str, Any]
Cites = Annotated[tuple[SourceId, ...], Check(min_length=1)]
# Reports turn these into links: only web addresses, never javascript: or file: ones.
Url = Annotated[str, Check(pattern=r"^https?://[^\s<>\"]+$", max_length=2000)]

QuestionType = Literal[
    "yes_no", "choice", "multi_choice", "date", "number", "money", "country", "text"
]
Band = Literal["strong", "possible", "weak", "not_indicated", "insufficient_information"]
CategoryId = Literal["humanitarian", "medical", "public_benefit", "re_parole"]
Severity = Literal["stop", "warn", "info"]
Confidence = Literal["confirmed", "secondary", "unverified"]
# official: the statute, a regulation, an agency's own page or notice, a court's decision;
# secondary: a lawyer's, a journalist's or an advocate's report of one; unverified: a
# copy or claim nobody has checked against the original.
Authority = Literal["official", "secondary", "unverified"]
ItemKind = Literal["form", "document", "next_step", "alternative", "after_approval", "if_denied"]
FactKind = Literal["fee", "program_status", "country_list", "processing", "benefit", "other"]

BANDS: tuple[Band, ...] = ("strong", "possible", "weak", "not_indicated",
                           "insufficient_information")
CATEGORY_IDS: tuple[CategoryId, ...] = ("humanitarian", "medical", "public_benefit", "re_parole")
ITEM_KINDS: tuple[ItemKind, ...] = ("form", "document", "next_step", "alternative",
                                    "after_approval", "if_denied")


ModelT = TypeVar("ModelT", bound="Model")


@dataclasses.dataclass(frozen=True, slots=True, eq=False)  # each model compares its own
class Model:
    """The base of every pack model: frozen, slotted, unknown keys refused when checked."""

    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid",
                                                     "str_strip_whitespace": True}

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Callable[[Any], Any]) -> Any:
        """Pydantic's schema of this model, with the model's own checks round it: a static
        ``_before`` (the raw mapping) and ``_after`` (the built instance), where it has them."""
        return _checked(source, handler, before=getattr(cls, "_before", None),
                        after=getattr(cls, "_after", None))

    def replace(self: ModelT, **changes: Any) -> ModelT:
        """A copy with ``changes`` (not checked again: the callers change texts only)."""
        return dataclasses.replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        """The fields as JSON data (tuples as lists, dates as ISO text), None ones left out."""
        return {field.name: _json_value(getattr(self, field.name))
                for field in dataclasses.fields(self)
                if getattr(self, field.name) is not None}


def _json_value(value: Any) -> Any:
    if isinstance(value, Model):
        return value.as_json()
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _checked(source: Any, handler: Callable[[Any], Any], *,
             before: Callable[[Any], Any] | None = None,
             after: Callable[[Any], Any] | None = None) -> Any:
    """A class's core schema with its own checks around it: ``before`` sees the raw
    mapping, ``after`` the built instance; either raises ValueError or a custom error."""
    from pydantic_core import core_schema

    schema = handler(source)
    if before is not None:
        schema = core_schema.no_info_before_validator_function(before, schema)
    if after is not None:
        schema = core_schema.no_info_after_validator_function(after, schema)
    return schema


def _custom_error(kind: str, message: str, context: dict[str, Any]) -> Exception:
    from pydantic_core import PydanticCustomError

    return PydanticCustomError(kind, message, context)


# Keyword-only: fields keep the format's order whether or not they have a default.
pack_model = dataclasses.dataclass(frozen=True, slots=True, kw_only=True)


@pack_model
class Source(Model):
    """A document the pack cites: statute, regulation, agency page or secondary report.

    ``authority`` is required: a report cites an official source by its ``citation``, lists
    secondary ones apart and marks unverified ones, so it must know which is which. An
    official source without a citation is refused (a report would have nothing to cite it
    by); ``citation`` on another source is allowed but never printed as a legal citation.
    """

    id: SourceId
    title: Text
    url: Url | None = None
    dated: str  # the date or period the source speaks for
    authority: Authority  # official, secondary or unverified (see Authority)
    # The official legal citation, e.g. '8 U.S.C. 1182(d)(5)(A)'.
    citation: Annotated[str, Check(min_length=1, max_length=300)] | None = None

    @staticmethod
    def _before(data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        # Said here, by the source's id, rather than as pydantic's bare "Field required".
        if data.get("authority") is None:
            raise _custom_error(
                "authority_missing",
                "source '{id}' has no authority: give authority: official, secondary or "
                "unverified", {"id": str(data.get("id", "?"))})
        # YAML reads an unquoted 2025-10-16 as a date; a source's date is free text.
        if isinstance(data.get("dated"), dt.date):
            data = {**data, "dated": data["dated"].isoformat()}
        return data

    @staticmethod
    def _after(source: "Source") -> "Source":
        if source.authority == "official" and not source.citation:
            raise _custom_error(
                "citation_missing",
                "source '{id}' is official but has no citation: give its legal citation "
                "(e.g. 8 U.S.C. 1182(d)(5)(A))", {"id": source.id})
        return source


@pack_model
class Bands(Model):
    """Score thresholds: at or above ``strong`` is strong, at or above ``possible`` possible."""

    strong: StrictInt = 70
    possible: StrictInt = 45

    @staticmethod
    def _after(bands: "Bands") -> "Bands":
        if not 0 <= bands.possible < bands.strong <= 100:
            raise ValueError("need 0 <= possible < strong <= 100")
        return bands


@pack_model
class PackMeta(Model):
    """``pack.yaml``: who the pack is, what it covers and when it speaks for."""

    id: Annotated[str, Check(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=80)]
    title: Text
    version: Annotated[str, Check(pattern=r"^\d+\.\d+\.\d+$")]
    as_of: dt.date
    jurisdiction: Text
    disclaimer: Text
    always: tuple[Text, ...] = ()  # points every report prints
    bands: Bands = dataclasses.field(default_factory=Bands)


@pack_model
class Choice(Model):
    value: Annotated[StrictStr, Check(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]
    label: Text
    help: str = ""
    # Multi-choice: cannot be combined with others ('none').
    exclusive: StrictBool = False
    # The interview offers this choice only when this holds (it may read only earlier
    # questions); answers files may still give it.
    asked_when: Condition | None = None


@pack_model
class Question(Model):
    """One interview question. ``id`` and choice values are a public API."""

    id: QuestionId
    type: QuestionType
    text: Text
    help: str = ""
    section: str = ""
    choices: tuple[Choice, ...] = ()
    asked_when: Condition | None = None
    required: StrictBool = True
    min: float | None = None
    max: float | None = None

    @staticmethod
    def _after(question: "Question") -> "Question":
        has_choices = question.type in ("choice", "multi_choice")
        if has_choices and not question.choices:
            raise ValueError(f"a {question.type} question needs choices")
        if not has_choices and question.choices:
            raise ValueError(f"a {question.type} question cannot have choices")
        values = [choice.value for choice in question.choices]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"duplicate choice values: {', '.join(duplicates)}")
        return question


@pack_model
class Factor(Model):
    """A rule inside a basis: a requirement, a strengthening or weakening factor, or a block."""

    id: QuestionId
    text: Text  # shown as a reason (or concern) when the rule holds
    when: Condition
    cite: Cites
    weight: StrictInt = 0
    unless: Condition | None = None  # an exception to this rule
    fail_text: str = ""  # requirements: the concern when unmet
    cap: Band | None = None  # blocks: the best band still allowed
    # How sure the pack is of the texts (unverified ones are listed by
    # `rules facts --unverified`).
    confidence: Confidence | None = None


@pack_model
class Evidence(Model):
    """A document a basis asks for; ``cite`` names the sources that say it is needed."""

    id: QuestionId
    text: Text
    cite: Cites
    have_when: Condition | None = None
    needed_when: Condition | None = None

    @staticmethod
    def _before(data: Any) -> Any:
        # Said by the evidence's id, rather than as pydantic's bare "Field required".
        if isinstance(data, dict) and not data.get("cite"):
            raise _custom_error(
                "cite_missing", "evidence '{id}' cites no source: give cite: [source ids]",
                {"id": str(data.get("id", "?"))})
        return data


@pack_model
class Basis(Model):
    """One legal basis within a category, e.g. medical/organ_donor.

    In a pack file a basis may ``extends`` another of its category; the loader writes it
    out in full before validating it (:mod:`parole_screen.pack_expand`).
    """

    id: QuestionId
    label: Text
    applies_when: Condition
    cite: Cites
    base_score: StrictInt = 40
    requires: tuple[Factor, ...] = ()
    strengthens: tuple[Factor, ...] = ()
    weakens: tuple[Factor, ...] = ()
    blocks: tuple[Factor, ...] = ()
    evidence: tuple[Evidence, ...] = ()


@pack_model
class Category(Model):
    id: CategoryId
    label: Text
    priority: StrictInt  # breaks ties for the top category; lower wins
    bases: Annotated[tuple[Basis, ...], Check(min_length=1)]


@pack_model
class Flag(Model):
    """A routing or warning flag: where to file, what to beware of, when to get help."""

    id: ItemId
    severity: Severity
    text: Text
    when: Condition
    cite: Cites
    unless: Condition | None = None
    confidence: Confidence | None = None


@pack_model
class Item(Model):
    """A form, document, next step, alternative or after-approval / denial point."""

    id: ItemId
    kind: ItemKind
    text: Text
    cite: Cites
    when: Condition | None = None
    url: Url | None = None
    confidence: Confidence | None = None


@pack_model
class FactValue(Model):
    effective_from: dt.date
    value: StrictInt | StrictStr | tuple[StrictStr, ...] | None
    source: SourceId
    confidence: Confidence
    note: str = ""


@pack_model
class Fact(Model):
    """A fact that dates: a fee, a program's status, a country list, a processing figure."""

    id: ItemId
    kind: FactKind
    label: Text
    unit: Literal["usd", "text", "countries", "days"] = "text"
    values: Annotated[tuple[FactValue, ...], Check(min_length=1)]

    @staticmethod
    def _after(fact: "Fact") -> "Fact":
        dates = [value.effective_from for value in fact.values]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("values must be listed oldest first, one per effective_from date")
        return fact


@pack_model
class Fee(Model):
    """A fee that applies when ``when`` holds; its amount comes from a dated fact."""

    id: ItemId
    label: Text
    fact: ItemId
    cite: Cites
    when: Condition | None = None
    waivable: StrictBool = False
    exception_when: Condition | None = None
    exception_text: str = ""
    note: str = ""
    # How sure the pack is of the label and note (the amount's confidence is its fact's).
    confidence: Confidence | None = None


@pack_model
class Deadline(Model):
    """A date computed from a dated answer plus an offset."""

    id: ItemId
    label: Text
    from_question: QuestionId
    cite: Cites
    offset_days: StrictInt = 0
    offset_years: StrictInt = 0
    when: Condition | None = None
    confidence: Confidence = "confirmed"
    warn_within_days: StrictInt | None = None
    # A milestone is a date to know, not to act by: reports show no countdown.
    kind: Literal["deadline", "milestone"] = "deadline"


@pack_model
class Definition(Model):
    """A named condition: ``{use: id}`` stands for ``when`` anywhere a condition may stand.

    The loader writes every ``use`` out before anything else reads the pack
    (:mod:`parole_screen.pack_expand`); the names are pack-wide.
    """

    id: QuestionId
    when: Condition


@pack_model
class PackFile(Model):
    """The keys any pack file other than ``pack.yaml`` may hold; lists merge across files."""

    definitions: tuple[Definition, ...] = ()
    sources: tuple[Source, ...] = ()
    questions: tuple[Question, ...] = ()
    categories: tuple[Category, ...] = ()
    flags: tuple[Flag, ...] = ()
    items: tuple[Item, ...] = ()
    facts: tuple[Fact, ...] = ()
    fees: tuple[Fee, ...] = ()
    deadlines: tuple[Deadline, ...] = ()
    countries: dict[Annotated[str, Check(pattern=r"^[A-Z]{2}$")], str] = dataclasses.field(
        default_factory=dict)
