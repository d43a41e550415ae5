"""Reading one match in its context: negation, tense, who it is about, figurative speech.

A phrase rule only says that words were written; these helpers decide what they mean where they
stand. "I want to die" means one thing on its own, another after "I have never", another when it is
"my son" who says it, and another in "this meeting is so boring I want to die lol".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from flows.risk.lexicon import SETTINGS, Lexicon, merge_setting

# Sentences end at terminal punctuation or a line break; a tense or a subject rarely crosses one.
_SENTENCE_BREAK = re.compile(r"[.!?;\n]+")
# Person-word settings in the order they are tried at one position: "a friend" is indefinite before
# "friend" could be read as a specific third person.
_SUBJECT_KEYS = (("indefinite", "indefinite"), ("third", "third"), ("first", "self"), ("second", "second"))


class Who(Enum):
    """Whom a phrase is about."""

    SELF = "self"
    THIRD = "third"  # a specific other person: "my son", "she"
    INDEFINITE = "indefinite"  # "someone", "a friend who": often a question or education
    SECOND = "second"  # "you": generic or aimed at the bot


@dataclass(frozen=True)
class Settings:
    """The merged, compiled language settings of all lexicons."""

    clause_break: re.Pattern[str]
    question: re.Pattern[str]
    negated_before: re.Pattern[str]
    negated_after: re.Pattern[str]
    distant_past: re.Pattern[str]
    recent: re.Pattern[str]
    ongoing: re.Pattern[str]
    past_verb: re.Pattern[str]
    recovery: re.Pattern[str]
    subject: re.Pattern[str]
    first_reflexive: re.Pattern[str]
    third_reflexive: re.Pattern[str]
    second_reflexive: re.Pattern[str]
    third_verb: re.Pattern[str]
    joke: re.Pattern[str]
    trivial: re.Pattern[str]
    boredom: re.Pattern[str]
    earnest: re.Pattern[str]
    education: re.Pattern[str]
    help_question: re.Pattern[str]
    mention: re.Pattern[str]
    kinds: Mapping[str, re.Pattern[str]]


def compile_settings(lexicons: Sequence[Lexicon]) -> Settings:
    """Merge every lexicon's language settings into one set of compiled patterns."""

    def merged(name: str) -> re.Pattern[str]:
        return merge_setting(lexicons, name)

    return Settings(
        clause_break=merged("syntax.clause_break"),
        question=merged("syntax.question"),
        negated_before=_negation_pattern(lexicons),
        negated_after=merged("negation.after"),
        distant_past=merged("tense.distant_past"),
        recent=merged("tense.recent"),
        ongoing=merged("tense.ongoing"),
        past_verb=merged("tense.past_verb"),
        recovery=merged("tense.recovery"),
        subject=_subject_pattern(lexicons),
        first_reflexive=merged("subject.first_reflexive"),
        third_reflexive=merged("subject.third_reflexive"),
        second_reflexive=merged("subject.second_reflexive"),
        third_verb=merged("subject.third_verb"),
        joke=merged("figurative.joke"),
        trivial=merged("figurative.trivial"),
        boredom=merged("figurative.boredom"),
        earnest=merged("figurative.earnest"),
        education=merged("figurative.education"),
        help_question=merged("figurative.help_question"),
        mention=merged("figurative.mention"),
        kinds={key: merged(f"kinds.{key}") for key in SETTINGS["kinds"]},
    )


def _negation_pattern(lexicons: Iterable[Lexicon]) -> re.Pattern[str]:
    """A negator followed only by "transparent" words up to the end of the text before a match.

    "I have never (really) wanted to die": only auxiliaries and adverbs may stand between the negator
    and the phrase. Any other word ("not going to lie, I want to die") ends the negation's reach.
    """
    negators = set().union(*(lex.negators for lex in lexicons))
    transparent = set().union(*(lex.transparent for lex in lexicons))
    neg = _words(negators)
    skip = _words(transparent)
    return re.compile(rf"(?:^|\W)(?:{neg})(?: (?:{skip}))*[ ,]*$")


def _subject_pattern(lexicons: Sequence[Lexicon]) -> re.Pattern[str]:
    """Person words as named groups; at one position the earlier alternative wins (indefinite first)."""
    parts = []
    for key, group in _SUBJECT_KEYS:
        pattern = merge_setting(lexicons, f"subject.{key}").pattern
        parts.append(rf"(?P<{group}>\b(?:{pattern})\b)")
    return re.compile("|".join(parts))


def _words(words: Iterable[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w) for w in ordered)


class Message:
    """A normalised message with its sentence and clause boundaries, for reading matches in place."""

    def __init__(self, text: str, settings: Settings) -> None:
        self.text = text
        self.settings = settings
        sentences = [0, *(m.end() for m in _SENTENCE_BREAK.finditer(text))]
        clauses = [m.end() for m in settings.clause_break.finditer(text)]
        self._sentences = sentences
        self._clauses = sorted({*sentences, *clauses})

    def sentence(self, pos: int) -> str:
        """The sentence around position `pos`."""
        return self._span(self._sentences, pos)

    def clause(self, pos: int) -> str:
        """The clause around position `pos` (sentences split further at "but", commas...)."""
        return self._span(self._clauses, pos)

    def clause_start(self, pos: int) -> int:
        """Where the clause holding `pos` begins."""
        return self._clauses[bisect_right(self._clauses, pos) - 1]

    def sentence_start(self, pos: int) -> int:
        """Where the sentence holding `pos` begins."""
        return self._sentences[bisect_right(self._sentences, pos) - 1]

    def _span(self, starts: list[int], pos: int) -> str:
        index = bisect_right(starts, pos)
        end = starts[index] if index < len(starts) else len(self.text)
        return self.text[starts[index - 1] : end]


def is_negated(message: Message, match: re.Match[str]) -> bool:
    """True when the phrase is denied: "I'm not suicidal", "would never kill myself", "suicidal? no"."""
    settings = message.settings
    before = message.text[message.clause_start(match.start()) : match.start()]
    if settings.negated_before.search(before):
        return True
    return settings.negated_after.match(message.text, match.end()) is not None


def is_past(message: Message, match: re.Match[str], event: bool) -> bool:
    """True when the phrase reports something over ("when I was 16", "I used to").

    `event` phrases ("I took the pills") are past-tense by nature, so only an explicit distant time
    makes them history; other phrases also become history through a past verb ("I wanted to die").
    """
    settings = message.settings
    clause = message.clause(match.start())
    if settings.ongoing.search(clause) or settings.recent.search(clause):
        return False
    if settings.distant_past.search(clause):
        return True
    if settings.distant_past.search(message.sentence(match.start())):
        return True
    if event:
        return False
    upto = message.text[message.clause_start(match.start()) : match.end()]
    return settings.past_verb.search(upto) is not None


def who_is_meant(message: Message, match: re.Match[str]) -> Who:
    """Whom the matched phrase is about, from its own words or the nearest person-word before it."""
    settings = message.settings
    words = match.group()
    if settings.first_reflexive.search(words):
        return Who.SELF
    if settings.second_reflexive.search(words):
        # "i wanna kys": a first-person speaker using "kill yourself" means themself.
        return Who.SELF if _nearest_subject(message, match) is Who.SELF else Who.SECOND
    if settings.third_reflexive.search(words) or settings.third_verb.match(words):
        nearest = _nearest_subject(message, match)
        return Who.INDEFINITE if nearest is Who.INDEFINITE else Who.THIRD
    nearest = _nearest_subject(message, match)
    if nearest is not None:
        return nearest
    # No person named: a general question ("what are the signs of suicidal thoughts?") is about anyone.
    return Who.INDEFINITE if is_general_question(message, match.start()) else Who.SELF


def _nearest_subject(message: Message, match: re.Match[str]) -> Who | None:
    start = message.sentence_start(match.start())
    found = list(message.settings.subject.finditer(message.text, start, match.start()))
    last = found[-1] if found else None
    if last is None or last.lastgroup is None:
        return None
    return Who(last.lastgroup)


def is_figurative(message: Message, pos: int = 0) -> bool:
    """Joking about something trivial, or boredom: "this lecture, kill me lol", "so boring I could die".

    Never when the sentence holding the phrase insists it is meant ("no for real", "I have decided"):
    a joke or a boring class elsewhere in a long message does not soften that.
    """
    settings = message.settings
    text = message.text
    if settings.earnest.search(message.sentence(pos)):
        return False
    if settings.boredom.search(text):
        return True
    return bool(settings.joke.search(text) and settings.trivial.search(text))


def is_general_question(message: Message, pos: int) -> bool:
    """A question or piece of education about the topic rather than a disclosure."""
    settings = message.settings
    sentence = message.sentence(pos)
    return bool(settings.education.search(sentence) or settings.help_question.search(sentence))


def is_education(message: Message, pos: int) -> bool:
    """The sentence is about a film, book, class or campaign on the topic."""
    return message.settings.education.search(message.sentence(pos)) is not None


def is_question(message: Message, pos: int) -> bool:
    """The sentence asks something ("do you ever want to die?")."""
    return message.settings.question.search(message.sentence(pos)) is not None


def is_mention(message: Message, pos: int) -> bool:
    """The words are talked about, not said: "what does kms mean?", a song or film title."""
    return message.settings.mention.search(message.sentence(pos)) is not None


def has_recovered(message: Message) -> bool:
    """The person says the past is past: "clean for 5 years and I'm fine"."""
    return message.settings.recovery.search(message.text) is not None
