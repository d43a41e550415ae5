"""Required literals: substrings one of which every match of a pattern must contain.

Most rules do not match most messages, yet running a regular expression over a message costs far
more than finding which of a set of short strings occur in it. So each rule carries the literals
any match of it must contain, worked out once from the parsed pattern (the "literal prefilter" of
RE2 and Hyperscan); one Aho-Corasick pass over the message finds them all, and only the rules with
a literal present run. When no such set can be proved (a pattern that can match without any fixed
text), the rule always runs.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# The parser behind `re.compile`: public enough to have kept its shape from 3.11 on.
from re import _constants as _sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

import ahocorasick

Literals = frozenset[str] | None
# Shorter literals than this occur in nearly every message and would not filter anything.
_SHORTEST_USEFUL = 3
# Words in nearly every message: a literal made only of these filters nothing.
_COMMONEST = (
    "i am is are was be to a an the my me it in on of and or for at so do not you he she they we"
    " this that with have has had will would could can going want need just about"
)
_COMMON_WORDS = frozenset(_COMMONEST.split())


def required_literals(pattern: re.Pattern[str]) -> Literals:
    """Substrings of which every match contains one, or None when no such set is known."""
    if pattern.flags & re.IGNORECASE:
        return None
    return _of_sequence(_parser.parse(pattern.pattern, pattern.flags))


class LiteralIndex:
    """Which rules could match a text: one Aho-Corasick pass finds every required literal in it."""

    def __init__(self, literal_sets: Sequence[Literals]) -> None:
        self._always = frozenset(i for i, literals in enumerate(literal_sets) if literals is None)
        owners: dict[str, list[int]] = {}
        for index, literals in enumerate(literal_sets):
            for literal in literals or ():
                owners.setdefault(literal, []).append(index)
        self._automaton = ahocorasick.Automaton()
        for literal, indexes in owners.items():
            self._automaton.add_word(literal, tuple(indexes))
        self._automaton.make_automaton()

    def candidates(self, text: str) -> list[int]:
        """The indexes, in order, of the rules that could match `text`."""
        found = set(self._always)
        for _, indexes in self._automaton.iter(text):
            found.update(indexes)
        return sorted(found)


def _of_sequence(items: Any) -> Literals:
    """The most selective required set among the sequence's parts (each part is required)."""
    candidates: list[frozenset[str]] = []
    run: list[str] = []
    for op, argument in items:
        if op is _sre.LITERAL:
            run.append(chr(argument))
            continue
        _close(run, candidates)
        run = []
        found = _of_item(op, argument)
        if found is not None:
            candidates.append(found)
    _close(run, candidates)
    return max(candidates, key=_selectivity, default=None)


def _of_item(op: Any, argument: Any) -> Literals:
    if op is _sre.SUBPATTERN:
        _, added_flags, _, inner = argument
        return None if added_flags & re.IGNORECASE else _of_sequence(inner)
    if op is _sre.BRANCH:
        return _of_branches(argument[1])
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        least, _, inner = argument
        return _of_sequence(inner) if least >= 1 else None
    return None  # classes, anchors, lookarounds, back references: no fixed text to rely on


def _of_branches(branches: Any) -> Literals:
    union: set[str] = set()
    for branch in branches:
        found = _of_sequence(branch)
        if found is None:
            return None
        union |= found
    return frozenset(union)


def _close(run: list[str], candidates: list[frozenset[str]]) -> None:
    if len(run) >= _SHORTEST_USEFUL:
        candidates.append(frozenset({"".join(run)}))


def _selectivity(literals: frozenset[str]) -> tuple[int, int]:
    # A set is as selective as its least telling member: the length of what it has beyond the
    # commonest words ("i am ", " to " occur in most messages). Fewer members break ties.
    return (min(map(_telling_length, literals)), -len(literals))


def _telling_length(literal: str) -> int:
    words = literal.split()
    return sum(len(word) for word in words if word not in _COMMON_WORDS)
