"""Reflective listening: recognise the situation a person names and say it back in our own words.

The situations and their words live in `flows/content/<language>/situations.toml`. A reflection is
always a vetted line from that file, never the person's text: someone in crisis may name a method,
and safe messaging means it is never repeated back to them. The only words taken from the person
are from a vetted list (who they lost: "your mum"), so nothing they typed is ever echoed.
"""

from __future__ import annotations

import re
from functools import cache

from flows.answers import normalise
from flows.content import Content

# A practical need gets the country's community lines (shelter, food, money) with its reflection.
PRACTICAL = "practical"
# A helper or professional after a hard case: supervision and debrief, not the crisis pathway.
PROFESSIONAL = "professional"
# Panic: named as such, with breathing; the learned layer's reading of it alone asks nothing.
PANIC = "panic"


def situation_of(text: str, content: Content) -> str | None:
    """The first situation, in the file's order, whose every word group the text matches."""
    found = (name for name in content.words("situations.order") if names_situation(text, content, name))
    return next(found, None)


def names_situation(text: str, content: Content, name: str) -> bool:
    """Whether the text names this situation, whichever other one comes first."""
    groups = _groups(content, name)
    said = normalise(text)
    return bool(groups) and all(_mentions(said, words) for words in groups)


def reflect(text: str, content: Content) -> str | None:
    """A vetted line that reflects the situation the person names, or None when none is named."""
    name = situation_of(text, content)
    if name is None:
        return None
    who = _who(normalise(text), content)
    if who and content.get(f"situations.{name}.reflect_who"):
        return content.text(f"situations.{name}.reflect_who", who=who)
    return content.text(f"situations.{name}.reflect")


# A feeling word followed by one of these is a verb about something else ("I lost my job", "I hurt
# my arm"), not a feeling to name back.
_NOT_A_FEELING_BEFORE = frozenset(
    {
        "my",
        "the",
        "a",
        "an",
        "our",
        "her",
        "his",
        "their",
        "your",
        "me",
        "him",
        "them",
        "it",
        "mi",
        "el",
        "la",
    }
)


def feelings_named(words: list[str], content: Content) -> list[str]:
    """The feeling words (from the vetted list) the person used as feelings, in the list's order."""
    felt = {
        word
        for position, word in enumerate(words)
        if position + 1 == len(words) or words[position + 1] not in _NOT_A_FEELING_BEFORE
    }
    return [word for word in content.words("checkin.feeling_words") if word in felt]


def first_aid_step(text: str, content: Content) -> str:
    """The one first-aid step that fits what the person describes, or the general one."""
    return content.text(f"first_aid.{first_aid_kind(text, content) or 'general'}.step")


def first_aid_kind(text: str, content: Content) -> str | None:
    """Which first-aid need the person describes (bleeding, something swallowed, ...), if any."""
    said = normalise(text)
    for name in content.words("first_aid.order"):
        if _mentions(said, tuple(content.words(f"first_aid.{name}.words"))):
            return name
    return None


def _groups(content: Content, name: str) -> list[tuple[str, ...]]:
    groups = [tuple(content.words(f"situations.{name}.words"))]
    also = content.words(f"situations.{name}.also")
    return [group for group in (*groups, tuple(also)) if group]


def _who(said: str, content: Content) -> str | None:
    """Whom the person names, as our own words ("your mum"), from the vetted list only."""
    for word, ours in content.table("situations.who").items():
        if _pattern((word,)).search(said):
            return str(ours)
    return None


def _mentions(said: str, words: tuple[str, ...]) -> bool:
    return bool(words) and _pattern(words).search(said) is not None


@cache
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(normalise(word)) for word in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")
