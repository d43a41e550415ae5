"""What free text means, whatever the step: the everyday intents kept as data in `intents.toml`.

A person asks for a human, says stop, or answers "ye", "k" or "sí" in their own words; this module
names the intent, forgiving typos, stretched letters, missing accents and apostrophes. Every
language's phrases are understood in every conversation. Pure: no state is changed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from flows.answers import normalise
from flows.content import available_languages, content_for
from flows.intents import Option

# The intents a person may mean at any step, in the order they are tried.
INTENTS = ("person", "emergency", "stop", "help", "menu", "language", "safe", "yes", "no", "maybe")
# Which offered option an everyday yes, no or maybe picks: the first of these the step offers.
EVERYDAY_OPTIONS = {
    "yes": ("yes", "agree", "screen_yes", "forget_yes", "checkin_yes", "safe_now", "ready", "another"),
    "no": ("no", "decline", "screen_no", "forget_no", "checkin_no", "not_safe", "choose_country", "finished"),
    "maybe": ("not_sure",),
    "safe": ("safe_now",),
}
_STRETCHED = re.compile(r"(\w)\1{2,}")
_DOUBLED = re.compile(r"(\w)\1")
NEGATION_REACH = 3  # words before a phrase in which a "not" undoes it


@dataclass(frozen=True)
class Phrases:
    """One intent's phrases in every language, as tuples of plain words."""

    say: frozenset[tuple[str, ...]]
    within: tuple[tuple[str, ...], ...]


def plain_words(text: str) -> tuple[str, ...]:
    """Lower case, no accents, apostrophes or punctuation; letters stretched past two squeezed back."""
    squeezed = _STRETCHED.sub(r"\1", text.replace("'", "").replace("\u2019", ""))
    return tuple(normalise(squeezed).split())


def intent_of(text: str) -> str | None:
    """The everyday intent `text` expresses, or None when it says something else."""
    words = plain_words(text)
    if not words:
        return None
    for intent in INTENTS:
        if _means(words, phrases(intent)):
            return intent
    return None


def language_asked_for(text: str) -> str | None:
    """The language a person asks to be spoken to in ("en español", "english please"), if any."""
    words = plain_words(text)
    for code in available_languages():
        spoken = _phrases(("intents", "speak", code))
        if words and (_said(words, spoken.say) or _within(words, spoken.within)):
            return code
    return None


def everyday_option(intent: str | None, offered: tuple[Option, ...]) -> str | None:
    """The offered option that an everyday yes, no, maybe or "I'm safe" picks, if the step offers one."""
    ids = {option.id for option in offered}
    return next((candidate for candidate in EVERYDAY_OPTIONS.get(intent or "", ()) if candidate in ids), None)


def phrases(intent: str) -> Phrases:
    return _phrases(("intents", intent))


def _means(words: tuple[str, ...], found: Phrases) -> bool:
    return _said(words, found.say) or _within(words, found.within)


def _said(words: tuple[str, ...], say: frozenset[tuple[str, ...]]) -> bool:
    """The whole message is one of the phrases, with fillers such as "please" around it or not."""
    trimmed = _without_fillers(words)
    by_length = _by_length(say)
    for candidate in {words, trimmed}:
        if not candidate:
            continue
        if candidate in say:
            return True
        if any(_same(candidate, phrase) for phrase in by_length.get(len(candidate), ())):
            return True
    return False


@cache
def _by_length(say: frozenset[tuple[str, ...]]) -> dict[int, tuple[tuple[str, ...], ...]]:
    """The phrases by their number of words: a message is compared only with phrases as long as it
    (comparing it with all of them was most of the time a message took)."""
    grouped: dict[int, list[tuple[str, ...]]] = {}
    for phrase in say:
        grouped.setdefault(len(phrase), []).append(phrase)
    return {length: tuple(group) for length, group in grouped.items()}


def _within(words: tuple[str, ...], within: tuple[tuple[str, ...], ...]) -> bool:
    for phrase in within:
        length, first = len(phrase), phrase[0]
        for start in range(len(words) - length + 1):
            if (
                _close(words[start], first)
                and _same(words[start : start + length], phrase)
                and not _negated(words[:start])
            ):
                return True
    return False


def _same(words: tuple[str, ...], phrase: tuple[str, ...]) -> bool:
    if len(words) != len(phrase):
        return False
    return all(_close(word, wanted) for word, wanted in zip(words, phrase, strict=True))


@lru_cache(maxsize=16384)
def _close(word: str, wanted: str) -> bool:
    """The same word, or one slip away (a letter missed, added, changed or swapped) in a long word."""
    if word == wanted or _undoubled(word) == _undoubled(wanted):
        return True
    return min(len(word), len(wanted)) >= 5 and _one_slip(word, wanted)


@lru_cache(maxsize=8192)
def _undoubled(word: str) -> str:
    """The word with doubled letters single. Cached: every message compares each of its words with
    hundreds of phrase words, and this substitution was half the time a message took."""
    return _DOUBLED.sub(r"\1", word)


def _one_slip(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        differ = [i for i in range(len(a)) if a[i] != b[i]]
        swapped = len(differ) == 2 and differ[1] == differ[0] + 1 and a[differ[0]] == b[differ[1]]
        return len(differ) == 1 or (swapped and a[differ[1]] == b[differ[0]])
    shorter, longer = sorted((a, b), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def _negated(before: tuple[str, ...]) -> bool:
    return any(word in _word_set("negations") for word in before[-NEGATION_REACH:])


@lru_cache(maxsize=1024)
def _without_fillers(words: tuple[str, ...]) -> tuple[str, ...]:
    fillers = _filler_phrases()
    changed = True
    while changed and words:
        changed = False
        for filler in fillers:
            if words[: len(filler)] == filler and len(words) > len(filler):
                words, changed = words[len(filler) :], True
            elif words[-len(filler) :] == filler and len(words) > len(filler):
                words, changed = words[: -len(filler)], True
    return words


@cache
def _phrases(path: tuple[str, ...]) -> Phrases:
    say: set[tuple[str, ...]] = set()
    within: list[tuple[str, ...]] = []
    for code in available_languages():
        table = content_for(code).get(".".join(path))
        if isinstance(table, list):  # a language asked for by name: single words only as the whole message
            table = {"say": table, "within": [phrase for phrase in table if " " in str(phrase)]}
        if isinstance(table, dict):
            say.update(plain_words(str(phrase)) for phrase in table.get("say", []))
            within.extend(plain_words(str(phrase)) for phrase in table.get("within", []))
    return Phrases(frozenset(say), tuple(dict.fromkeys(within)))


@cache
def _word_set(key: str) -> frozenset[str]:
    return frozenset(word for code in available_languages() for word in _own_words(code, f"intents.{key}"))


@cache
def _filler_phrases() -> tuple[tuple[str, ...], ...]:
    languages = available_languages()
    found = {plain_words(phrase) for code in languages for phrase in _own_words(code, "intents.fillers")}
    return tuple(sorted(found, key=len, reverse=True))


def _own_words(code: str, key: str) -> list[str]:
    return [normalise(word) for word in content_for(code).words(key)]
