"""Understanding short answers: which offered option a reply means, and ratings from 0 to 10."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from flows.content import Content, available_languages, content_for
from flows.intents import Option

_NOT_WORDS = re.compile(r"[^\w\s/-]+")
_NUMBER = re.compile(r"(?<![\d.])(\d{1,2})(?:\s*(?:/|out of)\s*10)?(?![\d.])")


@dataclass(frozen=True)
class Answer:
    """What the person said, and the offered option it picked, if any."""

    text: str
    option: str | None = None

    def picked(self, *option_ids: str) -> bool:
        return self.option in option_ids


@lru_cache(maxsize=8192)
def normalise(text: str) -> str:
    """Lower case, no accents, emoji or punctuation, single spaces: for comparing short answers."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    # Apostrophes go, not split: "lets" typed in a hurry is "let's", "dont" is "don't".
    return " ".join(_NOT_WORDS.sub(" ", plain.replace("\u2019", "").replace("'", "")).split())


# A short answer may say one option twice over ("vale, empecemos", "ok lets start", "yes sure"):
# words up to this many are read as a run of that option's phrases.
MOST_WORDS_TO_SPLIT = 6


def match_option(text: str, options: tuple[Option, ...], content: Content) -> str | None:
    """The id of the option that `text` names by its label or one of its synonyms, or by a run of
    them that names that one option and no other."""
    wanted = normalise(text)
    if not wanted:
        return None
    for option in options:
        if wanted == normalise(option.label) or wanted in _synonyms(option.id, content):
            return option.id
    words = tuple(wanted.split())
    if not 1 < len(words) <= MOST_WORDS_TO_SPLIT:
        return None
    named = [option.id for option in options if _run_of(words, _phrases_of(option, content))]
    return named[0] if len(named) == 1 else None


def _phrases_of(option: Option, content: Content) -> frozenset[str]:
    return _synonyms(option.id, content) | {normalise(option.label)}


def _run_of(words: tuple[str, ...], phrases: frozenset[str]) -> bool:
    """Whether `words` split into two or more pieces, each one of `phrases`."""
    # ends[i]: the words before position i split into phrases (0 pieces at the start).
    ends = [0] + [-1] * len(words)
    for end in range(1, len(words) + 1):
        for start in range(end):
            if ends[start] >= 0 and " ".join(words[start:end]) in phrases:
                ends[end] = max(ends[end], ends[start] + 1)
    return ends[-1] >= 2


def parse_rating(text: str, content: Content) -> int | None:
    """A 0-10 rating from `7`, `7/10`, `about a 7` or `seven`; None when it names no such number."""
    found = [int(number) for number in _NUMBER.findall(text)]
    found += _number_words(text, content)
    ratings = {number for number in found if 0 <= number <= 10}
    return ratings.pop() if len(ratings) == 1 else None


def _number_words(text: str, content: Content) -> list[int]:
    """Numbers in words in any language we speak: "siete" is a rating in an English conversation too."""
    found = []
    for numbers in _number_lists(content.language):
        found += [numbers.index(word) for word in normalise(text).split() if word in numbers]
    return found


@lru_cache(maxsize=8)
def _number_lists(language: str) -> tuple[tuple[str, ...], ...]:
    """The number words of `language` first, then those of the other languages."""
    codes = sorted(available_languages(), key=lambda code: code != language)
    return tuple(tuple(map(normalise, content_for(code).words("ratings.words"))) for code in codes)


def _synonyms(option_id: str, content: Content) -> frozenset[str]:
    return _normalised_synonyms(option_id, content.language)


@lru_cache(maxsize=2048)
def _normalised_synonyms(option_id: str, language: str) -> frozenset[str]:
    """An option's synonyms, normalised once per language (options are matched on every message)."""
    return frozenset(normalise(word) for word in content_for(language).words(f"synonyms.{option_id}"))
