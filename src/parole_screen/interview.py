"""The interview policy: which question comes next, progress, back and review edits.

No I/O happens here. A front end shows :meth:`Interview.current` (or the review list),
reads a line, and passes it to :meth:`Interview.handle`, which returns a :class:`Step`
saying what happened. The CLI in :mod:`parole_screen.cli.interview` is one such front end;
tests drive the same machine with plain strings.

Parsing typed lines lives in :mod:`parole_screen.answer_text` (re-exported here). Answers
are keyed by question id, never by position, so changing an early answer keeps every later
answer that still applies and drops only those whose ``asked_when`` became false. Which
questions are asked is :func:`~parole_screen.engine.asked_questions`: the same code the
engine applies when scoring.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from .answer_text import (
    InvalidAnswer,
    answer_hint,
    choice_number,
    date_words,
    display_value,
    is_small_number,
    parse_answer,
    parse_country,
    parse_date_text,
    yes_no_word,
)
from .answers import coerce_answers, to_json_value
from .columns import EvalContext
from .engine import asked_questions
from .i18n import LANGUAGES, localized_question
from .messages import UI
from .models import Question
from .pack import RulePack
from .settled import settled_stops
from .texts import ENGLISH, Texts

#: The commands, as the interview says them in English (its message ``ui.commands``).
COMMANDS_HELP = UI["ui.commands"]
#: What a person may type for "I don't know": the question is left unanswered, and the
#: report lists it among the answers still missing (what to find out).
DONT_KNOW_WORDS = frozenset({"don't know", "dont know", "do not know", "i don't know",
                             "i dont know", "i do not know", "idk", "dk", "don\u2019t know",
                             "i don\u2019t know"})
#: The languages the interview speaks.
TRANSLATED = LANGUAGES
#: What a person may type in their language for a command or "I don't know", as the
#: interview's own messages (rules/locales) tell them to: the English words work too.
LOCAL_WORDS = {
    "es": {"ayuda": "?", "atrás": "back", "atras": "back", "revisar": "review",
           "guardar": "save", "salir": "quit", "informe": "report", "no sé": "don't know",
           "no se": "don't know", "no lo sé": "don't know", "no lo se": "don't know"},
    "ru": {"справка": "?", "помощь": "?", "назад": "back", "обзор": "review",
           "сохранить": "save", "выход": "quit", "выйти": "quit", "отчёт": "report",
           "отчет": "report", "не знаю": "don't know"},
}
__all__ = ["COMMANDS_HELP", "DONT_KNOW_WORDS", "TRANSLATED", "Interview", "InvalidAnswer",
           "Progress", "ReviewItem", "Step", "answer_hint", "choice_number", "display_value",
           "is_dont_know", "parse_answer", "parse_country"]
_HELP_WORDS = frozenset({"?", "help"})
_REPORT_WORDS = frozenset({"report", "r", "1", "see the report", "report now"})
_GO_ON_WORDS = frozenset({"", "2", "continue", "c", "go on", "questions"})
_ACCEPT_WORDS = frozenset({"", "done", "ok", "finish"})
StepKind = Literal["answered", "skipped", "unknown", "invalid", "help", "back", "at_start",
                   "review", "edit", "resume", "finished", "save", "quit", "eof", "confirm"]
OFFER_HELP = (
    "Your answers so far already decide the main result: the questions left cannot change "
    "it, but they fill in the rest of the report (fees, documents, other routes). Type 1 to "
    "see the report now, or 2 (or press Enter) to answer the remaining questions. You can "
    "also type back to change the last answer, review, or quit.")


@dataclass(frozen=True)
class Progress:
    """Where the user is: question ``number`` of about ``total`` (the total is an estimate)."""

    number: int
    total: int

    def __str__(self) -> str:
        return f"question {self.number} of about {self.total}"

    def text(self, texts: Texts = ENGLISH) -> str:
        """``question N of about M`` in the language of ``texts``."""
        return texts("ui.progress", number=self.number, total=self.total)


@dataclass(frozen=True)
class ReviewItem:
    number: int
    question: Question
    value: Any  # the typed answer, or None if the question was skipped or not known
    shown: str


@dataclass(frozen=True)
class Step:
    """What :meth:`Interview.handle` did with a line; ``message`` is for the user."""

    kind: StepKind
    message: str = ""
    question: Question | None = None
    #: Stop flags this step made certain, whatever the remaining answers (see
    #: :func:`~parole_screen.settled.settled_stops`): the outcome is settled.
    settled: tuple[str, ...] = ()


class Interview:
    """The state of one interview: answers, skipped optional questions and the position.

    ``answers`` holds typed values (as :func:`~parole_screen.answers.coerce_answers`
    returns them). Construct with :meth:`from_json` to validate raw JSON values first.
    """

    def __init__(self, pack: RulePack, as_of: dt.date, answers: Mapping[str, Any] | None = None,
                 *, skipped: Iterable[str] = (), current: str | None = None,
                 revisit: Iterable[str] = (), reviewing: bool = False,
                 unknown: Iterable[str] = (), announced: Iterable[str] = (),
                 offer_report: bool = True, texts: Texts = ENGLISH) -> None:
        self.pack = pack
        #: The language the person reads and types (English where a text is untranslated).
        self.texts = texts
        self.as_of = as_of
        self.ctx: EvalContext = pack.context(as_of)
        self._index = {entry.question.id: entry.question for entry in pack.questions}
        self._choices_when = {entry.question.id: entry.choices_when
                              for entry in pack.questions if entry.choices_when}
        self._answers: dict[str, Any] = {}
        self._prune(dict(answers or {}))
        self._skipped = {qid for qid in skipped
                         if qid in self._index and not self._index[qid].required}
        self._revisit = {qid for qid in revisit if qid in self._index}
        # Answered "I don't know": left unanswered (the report lists them as missing), and
        # not asked again unless the person goes back to them.
        self._unknown = {qid for qid in unknown
                         if qid in self._index and qid not in self._answers}
        self._current = current if current in self._index else None
        self.reviewing = reviewing
        self.finished = False
        # Stop flags already said to settle the outcome (each is announced once), and those
        # whose offer (report now, or the remaining questions) is showing. A front end that
        # cannot ask (piped input) sets offer_report False and only tells.
        self._announced = set(announced)
        self.offer_report = offer_report
        self.offering: tuple[str, ...] = ()
        self._fresh: tuple[str, ...] = ()
        # A date that could be read two ways, asked back before it is taken: (question, date).
        self._asking: tuple[str, dt.date] | None = None

    @classmethod
    def from_json(cls, pack: RulePack, raw: Mapping[str, Any], as_of: dt.date,
                  **position: Any) -> Interview:
        """Start from JSON answers (an answers file or a session); raises AnswerError."""
        return cls(pack, as_of, coerce_answers(pack, raw), **position)

    # -- queries -------------------------------------------------------------------------

    @property
    def answers(self) -> dict[str, Any]:
        """The typed answers that still apply, in interview order."""
        return dict(self._answers)

    @property
    def skipped(self) -> list[str]:
        return [qid for qid in self._index if qid in self._skipped]

    @property
    def unknown(self) -> list[str]:
        """The questions answered "I don't know", in interview order."""
        return [qid for qid in self._index if qid in self._unknown]

    def json_answers(self) -> dict[str, Any]:
        """The answers as JSON values, in interview order: what ``score`` reads."""
        return {qid: to_json_value(value) for qid, value in self._answers.items()}

    def position(self) -> dict[str, Any]:
        """What a session file needs besides the answers to put the user back where they were."""
        current = self.current()
        return {"question": current.id if current else self._current,
                "review": self.reviewing,
                "revisit": [qid for qid in self._index if qid in self._revisit],
                "unknown": self.unknown,
                "announced": sorted(self._announced)}

    def path(self) -> list[Question]:
        """The questions asked given the answers so far, in order.

        Questions whose ``asked_when`` cannot be decided yet (it reads an unanswered
        question) are left out; they join the path when the branch opens.
        """
        asked = asked_questions(self.pack, self._answers, self.ctx).asked
        return [self._index[qid] for qid in asked]

    def missing(self) -> list[str]:
        """Required questions that apply and have no answer yet, in order (those answered
        "I don't know" among them: the report lists them as missing)."""
        return asked_questions(self.pack, self._answers, self.ctx).missing

    def still_needed(self) -> list[str]:
        """Required questions that apply and were neither answered nor answered "I don't
        know": what must still be asked before the report."""
        return [qid for qid in self.missing() if qid not in self._unknown]

    def _open(self, question: Question) -> bool:
        return (question.id not in self._answers and question.id not in self._skipped
                and question.id not in self._unknown)

    def pending(self) -> Question | None:
        """The question to ask next, ignoring whether the review list is showing."""
        path = self.path()
        if self._current is not None:
            for question in path:
                if question.id == self._current:
                    return question
        return next((question for question in path if self._open(question)), None)

    def current(self) -> Question | None:
        """The question being asked, or None at the review step, at an offer of the report,
        or when finished."""
        if self.reviewing or self.finished or self.offering:
            return None
        pending = self.pending()
        return None if pending is None else self.offered(pending)

    def offered(self, question: Question) -> Question:
        """``question`` with only the choices that fit the answers so far (a choice's own
        ``asked_when``; an unknown one is left out, like a question's): the documents
        question offers a leukemia patient no death certificate."""
        return self.shown(self._offered(question))

    def shown(self, question: Question) -> Question:
        """``question`` with its texts in the interview's language (ids and values kept)."""
        return localized_question(question, self.texts)

    def _offered(self, question: Question) -> Question:
        whens = self._choices_when.get(question.id)
        if not whens:
            return question
        kept = tuple(choice for choice, when in zip(question.choices, whens, strict=True)
                     if when is None or when(self._answers, self.ctx) is True)
        if len(kept) == len(question.choices):
            return question
        return question.replace(choices=kept)

    @property
    def stage(self) -> Literal["question", "review", "offer", "finished"]:
        if self.finished:
            return "finished"
        if self.offering:
            return "offer"
        return "question" if self.current() is not None else "review"

    def settled(self) -> list[str]:
        """The stop flags the answers so far make certain, whatever the rest: the outcome
        is settled and the report may be seen at once."""
        return [entry.flag.id for entry in settled_stops(self.pack, self._answers, self.ctx)]

    def check_settled(self) -> tuple[str, ...]:
        """Stop flags newly settled (not announced before): record them as announced and,
        if the front end can ask, offer the report. A front end calls this once at the
        start (a prefilled or resumed interview may be settled already)."""
        fresh = tuple(qid for qid in self.settled() if qid not in self._announced)
        self._announced.update(fresh)
        if fresh and self.offer_report and not self.finished:
            self.offering = fresh
        return fresh

    def remaining(self) -> int:
        """About how many questions are left to ask (the branches open so far)."""
        return sum(1 for question in self.path() if self._open(question))

    @property
    def final_review(self) -> bool:
        """True when the review step is the last one (nothing left to ask)."""
        return self.pending() is None

    def progress(self) -> Progress:
        """``question N of about M``: M counts the questions the answers so far open."""
        path = self.path()
        current = self.current()
        ids = [question.id for question in path]
        if current is not None and current.id in ids:
            number = ids.index(current.id) + 1
        else:
            number = sum(1 for question in path if not self._open(question))
        return Progress(number, max(len(path), number))

    def value_of(self, qid: str) -> Any:
        return self._answers.get(qid)

    def default_text(self, question: Question) -> str | None:
        """How the current answer is shown as the default (Enter keeps it), or None."""
        value = self._answers.get(question.id)
        return None if value is None else display_value(self.pack, self.shown(question), value,
                                                        self.texts)

    def review_items(self) -> list[ReviewItem]:
        """Every answered (or skipped) question that applies, numbered from 1."""
        items: list[ReviewItem] = []
        on_path = {question.id for question in self.path()}
        for entry in self.pack.questions:
            question = entry.question
            value = self._answers.get(question.id)
            unknown = question.id in self._unknown
            if value is None and not ((question.id in self._skipped or unknown)
                                      and question.id in on_path):
                continue
            question = self.shown(question)
            shown = (self.texts("ui.review.dont_know") if value is None and unknown
                     else self.texts("ui.review.skipped") if value is None
                     else display_value(self.pack, question, value, self.texts))
            items.append(ReviewItem(len(items) + 1, question, value, shown))
        return items

    def help_text(self, question: Question | None) -> str:
        """The help for a question (or for the review step), then the command list."""
        tr = self.texts
        if question is None:
            return tr("ui.help.review") + " " + tr("ui.commands")
        lines = [question.help or tr("ui.help.none")]
        lines += [f"{choice.label}: {choice.help}" for choice in question.choices if choice.help]
        lines.append(answer_hint(question, required=question.required, texts=tr))
        lines.append(tr("ui.help.dont_know"))
        lines.append(tr("ui.commands"))
        if tr.lang == "en":
            lines.append(tr("ui.languages"))
        return "\n".join(lines)

    # -- transitions ---------------------------------------------------------------------

    def answer(self, qid: str, value: Any) -> None:
        """Record a typed answer, drop later answers that no longer apply, and move on."""
        question = self._index[qid]
        typed = coerce_answers(self.pack, {qid: to_json_value(value)}).get(qid)
        if typed is None:
            # A library caller's mistake, not a person's: said as it is.
            raise InvalidAnswer("An answer cannot be empty; use skip() for optional "
                                "questions.")
        answers = dict(self._answers)
        answers[qid] = typed
        self._skipped.discard(qid)
        self._unknown.discard(qid)
        self._after(question, answers)

    def skip(self, qid: str) -> None:
        """Leave an optional question unanswered and move on."""
        question = self._index[qid]
        if question.required:
            raise InvalidAnswer("ui.invalid.needs_answer")
        answers = dict(self._answers)
        answers.pop(qid, None)
        self._skipped.add(qid)
        self._unknown.discard(qid)
        self._after(question, answers)

    def dont_know(self, qid: str) -> None:
        """Leave any question (required or not) unanswered because the person does not
        know, and move on; the report lists a required one among the missing answers."""
        question = self._index[qid]
        answers = dict(self._answers)
        answers.pop(qid, None)
        self._skipped.discard(qid)
        self._unknown.add(qid)
        self._after(question, answers)

    def back(self) -> bool:
        """Go to the previous question (from the review step: the last one)."""
        path = self.path()
        current = None if self.finished else self.pending()
        if current is None:
            if not path:
                return False
            target = path[-1]
        else:
            ids = [question.id for question in path]
            index = ids.index(current.id) if current.id in ids else len(ids)
            if index == 0:
                return False
            target = path[index - 1]
            self._revisit.add(current.id)
        self._current = target.id
        self.reviewing = False
        self.offering = ()
        return True

    def start_review(self) -> None:
        self.offering = ()
        pending = self.pending()
        self._current = pending.id if pending else None
        self.reviewing = True

    def edit(self, number: int) -> Question:
        """Change the answer numbered ``number`` in the review list."""
        items = self.review_items()
        if not 1 <= number <= len(items):
            if not items:
                raise InvalidAnswer("ui.invalid.no_answers_yet")
            raise InvalidAnswer("ui.invalid.no_answer_number", number=number, count=len(items))
        question = items[number - 1].question
        self._revisit.clear()
        self._current = question.id
        self.reviewing = False
        return question

    def accept_review(self) -> bool:
        """Leave the review list: finish if nothing is left to ask, else resume asking."""
        self.reviewing = False
        if self.pending() is None and not self.still_needed():
            self.finished = True
        return self.finished

    def handle(self, line: str | None) -> Step:
        """Apply one typed line (None for end of input) and say what happened."""
        if line is None:
            return self._end_of_input()
        text = line.strip()
        word = " ".join(text.lower().split())
        local = LOCAL_WORDS.get(self.texts.lang, {}).get(word.replace("\u2019", "'"))
        if local is not None:
            text = word = local
        if self.offering:
            return self._offer_line(word)
        asking, self._asking = self._asking, None
        current = self.current()
        if asking is not None and current is not None and current.id == asking[0]:
            reply = yes_no_word(word, self.texts.lang)
            if reply is True:
                return self._take_date(current, asking[1])
            if reply is False:
                return Step("invalid", self.texts("ui.date.again"), current)
        step = self._command(word)
        if step is not None:
            return step
        if current is None:
            return self._review_line(text, word)
        return self._answer_line(current, text)

    # -- internals -----------------------------------------------------------------------

    def _command(self, word: str) -> Step | None:
        """A command word typed at a question or the review step, else None."""
        current = self.current()
        if word in _HELP_WORDS:
            return Step("help", self.help_text(current), current)
        if word == "back":
            if self.back():
                return Step("back", question=self.current())
            return Step("at_start", self.texts("ui.at_start"), current)
        if word == "review":
            self.start_review()
            return Step("review")
        if word == "save":
            return Step("save", question=current)
        if word == "quit":
            return Step("quit", question=current)
        if word == "report":
            return self._report_now(current)
        return None

    def _offer_line(self, word: str) -> Step:
        """A line typed at the offer: the report now, or the remaining questions."""
        if word in _HELP_WORDS:
            return Step("help", OFFER_HELP if self.texts.lang == "en" else
                        self.texts("ui.offer.body") + " " + self.texts("ui.offer.invalid"))
        if word in ("back", "review", "save", "quit"):
            offering, self.offering = self.offering, ()
            step = self.handle(word)
            if step.kind in ("save", "at_start"):
                self.offering = offering
            return step
        if word in _REPORT_WORDS:
            self.offering = ()
            self.finished = True
            return Step("finished")
        if word in _GO_ON_WORDS:
            self.offering = ()
            if self.pending() is None:
                self.start_review()
                return Step("review")
            return Step("resume", question=self.current())
        return Step("invalid", self.texts("ui.offer.invalid"))

    def _report_now(self, current: Question | None) -> Step:
        """``report`` at a question: the report at once, once the outcome is settled."""
        if self.settled():
            self.finished = True
            return Step("finished")
        return Step("invalid", self.texts("ui.report_after"), current)

    def _end_of_input(self) -> Step:
        """End of input finishes a screening that has every answer it needs."""
        if self.pending() is None and not self.still_needed() and not self.finished:
            self.accept_review()
        if self.finished:
            return Step("finished")
        return Step("eof", question=self.current())

    def _review_line(self, text: str, word: str) -> Step:
        if word in _ACCEPT_WORDS:
            if self.accept_review():
                return Step("finished")
            return Step("resume", question=self.current())
        if is_small_number(text):
            try:
                question = self.edit(int(text))
            except InvalidAnswer as error:
                return Step("invalid", error.said(self.texts))
            return Step("edit", question=question)
        return Step("invalid", self.texts("ui.review.invalid"))

    def _answer_line(self, question: Question, text: str) -> Step:
        if is_dont_know(text):
            self.dont_know(question.id)
            return Step("unknown", question=question)
        if not text:
            if question.id in self._answers:
                self.answer(question.id, self._answers[question.id])
                return Step("answered", question=question)
            if not question.required:
                self.skip(question.id)
                return Step("skipped", question=question)
            return Step("invalid", self.texts("ui.invalid.required"), question)
        try:
            if question.type == "date":
                reading = parse_date_text(text, self.texts.lang)
                if reading.ask_back:
                    self._asking = (question.id, reading.date)
                    return Step("confirm", self.texts(
                        "ui.date.confirm", date=date_words(reading.date, self.texts.lang)),
                        question)
                return self._take_date(question, reading.date)
            # As shown: a choice's label is matched, and named, in the person's language.
            value = parse_answer(self.pack, self.shown(question), text, self.texts.lang)
        except InvalidAnswer as error:
            return Step("invalid", error.said(self.texts), question)
        self.answer(question.id, value)
        return Step("answered", question=question, settled=self._fresh)

    def _take_date(self, question: Question, day: dt.date) -> Step:
        """Take a date, saying in words which day was read (no order to misread)."""
        try:
            value = parse_answer(self.pack, question, day.isoformat())
        except InvalidAnswer as error:
            return Step("invalid", error.said(self.texts), question)
        self.answer(question.id, value)
        return Step("answered", self.texts("ui.date.read_as",
                                           date=date_words(day, self.texts.lang)),
                    question, self._fresh)

    def _prune(self, answers: dict[str, Any]) -> None:
        self._answers = asked_questions(self.pack, answers, self.ctx).kept

    def _after(self, question: Question, answers: dict[str, Any]) -> None:
        self._prune(answers)
        self._fresh = self.check_settled()
        self._revisit.discard(question.id)
        path = self.path()
        ids = [q.id for q in path]
        self._current = None
        if question.id in ids:
            for later in path[ids.index(question.id) + 1:]:
                if self._open(later) or later.id in self._revisit:
                    self._current = later.id
                    break
        self._revisit &= set(ids)


def is_dont_know(text: str) -> bool:
    """True for a line that says "I don't know" (see :data:`DONT_KNOW_WORDS`)."""
    return " ".join(text.lower().replace("\u2019", "'").split()) in DONT_KNOW_WORDS


# -- parsing and showing answers ---------------------------------------------------------
