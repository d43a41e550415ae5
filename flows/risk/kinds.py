"""Naming the kind of an emergency a rule found: what happened, to whom, by whom.

A rule says what happened ("he hits me", "took 30 pills"); what the person needs depends on its
kind. An overdose or poison taken is a medical emergency whoever took it; violence by a partner is
domestic violence; rape or sexual assault is sexual violence; a child hurt at home is child abuse;
harm to someone else with a weapon at hand or a time set is imminent. The cues are lexicon settings
(`[kinds]`), each kept in the file of the signal it names, beside that signal's rules.
"""

from __future__ import annotations

from flows.risk.levels import RiskLevel
from flows.risk.reading import Message

_IMMINENT, _HIGH, _MODERATE = RiskLevel.IMMINENT, RiskLevel.HIGH, RiskLevel.MODERATE
# Signals that say the person themself is being harmed by someone (after reading: not a denial,
# not history, not someone else's).
_HARMED = frozenset({"abuse", "domestic_violence", "sexual_violence", "child_abuse"})


def named_kinds(
    origin: str, signal: str, level: RiskLevel, message: Message, pos: int
) -> list[tuple[str, RiskLevel]]:
    """The kinds of emergency a finding names, each with its level.

    `origin` is the rule's own signal, `signal` and `level` what reading it in place made of it.
    """
    kinds = message.settings.kinds
    sentence = message.sentence(pos)
    found: list[tuple[str, RiskLevel]] = []
    if origin == "attempt_in_progress" and level >= _IMMINENT and kinds["medical"].search(sentence):
        found.append(("medical_emergency", _IMMINENT))
    if signal not in _HARMED or level < _MODERATE:
        return found
    if kinds["partner"].search(sentence):
        found.append(("domestic_violence", level))
    if kinds["sexual"].search(sentence):
        found.append(("sexual_violence", max(level, _HIGH)))
    if kinds["child"].search(message.text):
        found.append(("child_abuse", max(level, _HIGH)))
    return found


def is_soon(message: Message, pos: int) -> bool:
    """The sentence sets a time that is now or close ("tonight", "when he gets home", "going over there")."""
    return message.settings.kinds["soon"].search(message.sentence(pos)) is not None
