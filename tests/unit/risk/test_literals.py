"""The literal prefilter may skip a rule only where the rule could not have matched."""

from __future__ import annotations

import re

import pytest

from bot.risk_training import read_lines, training_files
from flows.risk import detector
from flows.risk.detector import _LITERALS, _RULES, normalise
from flows.risk.literals import LiteralIndex, required_literals
from tests.unit.risk.test_corpus import DEV_ROWS


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (r"\bkill myself\b", {"kill myself"}),
        (r"\b(?:hang|hanging) myself\b", {" myself"}),
        (r"\bi (?:want|need) to die\b", {" to die"}),
        (r"\b(?:pills?|tablets) (?:now|tonight)", {"pill", "tablets"}),  # the longest sure parts
        (r"\b(?:a|an) \w+", None),  # nothing of three letters is required
        (r"(?:rope)?\s*ready", {"ready"}),  # an optional part is never required
        (r"(?i:ROPE) ready", {" ready"}),  # case-insensitive text cannot be a literal
    ],
)
def test_required_literals_of_patterns(pattern, literals):
    found = required_literals(re.compile(pattern))
    assert found == (frozenset(literals) if literals is not None else None)


def test_no_rule_that_matches_a_labelled_line_is_skipped():
    texts = [normalise(text) for text, _ in read_lines(training_files()) + DEV_ROWS]
    for text in texts:
        candidates = set(_LITERALS.candidates(text))
        for index, rule in enumerate(_RULES):
            if rule.pattern.search(text):
                assert index in candidates, (rule.id, text)


def test_the_index_finds_literals_anywhere_and_overlapping():
    index = LiteralIndex([frozenset({"kill myself"}), frozenset({"myself"}), None, frozenset({"rope"})])
    assert index.candidates("i will kill myself") == [0, 1, 2]
    assert index.candidates("ropes") == [2, 3]
    assert index.candidates("") == [2]


def test_almost_every_rule_has_literals():
    assert sum(rule.literals is None for rule in _RULES) <= len(_RULES) // 20


def test_skipping_phrase_rewrites_changes_no_normalised_line():
    normaliser = detector._normalise
    phrases = normaliser._tables.phrases
    for text, _ in read_lines(training_files()) + DEV_ROWS:
        before = normaliser(text)
        everything = before
        for pattern, replacement in phrases:  # every rewrite, none skipped, in order
            everything = pattern.sub(replacement, everything)
        assert " ".join(everything.split()) == before, text
