"""The tool's own texts in English, by message id: the interview's prompts and messages and
the report's headings and sentences. The pack's texts (questions, rules, flags...) live in
the pack; translations of both live in the pack's ``locales/<lang>/`` (see
:mod:`parole_screen.i18n`).

``{name}`` marks a value filled in when shown; a translation keeps exactly the same
placeholders. An id ending ``.one`` / ``.other`` is a plural (see
:meth:`parole_screen.texts.Texts.plural`): a translation may add the forms its language
has (``few``, ``many``...).
"""

from __future__ import annotations

#: The interview's own strings and the report's fixed texts, in English. ``{name}`` marks
#: a value filled in when shown; a translation keeps exactly the same placeholders.
UI: dict[str, str] = {
    # -- the interview
    "ui.banner.title": "Parole screening ({pack} {version}). A screening, not legal advice.",
    "ui.banner.what": "Immigration parole lets someone be in the U.S. for a time, for an "
                      "urgent reason.",
    "ui.banner.person": '"The person" and "they" mean whoever needs parole: you or someone '
                        "you help.",
    "ui.banner.continuing.one": "Continuing your saved interview: {count} answer so far.",
    "ui.banner.continuing.other": "Continuing your saved interview: {count} answers so far.",
    "ui.banner.commands": 'Type ? for help, "don\'t know" if unsure, back, review or quit. '
                          "Answers are saved as you go.",
    # In an English interview's help (?), in the languages it names: an applicant who reads
    # English slowly typed ? often and never learnt the interview speaks Spanish (session 12).
    "ui.languages": "En español: parole-screen interview --lang es. "
                    "По-русски: parole-screen interview --lang ru.",
    "ui.commands": "At any question you can type: ? for help, back for the previous "
                   "question, review to see and change your answers, \"don't know\" if you "
                   "do not know, save to save now, quit to save and stop.",
    "ui.progress": "question {number} of about {total}",
    "ui.keep": "Press Enter to keep: {shown}",
    "ui.help.none": "There is no extra help for this question.",
    "ui.help.dont_know": "If you do not know, type \"don't know\": the question is left "
                         "unanswered, and the report lists it as something to find out.",
    "ui.help.review": "Type the number of an answer to change it. Press Enter when "
                      "everything is right.",
    "ui.hint.yes_no": "Type y for yes or n for no",
    "ui.hint.choice": "Type a number from 1 to {count}",
    "ui.hint.multi": "Type the numbers of all that apply, separated by commas (for example "
                     "1,3)",
    "ui.hint.date": "Type a date, for example 2027-03-31, 03/31/2027 or 31 March 2027",
    "ui.hint.country": "Type a country name or its two-letter code (for example UA)",
    "ui.hint.money": "Type an amount in U.S. dollars (for example 2500)",
    "ui.hint.number": "Type a number",
    "ui.hint.number_range": "Type a number from {low} to {high}",
    "ui.hint.number_min": "Type a number of at least {low}",
    "ui.hint.number_max": "Type a number of at most {high}",
    "ui.hint.text": "Type your answer",
    "ui.hint.or_dont_know": ', or "don\'t know".',
    "ui.hint.end": ".",
    "ui.hint.skip": " Press Enter to skip.",
    "ui.yes": "Yes",
    "ui.no": "No",
    "ui.invalid.yes_no": "Please type y for yes or n for no.",
    "ui.invalid.empty": "Please type an answer.",
    "ui.invalid.exclusive": "\u201c{choice}\u201d cannot be chosen with other answers: type "
                            "its number alone, or the others without it.",
    "ui.invalid.date_range": "Please type a date between the years {low} and {high}.",
    "ui.invalid.check": "Please check your answer: {reason}.",
    "ui.invalid.choice": "Please type a number from 1 to {count}.",
    "ui.invalid.multi_none": "Please choose at least one: type the numbers, for example 1,3.",
    "ui.invalid.multi_token": "'{token}' is not one of the choices. Type numbers from 1 to "
                              "{count}, separated by commas.",
    "ui.invalid.date_none": 'This question needs a date. If there is none, type "don\'t know" '
                            "(or back, if the question before asked whether there is a fixed "
                            "date).",
    "ui.invalid.date_format": "Please type the date as YYYY-MM-DD (for example {example}), as "
                              "MM/DD/YYYY (03/31/2027), or with the month's name (31 March "
                              "2027).",
    "ui.invalid.date_unreal": "{text} is not a real date. Type it as YYYY-MM-DD, for example "
                              "{example}.",
    "ui.invalid.number_digits": "Please type a number using digits, for example 12.",
    "ui.invalid.money_digits": "Please type an amount in U.S. dollars using digits, for "
                               "example 12.",
    "ui.invalid.range": "Please type a number from {low} to {high}.",
    "ui.invalid.at_least": "Please type a number of at least {low}.",
    "ui.invalid.at_most": "Please type a number of at most {high}.",
    "ui.invalid.country_empty": "Please type a country name or its two-letter code.",
    "ui.invalid.country_many": "More than one country matches '{text}': {names}. Type the "
                               "full name or the code.",
    "ui.invalid.country_close": "'{text}' is not a country I know. Did you mean {names}? Type "
                                "a country name or its two-letter code, for example UA.",
    "ui.invalid.country_yes_no": "Please type the country's name, for example Guatemala (not "
                                 "yes or no).",
    "ui.invalid.country_unknown": "'{text}' is not a country I know. Type a country name or "
                                  "its two-letter code, for example UA.",
    "ui.invalid.no_answer_number": "There is no answer number {number}. Type a number from 1 "
                                   "to {count}.",
    "ui.invalid.no_answers_yet": "There are no answers to change yet.",
    "ui.invalid.needs_answer": "This question needs an answer.",
    "ui.invalid.required": "Please answer this question (type ? for help).",
    "ui.at_start": "This is the first question.",
    "ui.date.read_as": "Read as {date}.",
    "ui.invalid.date_no_year": "Please add the year, for example: {text} 2027.",
    "ui.date.confirm": "Did you mean {date}? Type y if so, or type the date again (for "
                       "example 2027-01-15).",
    "ui.date.again": "Type the date again, for example 2027-01-15.",
    "ui.unknown_left": "Left unanswered: the report will list it as something to find out.",
    "ui.review.title_final": "Review your answers",
    "ui.review.title": "Your answers so far",
    "ui.review.question": "question",
    "ui.review.answer": "answer",
    "ui.review.none": "(no answers yet)",
    "ui.review.dont_know": "(don't know)",
    "ui.review.skipped": "(skipped)",
    "ui.review.more": "Answers {first}-{last} of {count}: type m for more.",
    "ui.review.footer_report": "Type a number to change that answer, or press Enter to see "
                               "the report.",
    "ui.review.footer_questions": "Type a number to change that answer, or press Enter to "
                                  "go back to the questions.",
    "ui.review.invalid": "Type the number of an answer to change it, or press Enter to "
                         "continue.",
    "ui.settled.head": "Your answers so far already decide the main result of this "
                       "screening:",
    "ui.settled.goes_on": "The questions go on, since they fill in the rest of the report; "
                          "to see the report now instead, type report at the next question.",
    "ui.offer.body": "The questions left cannot change this, but they fill in the rest of "
                     "the report (fees, documents, other routes).",
    "ui.offer.now": "  1. See the report now",
    "ui.offer.remaining": "  2. Answer the remaining questions",
    "ui.offer.remaining_count": "  2. Answer the remaining questions (about {count} more)",
    "ui.offer.type": "Type 1 or 2 (Enter: 2).",
    "ui.offer.invalid": "Type 1 to see the report now, or 2 (or press Enter) to answer the "
                        "remaining questions.",
    "ui.report_after": "The report comes after the questions (type review to see your "
                       "answers, or quit to stop and continue later).",
    "ui.saved": "Saved.",
    "ui.stopped": "Interview stopped.",
    "ui.paused": "Interview paused.",
    "ui.saved_in": "{what} Your answers are saved in {path}.",
    "ui.continue_later": "To continue later, run:",
    "ui.session.found.one": "A saved interview was found ({count} answer{when}).",
    "ui.session.found.other": "A saved interview was found ({count} answers{when}).",
    "ui.session.saved_at": ", saved {when} UTC",
    "ui.session.continue": "Continue where it stopped",
    "ui.session.review": "Review the answers first",
    "ui.session.new": "Start over (the saved answers will be replaced)",
    "ui.session.type": "Type 1, 2 or 3.",
    "ui.session.invalid": "Type 1 to continue, 2 to review the answers, or 3 to start over.",
    "ui.session.pack_changed": "note: the rules changed since this interview was saved; your "
                               "answers were kept and any new questions will be asked.",
    "ui.session.dropped": "note: these saved answers no longer fit the rules and will be "
                          "asked again: {ids}",
    "ui.input_ended": "error: the input ended before the interview was finished{where}. "
                      "Answers so far are saved in {path}; to continue, run: {command}",
    "ui.input_ended.next": " (next question: {id})",
    "ui.report_saved": "report saved to {path}",
    "ui.answers_saved": "answers saved to {path}",
    "ui.session_deleted": "The saved interview at {path} was deleted (use --keep-session to "
                          "keep it).",
    "ui.fallback": "note: some texts are not translated into this language yet; they are "
                   "shown in English.",
    # -- the report
    "report.title": "Immigration parole screening report",
    "report.header": "Report",
    "report.summary": "What this means",
    "report.do_first": "Do this first",
    "report.cost": "Expected cost on {date}",
    "report.bands": "How each kind of parole fits",
    "report.timeline": "Dates that matter",
    "report.help": "A screening, not legal advice",
    "report.what_would_change": "What would change the result",
    "report.to_find_out": "What to find out",
    "report.flags": "Warnings and referrals",
    "report.next_steps": "Next steps",
    "report.deadlines": "Deadlines",
    "report.milestones": "Dates to know (not dates to act by)",
    "report.why": "Why",
    "report.weakens": "What weakens it",
    "report.not_enough": "Points in favour, but not enough",
    "report.evidence": "Evidence checklist",
    "report.forms": "Forms",
    "report.fees": "Fees in force on {date}",
    "report.alternatives": "Other routes to consider",
    "report.after_approval": "After approval",
    "report.if_denied": "If it is denied",
    "report.always": "Keep in mind",
    "report.sources": "Sources",
    "report.other_sources": "Other sources consulted",
    "report.about": "About this screening",
    "report.explain": "How each band was reached",
    "report.trace": "Rule trace",
    "report.none_fits": "None of the four kinds of parole fits these answers.",
    "report.some_missing": "Some answers are missing, so no kind of parole can be named yet.",
    "report.find_help": "To find an accredited representative: the Justice Department's "
                        "list of recognized organizations and accredited representatives "
                        "({eoir}). To find an immigration lawyer: the American Immigration "
                        "Lawyers Association's lawyer search ({aila}).",
    # -- the report's sentences (report.py, report_first.py, what_if_text.py)
    "report.details": "Details, in the order to act on them",
    "report.part.later": "After filing, and other routes",
    "report.part.sources": "Sources and this screening",
    "report.scroll_up": "The summary is at the top of this report: scroll up to read it, or "
                        "save the report with --out report.html to print it.",
    "report.reference": "Reference: {id}. Screened as of {date}.",
    "report.screened": "Screened as of {date}.",
    "report.meaning": "Of the four kinds of parole, {name} fits these answers best{basis}, "
                      "and it looks {band}: {meaning}",
    "report.meaning.strong": "most of what this kind of parole asks for is there. Officials "
                             "still decide each case and can say no.",
    "report.meaning.possible": "some of what it asks for is there, and something is missing "
                               "or weighs against it.",
    "report.meaning.weak": "it could fit, but important things are missing or weigh against "
                           "it.",
    "report.not_answered_question": "Not answered yet: {question}. The result may change once it "
                               "is (see What to find out).",
    "report.not_answered.one": "Not answered yet: {count} question. The result may change "
                               "once it is (see What to find out).",
    "report.not_answered.other": "Not answered yet: {count} questions. The result may change "
                                 "once they are (see What to find out).",
    "report.quoted": "\u201c{text}\u201d",
    "report.today_date": "Today, {date}",
    "report.by_date": "By {date} (in {days})",
    "report.days.one": "{count} day",
    "report.days.other": "{count} days",
    "report.when.passed": "passed",
    "report.when.today": "today",
    "report.when.not_reached": "not yet reached",
    "report.when.in": "in {days}",
    "report.when.since": "since then",
    "report.unverified_confirm": "unverified: confirm",
    "report.deadline_unverified": " - unverified, confirm",
    "report.cost.total": "{total} for each person: {parts}.",
    "report.cost.item": "{label} {amount}",
    "report.cost.waiver_may": "a fee waiver may be requested",
    "report.cost.exception_may": "an exception may apply: see Fees",
    "report.cost.change_reported": "a change to {amount} from {date} is reported: confirm",
    "report.cost.unverified": "unverified: confirm before filing",
    "report.cost.none_added_step": "Nothing is added up: each fee below is owed only on a "
                                   "further step.",
    "report.cost.none_added_lawyer": "Nothing is added up: each fee below is owed only if a "
                                     "lawyer confirms.",
    "report.cost.none_added_both": "Nothing is added up: each fee below is owed only on a "
                                   "further step or only if a lawyer confirms.",
    "report.cost.no_fee": "No fee is listed for these answers.",
    "report.cost.none_fits": "Nothing is added up: no kind of parole fits these answers. Only "
                             "if a lawyer finds a way to file would these fees apply: {fees}.",
    "report.cost.conditional": "Not added, owed only on a further step: {fees}.",
    "report.cost.if_lawyer": "Not added, only if a lawyer confirms a filing is still "
                             "possible: {fees}.",
    "report.timeline.milestone": "{date}: {label} - a date to know, not a date to act by "
                                 "({when})",
    "report.timeline.fee_reported": "{label} reported as {amount}",
    "report.timeline.today": "Today",
    "report.timeline.screened": "screened as of this date",
    "report.timeline.screened_label": "Screened as of this date",
    "report.band.strong": "strong",
    "report.band.possible": "possible",
    "report.band.weak": "weak",
    "report.band.not_indicated": "not indicated",
    "report.band.insufficient_information": "not enough information",
    "report.category.humanitarian": "Humanitarian",
    "report.category.medical": "Medical",
    "report.category.public_benefit": "Significant public benefit",
    "report.category.re_parole": "Re-parole",
    "report.category_name.humanitarian": "humanitarian parole",
    "report.category_name.medical": "medical parole",
    "report.category_name.public_benefit": "significant public benefit parole",
    "report.category_name.re_parole": "re-parole",
    "report.severity.stop": "STOP",
    "report.severity.warn": "WARNING",
    "report.severity.info": "NOTE",
    "report.intro.what_would_change": "Found by scoring the answers again with each change, "
                                      "one at a time. None of them is a promise.",
    "report.intro.to_find_out": "These questions are not answered yet (\u201cI don't "
                                "know\u201d). The result may change once they are.",
    "report.intro.fees": "Each fee with its amount, its date, whether a fee waiver may be "
                         "requested and the exceptions that may apply.",
    "report.intro.explain": "The score of the basis shown, the bands' thresholds and any cap.",
    "report.intro.sources": "The law, regulations, notices and agency pages behind this "
                            "report, cited by their legal citation.",
    "report.intro.other_sources": "Reports and copies by lawyers, advocates, journalists and "
                                  "others: they point to the law but are not the law. Those "
                                  "marked (unverified) have not been checked against the "
                                  "original.",
    "report.based_on": "{text} (based on: {answers})",
    "report.not_indicated_because": "{category} is not indicated, because {reason}",
    "report.still_needed": "Still needed: {text}",
    "report.answer.not_answered": "not answered",
    "report.answer.none": "none",
    "report.fee.in_force": "In force from {date}.",
    "report.fee.change": "A change to {amount} from {date} is reported but not confirmed: "
                         "confirm the amount before filing.",
    "report.fee.unverified": "This amount is unverified: confirm it before filing.",
    "report.fee.waiver": "A fee waiver (Form I-912) may be requested.",
    "report.fee.exceptions": "Exceptions: {text}",
    "report.fee.exceptions_head": "Exceptions:",
    "report.cites.one": "This report cites {count} source: {official} official (the law, "
                        "regulations, notices and agency pages) and {others} other (reports "
                        "and copies by lawyers, advocates and others, which point to the law "
                        "but are not the law).",
    "report.cites.other": "This report cites {count} sources: {official} official (the law, "
                          "regulations, notices and agency pages) and {others} others "
                          "(reports and copies by lawyers, advocates and others, which point "
                          "to the law but are not the law).",
    "report.cites.official": "Official: {list}.",
    "report.cites.others": "Others: {list}.",
    "report.cites.more": "For their titles and web addresses, run the command again with "
                         "--sources, or save the report with --out report.html.",
    "report.unverified_mark": "(unverified)",
    "report.about.line": "Rule pack {id} version {version}, facts as of {facts} (content "
                         "{hash}); screened as of {date}.",
    "report.yes": "yes",
    "report.no": "no",
    # -- what would change the result (what_if_text.py)
    "change.sentence": "{condition}, then {category} is likely {band_if} (now: {band_now}).",
    "change.if_document": "If they get {document}",
    "change.if_answered": "If \u201c{question}\u201d is answered",
    "change.if_answer": "If the answer to \u201c{question}\u201d is {answer}",
    "change.and": "{first} and {second}",
    "change.between": "{low} and {high}",
    "change.from_to": "from {low} to {high}",
    "change.on_or_after": "on or after {value}",
    "change.on_or_before": "on or before {value}",
    "change.after": "after {value}",
    "change.before": "before {value}",
    "change.at_least": "at least {value}",
    "change.at_most": "at most {value}",
    "change.more_than": "more than {value}",
    "change.less_than": "less than {value}",
}
