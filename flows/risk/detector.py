"""The risk detector: normalise, find phrase rules, read each match in context, add the learned
layer's reading, combine.

Everything is compiled once at import from the packaged lexicons and model; `assess` does no I/O
and no regex compilation. The order of reading a match matters and follows the safety reasoning:
harmless readings (`unless`) and negation set a match to level none; tense turns it into history;
who it is about turns it into concern for a third person; only then may figurative speech soften
it. Context can never lower an explicit statement, only discount naming an object during an
exercise. The learned layer (`flows.risk.model`) comes last and can only raise the level.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace

from flows.risk.kinds import is_soon, named_kinds
from flows.risk.levels import Evidence, RiskAssessment, RiskContext, RiskLevel
from flows.risk.lexicon import Group, Rule, load_packaged, merge_tables
from flows.risk.literals import LiteralIndex
from flows.risk.model import TextModel, Thresholds, load_packaged_model
from flows.risk.normalise import Normaliser
from flows.risk.reading import (
    Message,
    Who,
    compile_settings,
    has_recovered,
    is_education,
    is_figurative,
    is_general_question,
    is_mention,
    is_negated,
    is_past,
    is_question,
    who_is_meant,
)

NONE, LOW, MODERATE, HIGH, IMMINENT = (
    RiskLevel.NONE,
    RiskLevel.LOW,
    RiskLevel.MODERATE,
    RiskLevel.HIGH,
    RiskLevel.IMMINENT,
)
# Exercise answers name objects ("a knife on the table"); naming one there is not access to means.
EXERCISE_STATES = frozenset({"grounding", "breathing"})
# Signals that make a present means of harm an emergency, and those that make it serious.
_INTENT = frozenset({"active_ideation", "plan", "attempt_in_progress", "harm_to_others"})
_DISTRESS = frozenset({"passive_ideation", "hopelessness", "burdensomeness", "self_harm", "self_harm_urge"})
# Past reports of these are a risk factor worth screening; past hopelessness or stress is not.
_HISTORY_WORTHY = frozenset(
    {
        "active_ideation",
        "passive_ideation",
        "plan",
        "means",
        "attempt_in_progress",
        "self_harm",
        "self_harm_urge",
        "abuse",
        "domestic_violence",
        "harm_to_others",
        "sexual_violence",
        "child_abuse",
        "history",
    }
)
# An earlier attempt stays a risk factor even when the person says they are fine now.
_ATTEMPT_SIGNALS = frozenset({"attempt_in_progress", "history"})
# Someone else's emergency is still an emergency: the person may need to call for help now.
_URGENT_FOR_OTHERS = frozenset({"attempt_in_progress"})
# Means said earlier stay at hand: "I've got my dad's pills here", then "I want to die".
_CARRIED = frozenset({"means"})
# "self": about the speaker; "fixed": the wording says who is harmed ("he hits me"), so no re-reading.
_FIXED_SUBJECTS = frozenset({"self", "fixed"})


@dataclass(frozen=True)
class Finding:
    """One match after reading it in context."""

    signal: str
    level: RiskLevel
    rule: str
    matched: str
    origin: str = ""  # the rule's own signal, kept when reading changed `signal`


_LEXICONS = load_packaged()
_normalise = Normaliser(merge_tables(_LEXICONS))
_SETTINGS = compile_settings(_LEXICONS)
_GROUPS: tuple[Group, ...] = tuple(g for lex in _LEXICONS for g in lex.groups)
_WORD = re.compile(r"[a-z]+")


_RULES: tuple[Rule, ...] = tuple(rule for group in _GROUPS for rule in group.rules)
_LITERALS = LiteralIndex([rule.literals for rule in _RULES])
_MODEL = load_packaged_model()
# Readings in which the rules explain risk words away, and re-readings that place them in someone
# else's life or in the past. A rule's `unless` keywords are no such reading: they only say that
# one phrase has a harmless use nearby ("kitchen knife"), and cross-validation showed them vetoing
# real crises ("grabbed a kitchen knife and waiting for my brother to get home").
_HARMLESS_READINGS = frozenset({"denied", "figurative", "recovered", "past_distress", "object_named"})
_CONTEXT_SUFFIXES = ("+mention", "+you", "+third", "+past")
# Fewer normalised words than this give the learned layer too little to go on ("i would rather not say").
_FEWEST_WORDS = 6
# Where the rules have read the words in context: a near-certain crisis only (concern above 1.0 never fires).
_NEAR_CERTAIN = Thresholds(crisis=0.98, concern=1.1)
# The learned layer's findings carry rule ids under this prefix ("model.crisis", "model.concern").
_LEARNED_RULE = "model."


def normalise(text: str) -> str:
    """The canonical form the lexicon patterns are written for (see `flows.risk.normalise`)."""
    return _normalise(text)


def assess(text: str, context: RiskContext | None = None) -> RiskAssessment:
    """Assess one message for risk; `context` is where in the conversation it was said."""
    return _assess(text, context, _MODEL)


def judge_with(model: TextModel | None) -> Callable[[str], RiskAssessment]:
    """`assess` with another learned layer (None: the rules alone), to evaluate one against another."""
    return lambda text: _assess(text, None, model)


def _assess(text: str, context: RiskContext | None, model: TextModel | None) -> RiskAssessment:
    message = Message(_normalise(text), _SETTINGS)
    findings = _dedupe(
        found
        for rule, match in _matches(message.text, context.recent if context else frozenset())
        for found in _with_kinds(_read(rule, match, message), match, message)
    )
    findings = _apply_context(findings, context)
    findings = _apply_recovery(findings, message)
    findings += _model_findings(
        model, message.text, findings, _explained_away(findings), _in_exercise(context)
    )
    return _assessment(findings, context.recent if context else frozenset())


def _matches(text: str, recent: frozenset[str]) -> Iterator[tuple[Rule, re.Match[str]]]:
    """Every rule match, running only the rules whose required literals occur in the text, and the
    rules that read a message in the light of earlier ones only when one of their signals came."""
    for index in _LITERALS.candidates(text):
        rule = _RULES[index]
        if rule.after and not rule.after & recent:
            continue
        yield from ((rule, match) for match in rule.pattern.finditer(text))


def _explained_away(findings: list[Finding]) -> bool:
    """True when the rules have read the risk words in context: as harmless (denied, a joke, a
    mention, an object named in an exercise), or as someone else's or a past that is over; or when
    the person says they are safe and nothing serious was found. The model sees only words, not who
    or when, so it must not overrule such a reading."""
    serious = any(f.level > LOW for f in findings)
    return any(_read_in_context(f) or (f.signal == "says_safe" and not serious) for f in findings)


def _read_in_context(finding: Finding) -> bool:
    return finding.signal in _HARMLESS_READINGS or finding.rule.endswith(_CONTEXT_SUFFIXES)


def _model_findings(
    model: TextModel | None, text: str, findings: list[Finding], explained: bool, exercise: bool
) -> list[Finding]:
    """The learned layer's reading, added only where it raises the rules' level.

    Where the rules have read the risk words in context ("I've never wanted to die, I'm just burnt
    out", "when I was 15", "my brother"), they know more than n-gram weights do; so do they during an
    exercise, where people list objects ("a rope swing, a belt, my tablets"). There only a
    near-certain crisis reading counts. A few words are too little for the model: short messages
    are left to the rules.
    """
    ruled = RiskLevel.highest(*(f.level for f in findings))
    if model is None or ruled >= HIGH or len(_WORD.findall(text)) < _FEWEST_WORDS:
        return []
    thresholds = _NEAR_CERTAIN if explained or exercise else model.thresholds
    found = _model_finding(thresholds, model.probabilities(text))
    return [found] if found and found.level > ruled else []


def _model_finding(thresholds: Thresholds, p: Mapping[str, float]) -> Finding | None:
    if p["crisis"] >= thresholds.crisis:
        return Finding("crisis_language", HIGH, "model.crisis", f"p={p['crisis']:.2f}")
    if p["crisis"] + p["concern"] >= thresholds.concern:
        return Finding("concern_language", MODERATE, "model.concern", f"p={p['crisis'] + p['concern']:.2f}")
    return None


def _in_exercise(context: RiskContext | None) -> bool:
    return context is not None and context.state in EXERCISE_STATES


def _read(rule: Rule, match: re.Match[str], message: Message) -> Finding:
    """What one match means where it stands (level none when it means nothing there)."""
    finding = Finding(rule.signal, rule.level, rule.id, match.group().strip(), rule.signal)
    if rule.unless is not None and rule.unless.search(message.sentence(match.start())):
        return replace(finding, signal="harmless_use", level=NONE, rule=finding.rule + "+unless")
    if rule.level <= LOW:
        return finding  # mentions and everyday distress: nothing to qualify
    if is_mention(message, match.start()):
        return replace(finding, signal="topic", level=LOW, rule=finding.rule + "+mention")
    if rule.negatable and is_negated(message, match):
        return replace(finding, signal="denied", level=NONE, rule=finding.rule + "+denied")
    if rule.tense != "any" and is_past(message, match, event=rule.tense == "event"):
        finding = _as_history(finding)
    finding = _as_person(finding, rule, match, message)
    if rule.hyperbole and finding.level > LOW and is_figurative(message, match.start()):
        return replace(finding, signal="figurative", level=LOW)
    return finding


def _with_kinds(finding: Finding, match: re.Match[str], message: Message) -> list[Finding]:
    """The finding, made imminent when harm to others has a time set, and the kinds it names."""
    pos = match.start()
    if finding.signal == "harm_to_others" and finding.level == HIGH and is_soon(message, pos):
        finding = replace(finding, level=IMMINENT, rule=finding.rule + "+soon")
    kinds = named_kinds(finding.origin, finding.signal, finding.level, message, pos)
    return [
        finding,
        *(
            Finding(kind, level, f"{finding.rule}+{kind}", finding.matched, finding.origin)
            for kind, level in kinds
        ),
    ]


def _as_history(finding: Finding) -> Finding:
    if finding.signal in _HISTORY_WORTHY:
        level = min(finding.level, MODERATE) if finding.level > LOW else finding.level
        return replace(finding, signal="history", level=level, rule=finding.rule + "+past")
    return replace(finding, signal="past_distress", level=LOW, rule=finding.rule + "+past")


def _as_person(finding: Finding, rule: Rule, match: re.Match[str], message: Message) -> Finding:
    """Re-read a finding about someone else, or about a generic "you"."""
    who = Who.SELF if rule.subject in _FIXED_SUBJECTS else _who(rule, match, message)
    if who is Who.SELF:
        return finding
    if who is Who.SECOND:
        return _as_second_person(finding, match, message)
    return _as_third_person(finding, who, match, message)


def _who(rule: Rule, match: re.Match[str], message: Message) -> Who:
    return Who.THIRD if rule.subject == "third" else who_is_meant(message, match)


def _as_second_person(finding: Finding, match: re.Match[str], message: Message) -> Finding:
    # "Do you ever want to die?" asks the bot; "when you want to die every day" may be the person
    # talking about themself in the generic "you", which deserves screening but not alarm.
    if is_question(message, match.start()) or is_education(message, match.start()):
        return replace(finding, signal="topic", level=LOW, rule=finding.rule + "+you")
    return replace(finding, level=min(finding.level, MODERATE), rule=finding.rule + "+you")


def _as_third_person(finding: Finding, who: Who, match: re.Match[str], message: Message) -> Finding:
    rule = finding.rule + "+third"
    pos = match.start()
    if is_education(message, pos) or (who is Who.INDEFINITE and is_general_question(message, pos)):
        return replace(finding, signal="topic", level=LOW, rule=rule)
    if finding.signal == "medical_emergency":
        return replace(finding, rule=rule)  # someone with them needs an ambulance: the same emergency
    if finding.signal in _URGENT_FOR_OTHERS and finding.level >= IMMINENT:
        return replace(finding, signal="third_party_concern", rule=rule)
    level = MODERATE if finding.level >= MODERATE else finding.level
    return replace(finding, signal="third_party_concern", level=level, rule=rule)


def _apply_context(findings: list[Finding], context: RiskContext | None) -> list[Finding]:
    """During an exercise, naming an object is not having means; nothing else is discounted."""
    if not _in_exercise(context):
        return findings
    serious = [f for f in findings if f.level > LOW]
    if not serious or any(f.signal != "means" for f in serious):
        return findings
    return [replace(f, signal="object_named", level=LOW) if f.level > LOW else f for f in findings]


def _apply_recovery(findings: list[Finding], message: Message) -> list[Finding]:
    """Past self-harm or ideation the person says is over is not current risk; an attempt still is."""
    serious = [f for f in findings if f.level > LOW]
    if not serious or not all(_is_history(f) for f in serious):
        return findings
    if any(f.origin in _ATTEMPT_SIGNALS for f in serious) or not has_recovered(message):
        return findings
    return [replace(f, signal="recovered", level=LOW) if f.level > LOW else f for f in findings]


def _is_history(finding: Finding) -> bool:
    """Something over: the person's own past, or a past someone else had ("my friend used to...")."""
    return finding.signal == "history" or "+past+" in finding.rule


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    seen: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = (finding.signal, finding.rule)
        if key not in seen or finding.level > seen[key].level:
            seen[key] = finding
    return list(seen.values())


def _assessment(findings: list[Finding], recent: frozenset[str]) -> RiskAssessment:
    """Signals are those that carry the level: low ones are listed only when nothing serious fired.

    Readings at level none (a denial, a rule's harmless context, "I'm safe") served to keep the
    learned layer out; they are not evidence of risk, so staff do not see them.
    """
    findings = [f for f in findings if f.level > NONE]
    serious = [f for f in findings if f.level > LOW]
    signals = frozenset(f.signal for f in serious or findings)
    level = _combined_level(findings, signals | (recent & _CARRIED))
    evidence = tuple(Evidence(f.signal, f.rule, f.matched) for f in findings)
    ruled = [f for f in findings if not f.rule.startswith(_LEARNED_RULE)]
    ruled_level = _combined_level(ruled, frozenset(f.signal for f in ruled if f.level > LOW))
    return RiskAssessment(level=level, signals=signals, evidence=evidence, ruled=ruled_level)


def _combined_level(findings: list[Finding], signals: frozenset[str]) -> RiskLevel:
    """The highest single level, raised when means of harm meet intent or despair."""
    level = RiskLevel.highest(*(f.level for f in findings))
    if "means" not in signals:
        return level
    if signals & _INTENT or any(f.signal == "self_harm" and f.level >= HIGH for f in findings):
        return IMMINENT
    if signals & _DISTRESS:
        return max(level, HIGH)
    return level
