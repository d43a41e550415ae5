"""Which kind of crisis a message is, so that the bot says what a trained helper would say first.

A woman threatened by her partner needs the domestic violence line and a word on whether it is safe
to talk; a man bleeding needs the emergency number and one first-aid step; someone heading out to
hurt another person needs to put distance between them. The suicide template fits none of them. The
kind comes from the risk signals, and for a helper after a hard case or a practical need, from the
situation the person names (`flows.reflection`).
"""

from __future__ import annotations

from flows.content import Content
from flows.crisis_lines import CRISIS, render_lines
from flows.reflection import PRACTICAL, PROFESSIONAL, first_aid_kind, names_situation, situation_of
from flows.risk.levels import RiskAssessment, RiskLevel
from flows.turn import Turn

MEDICAL = "medical"
THIRD_PARTY = "third_party"
THIRD_PARTY_SIGNAL = "third_party_concern"
ABUSE = "abuse"

# Signal kinds in priority order: a medical emergency is answered before anything else.
KIND_SIGNALS: tuple[tuple[str, frozenset[str]], ...] = (
    (MEDICAL, frozenset({"medical_emergency"})),
    ("harm_others", frozenset({"harm_to_others"})),
    # A child hurt is answered as a child first: the lines for children, a trusted adult.
    ("child_abuse", frozenset({"child_abuse"})),
    ("sexual_violence", frozenset({"sexual_violence"})),
    (ABUSE, frozenset({"abuse", "domestic_violence"})),
)

# Someone hurting or threatening the person: a threat read alongside is theirs, not the person's.
HURT_BY_SOMEONE = frozenset({"abuse", "domestic_violence", "child_abuse", "sexual_violence"})

# The kinds of lines each crisis gets, in order: its own lines first, then the crisis lines.
LINE_KINDS: dict[str, tuple[str, ...]] = {
    MEDICAL: ("poison", CRISIS),
    "harm_others": (CRISIS,),
    "abuse": ("dv", CRISIS),
    "sexual_violence": ("sexual_violence", "dv", CRISIS),
    "child_abuse": ("children", CRISIS),
    THIRD_PARTY: ("poison", CRISIS),
    PROFESSIONAL: ("professionals", CRISIS),
    PRACTICAL: ("community", CRISIS),
}

# Kinds where a young person needs their own lines too: thrown out by parents, abused at home.
YOUNG = "young"
FOR_THE_YOUNG_TOO = frozenset({PRACTICAL, "abuse", "sexual_violence"})

# Thoughts of suicide or self-harm: the safety questions still follow the response to the kind.
SUICIDE_SIGNALS = frozenset(
    {
        "active_ideation",
        "passive_ideation",
        "plan",
        "means",
        "attempt_in_progress",
        "self_harm",
        "self_harm_urge",
        "hopelessness",
        "burdensomeness",
    }
)
# Signals that say nothing about the person's own safety: a professional's account of a client's
# death reads as these, and must not be answered as if they were in crisis.
NOT_ABOUT_THEM = frozenset({THIRD_PARTY_SIGNAL, "topic", "history", "past_distress", "figurative"})
# A practical need said in words the detector reads as general crisis language ("nowhere to sleep
# tonight") gets the community lines first; any other signal keeps its own response.
PRACTICAL_SIGNALS = frozenset({"crisis_language", "concern_language", "distress"})
# Self-harm or an attempt with these first-aid needs is a medical emergency first.
URGENT_FIRST_AID = {
    "self_harm": {"bleeding"},
    "attempt_in_progress": {"bleeding", "swallowed", "not_breathing"},
}


def crisis_kind(risk: RiskAssessment, text: str, content: Content) -> str | None:
    """The kind of crisis the message is, or None for the suicide and distress pathway."""
    signals = risk.signals
    if signals & HURT_BY_SOMEONE:
        # "he said he'd kill me": the threat is against the person, not by them.
        signals = signals - {"harm_to_others"}
    situation = situation_of(text, content)
    if situation == PROFESSIONAL and signals <= NOT_ABOUT_THEM:
        return PROFESSIONAL
    if _medical_first(risk, text, content):
        return MEDICAL
    for kind, kind_signals in KIND_SIGNALS:
        if signals & kind_signals:
            return kind
    if signals == {THIRD_PARTY_SIGNAL}:
        return THIRD_PARTY
    if situation == PRACTICAL and signals <= PRACTICAL_SIGNALS:
        return PRACTICAL
    return None


def line_kinds(kind: str, text: str, content: Content) -> tuple[str, ...]:
    """The kinds of lines for this crisis, its own first. A young person (by what they say) gets the
    lines for children and young people too; someone who also needs a bed or food, the community
    lines."""
    own, *rest = LINE_KINDS[kind]
    extra = []
    if kind in FOR_THE_YOUNG_TOO and names_situation(text, content, YOUNG):
        extra.append("children")
    if kind != PRACTICAL and names_situation(text, content, PRACTICAL):
        extra.append("community")
    return (own, *extra, *rest)


def about_suicide(risk: RiskAssessment) -> bool:
    return bool(risk.signals & SUICIDE_SIGNALS)


def message_key(content: Content, kind: str, level: RiskLevel) -> str:
    """The kind's message for this level, or its message for high risk where none is written."""
    key = f"safety.kinds.{kind}.{level.value}"
    return key if content.get(key) else f"safety.kinds.{kind}.high"


def say_practical_lines(turn: Turn, text: str) -> None:
    """A practical need (shelter tonight, food, money) gets the country's lines for it at once; a
    young person (a bullied 14-year-old), the lines for children and young people."""
    if names_situation(text, turn.content, PRACTICAL):
        kinds = line_kinds(PRACTICAL, text, turn.content)
        lines = render_lines(turn.conversation.country, turn.content, kinds=kinds)
        turn.say_key("checkin.practical_lines", lines=lines)
    elif names_situation(text, turn.content, YOUNG):
        lines = render_lines(turn.conversation.country, turn.content, kinds=("children",))
        turn.say_key("checkin.young_lines", lines=lines)


def suicide_line_kinds(text: str, content: Content) -> tuple[str, ...]:
    """The crisis lines, after the lines for children and young people when a young person writes."""
    return ("children", CRISIS) if names_situation(text, content, YOUNG) else (CRISIS,)


def _medical_first(risk: RiskAssessment, text: str, content: Content) -> bool:
    if "medical_emergency" in risk.signals:
        return True
    if risk.level < RiskLevel.HIGH:
        return False
    need = first_aid_kind(text, content)
    return any(need in URGENT_FIRST_AID.get(signal, ()) for signal in risk.signals)
