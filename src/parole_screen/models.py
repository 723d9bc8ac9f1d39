"""The rule-pack format, version 1, as frozen pydantic models with unknown keys forbidden.

Conditions stay plain mappings here: their grammar is closed and small, and
:mod:`parole_screen.conditions` checks each one against the question catalogue when it
compiles it, which gives sharper messages ("operator 'gte' does not fit a yes/no
question") than a schema union could.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

QuestionId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)]
ItemId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.]*$", max_length=80)]
SourceId = Annotated[str, Field(pattern=r"^[A-Za-z][A-Za-z0-9_.-]*$", max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=4000)]
Condition = dict[str, Any]
Cites = Annotated[tuple[SourceId, ...], Field(min_length=1)]
# Reports turn these into links: only web addresses, never javascript: or file: ones.
Url = Annotated[str, Field(pattern=r"^https?://[^\s<>\"]+$", max_length=2000)]

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


class Model(BaseModel):
    # Validators are built on first use, not at import: a pack read back from the cache
    # (``pack_cache``) is rebuilt without validation and never needs them, and building
    # them for every model costs ``score`` about a quarter of its start-up. The cost: a
    # model nobody has dumped yet cannot be serialised from inside another structure
    # (``pydantic_core.to_jsonable_python``, a field typed Any); call ``model_dump()`` on it
    # (which builds it) instead. Pydantic issue 13647.
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True,
                              defer_build=True)


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
    dated: str = Field(description="The date or period the source speaks for.")
    authority: Authority = Field(description="official, secondary or unverified (see Authority).")
    citation: Annotated[str, Field(min_length=1, max_length=300)] | None = Field(
        default=None, description="The official legal citation, e.g. '8 U.S.C. 1182(d)(5)(A)'.")

    @model_validator(mode="before")
    @classmethod
    def _names_missing_authority(cls, data: Any) -> Any:
        # Said here, by the source's id, rather than as pydantic's bare "Field required".
        if isinstance(data, dict) and data.get("authority") is None:
            raise PydanticCustomError(
                "authority_missing",
                "source '{id}' has no authority: give authority: official, secondary or "
                "unverified", {"id": str(data.get("id", "?"))})
        return data

    @model_validator(mode="after")
    def _official_has_citation(self) -> "Source":
        if self.authority == "official" and not self.citation:
            raise PydanticCustomError(
                "citation_missing",
                "source '{id}' is official but has no citation: give its legal citation "
                "(e.g. 8 U.S.C. 1182(d)(5)(A))", {"id": self.id})
        return self

    @field_validator("dated", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        # YAML reads an unquoted 2025-10-16 as a date; a source's date is free text.
        return value.isoformat() if isinstance(value, dt.date) else value


class Bands(Model):
    """Score thresholds: at or above ``strong`` is strong, at or above ``possible`` possible."""

    strong: StrictInt = 70
    possible: StrictInt = 45

    @model_validator(mode="after")
    def _ordered(self) -> "Bands":
        if not 0 <= self.possible < self.strong <= 100:
            raise ValueError("need 0 <= possible < strong <= 100")
        return self


class PackMeta(Model):
    """``pack.yaml``: who the pack is, what it covers and when it speaks for."""

    id: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=80)]
    title: Text
    version: Annotated[str, Field(pattern=r"^\d+\.\d+\.\d+$")]
    as_of: dt.date
    jurisdiction: Text
    disclaimer: Text
    always: tuple[Text, ...] = Field(default=(), description="Points every report prints.")
    # A factory, not Bands(): an instance here would build Bands' validator at import.
    bands: Bands = Field(default_factory=Bands)


class Choice(Model):
    value: Annotated[StrictStr, Field(pattern=r"^[a-z0-9][a-z0-9_]*$", max_length=64)]
    label: Text
    help: str = ""
    exclusive: StrictBool = Field(
        default=False, description="Multi-choice: cannot be combined with others ('none').")
    asked_when: Condition | None = Field(
        default=None, description="The interview offers this choice only when this holds "
        "(it may read only earlier questions); answers files may still give it.")


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

    @model_validator(mode="after")
    def _choices_fit_type(self) -> "Question":
        has_choices = self.type in ("choice", "multi_choice")
        if has_choices and not self.choices:
            raise ValueError(f"a {self.type} question needs choices")
        if not has_choices and self.choices:
            raise ValueError(f"a {self.type} question cannot have choices")
        values = [choice.value for choice in self.choices]
        duplicates = sorted({v for v in values if values.count(v) > 1})
        if duplicates:
            raise ValueError(f"duplicate choice values: {', '.join(duplicates)}")
        return self


class Factor(Model):
    """A rule inside a basis: a requirement, a strengthening or weakening factor, or a block."""

    id: QuestionId
    text: Text = Field(description="Shown as a reason (or concern) when the rule holds.")
    when: Condition
    cite: Cites
    weight: StrictInt = 0
    unless: Condition | None = Field(default=None, description="An exception to this rule.")
    fail_text: str = Field(default="", description="Requirements: the concern when unmet.")
    cap: Band | None = Field(default=None, description="Blocks: the best band still allowed.")
    confidence: Confidence | None = Field(
        default=None, description="How sure the pack is of the texts (unverified ones are "
                                  "listed by `rules facts --unverified`).")


class Evidence(Model):
    """A document a basis asks for; ``cite`` names the sources that say it is needed."""

    id: QuestionId
    text: Text
    cite: Cites
    have_when: Condition | None = None
    needed_when: Condition | None = None

    @model_validator(mode="before")
    @classmethod
    def _names_missing_cite(cls, data: Any) -> Any:
        # Said by the evidence's id, rather than as pydantic's bare "Field required".
        if isinstance(data, dict) and not data.get("cite"):
            raise PydanticCustomError(
                "cite_missing", "evidence '{id}' cites no source: give cite: [source ids]",
                {"id": str(data.get("id", "?"))})
        return data


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


class Category(Model):
    id: CategoryId
    label: Text
    priority: StrictInt = Field(description="Breaks ties for the top category; lower wins.")
    bases: tuple[Basis, ...] = Field(min_length=1)


class Flag(Model):
    """A routing or warning flag: where to file, what to beware of, when to get help."""

    id: ItemId
    severity: Severity
    text: Text
    when: Condition
    cite: Cites
    unless: Condition | None = None
    confidence: Confidence | None = None


class Item(Model):
    """A form, document, next step, alternative or after-approval / denial point."""

    id: ItemId
    kind: ItemKind
    text: Text
    cite: Cites
    when: Condition | None = None
    url: Url | None = None
    confidence: Confidence | None = None


class FactValue(Model):
    effective_from: dt.date
    value: StrictInt | StrictStr | tuple[StrictStr, ...] | None
    source: SourceId
    confidence: Confidence
    note: str = ""


class Fact(Model):
    """A fact that dates: a fee, a program's status, a country list, a processing figure."""

    id: ItemId
    kind: FactKind
    label: Text
    unit: Literal["usd", "text", "countries", "days"] = "text"
    values: tuple[FactValue, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _dated_in_order(self) -> "Fact":
        dates = [value.effective_from for value in self.values]
        if dates != sorted(dates) or len(set(dates)) != len(dates):
            raise ValueError("values must be listed oldest first, one per effective_from date")
        return self


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
    confidence: Confidence | None = Field(
        default=None, description="How sure the pack is of the label and note (the amount's "
                                  "confidence is its fact's).")


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
    kind: Literal["deadline", "milestone"] = Field(
        default="deadline",
        description="A milestone is a date to know, not to act by: reports show no countdown.")


class Definition(Model):
    """A named condition: ``{use: id}`` stands for ``when`` anywhere a condition may stand.

    The loader writes every ``use`` out before anything else reads the pack
    (:mod:`parole_screen.pack_expand`); the names are pack-wide.
    """

    id: QuestionId
    when: Condition


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
    countries: dict[Annotated[str, Field(pattern=r"^[A-Z]{2}$")], str] = {}
