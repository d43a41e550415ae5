"""Loading the rule lexicons (TOML data files, a folder per language) and compiling them once.

Each language folder (`flows/risk/lexicons/en/`, `es/`...) holds one file per signal, named after it
(`means.toml` holds every rule whose signal is "means"), so that a clinician reviews one signal in one
place; `language.toml` holds the knowledge the detector needs to read a match in context (negation
words, tense markers, subjects, figurative-speech cues) and `normalise.toml` the normalisation tables.
Adding a language means adding a folder; every file found is loaded and merged, so `assess` needs no
language parameter.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from flows.risk.levels import RiskLevel
from flows.risk.literals import Literals, required_literals
from flows.risk.normalise import NormaliseTables

_MACRO = re.compile(r"<([a-z_]+)>")
# Long alternations are laid out over several TOML lines; the line breaks (and the indentation after
# them) are layout, not part of the pattern. Spaces inside a line are literal: the text has one space
# between words after normalisation.
_LINE_BREAK = re.compile(r"[ \t]*\n\s*")
_MACRO_DEPTH = 6  # macros may use macros; this bounds the expansion and catches cycles
_WORDS_IN_PATTERN = re.compile(r"(?<![\\?])\b[a-z]{2,}\b")
_ESCAPE = re.compile(r"\\[a-zA-Z]")
_NEVER = re.compile(r"(?!x)x")  # a pattern that matches nothing, for absent settings
TENSES = frozenset({"present", "event", "any"})
SUBJECTS = frozenset({"auto", "self", "third", "fixed"})
# Every regex setting a lexicon may provide: section -> keys. Missing keys match nothing.
SETTINGS: Mapping[str, tuple[str, ...]] = {
    "syntax": ("clause_break", "question"),
    "negation": ("after",),
    "tense": ("distant_past", "recent", "ongoing", "past_verb", "recovery"),
    "subject": (
        "first",
        "third",
        "indefinite",
        "second",
        "first_reflexive",
        "third_reflexive",
        "second_reflexive",
        "third_verb",
    ),
    "figurative": ("joke", "trivial", "boredom", "earnest", "education", "help_question", "mention"),
    # Cues that name the kind of an emergency a rule found (see flows/risk/kinds.py); each is kept in
    # the file of the signal it names, beside that signal's rules.
    "kinds": ("medical", "partner", "sexual", "child", "soon"),
}


@dataclass(frozen=True)
class Rule:
    """One phrase pattern: what it signals, how strongly, and how context may change its reading."""

    id: str
    signal: str
    level: RiskLevel
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None = None  # harmless readings, searched in the match's sentence
    negatable: bool = True  # False when the pattern already contains its own negation
    tense: str = "present"  # present: past -> history; event: only distant past; any: no change
    subject: str = "auto"  # auto: find who it is about; self/third: fixed by the wording
    hyperbole: bool = False  # common as exaggeration ("this class, I want to die lol")
    literals: Literals = None  # every match contains one of these (see flows/risk/literals.py)
    after: frozenset[str] = frozenset()  # when set: read only after one of these signals earlier on


@dataclass(frozen=True)
class Group:
    """Rules kept together in a lexicon file: one kind of language, such as plans or abuse."""

    id: str
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Lexicon:
    """Everything loaded from one language file, with macros already expanded."""

    language: str
    groups: tuple[Group, ...]
    settings: Mapping[str, str]  # "section.key" -> regex source
    negators: frozenset[str]
    transparent: frozenset[str]
    tables: NormaliseTables


def load_packaged() -> tuple[Lexicon, ...]:
    """Load every lexicon shipped in `flows/risk/lexicons/<language>/*.toml`, in name order."""
    return tuple(parse_lexicon(tomllib.loads(f.read_text(encoding="utf-8"))) for f in packaged_files())


def packaged_files() -> list[Traversable]:
    """The lexicon files, language folder by language folder, each folder in name order."""
    root = resources.files("flows.risk").joinpath("lexicons")
    folders = sorted((f for f in root.iterdir() if f.is_dir() and not f.name.startswith("_")), key=_name)
    return [f for folder in folders for f in sorted(folder.iterdir(), key=_name) if f.name.endswith(".toml")]


def _name(item: Traversable) -> str:
    return item.name


def parse_lexicon(data: Mapping[str, Any]) -> Lexicon:
    """Build a Lexicon from parsed TOML; raises ValueError on a malformed rule."""
    language = str(data["language"])
    macros = {str(k): _LINE_BREAK.sub("", str(v)) for k, v in data.get("macros", {}).items()}
    expand = _expander(macros)
    negation = data.get("negation", {})
    return Lexicon(
        language=language,
        groups=tuple(_group(language, g, expand) for g in data.get("group", [])),
        settings=_settings(data, expand),
        negators=frozenset(negation.get("negators", [])),
        transparent=frozenset(negation.get("transparent", [])),
        tables=_tables(data.get("normalise", {}), expand),
    )


def merge_setting(lexicons: Iterable[Lexicon], name: str) -> re.Pattern[str]:
    """One compiled alternation of a setting ("tense.recent") across all lexicons."""
    sources = [lex.settings[name] for lex in lexicons if name in lex.settings]
    if not sources:
        return _NEVER
    return re.compile("|".join(f"(?:{s})" for s in sources))


def merge_tables(lexicons: Iterable[Lexicon]) -> NormaliseTables:
    """Union of the normalisation tables; vocabulary also takes every word used in a pattern."""
    lexicons = tuple(lexicons)
    slang: dict[str, str] = {}
    emoji: dict[str, str] = {}
    phrases: list[tuple[re.Pattern[str], str]] = []
    vocabulary: set[str] = set()
    for lex in lexicons:
        slang.update(lex.tables.slang)
        emoji.update(lex.tables.emoji)
        phrases.extend(lex.tables.phrases)
        vocabulary |= lex.tables.vocabulary | _pattern_words(lex)
    for value in slang.values():
        vocabulary.update(value.split())
    return NormaliseTables(slang, tuple(phrases), emoji, frozenset(vocabulary))


def _expander(macros: Mapping[str, str]) -> Any:
    def expand(source: str) -> str:
        source = _LINE_BREAK.sub("", source)
        for _ in range(_MACRO_DEPTH):
            if not _MACRO.search(source):
                return source
            source = _MACRO.sub(lambda m: _macro(macros, m.group(1)), source)
        raise ValueError(f"macro expansion too deep in {source[:60]!r}")

    return expand


def _macro(macros: Mapping[str, str], name: str) -> str:
    if name not in macros:
        raise ValueError(f"unknown macro <{name}>")
    return f"(?:{macros[name]})"


def _group(language: str, data: Mapping[str, Any], expand: Any) -> Group:
    group_id = f"{language}.{data['id']}"
    rules = tuple(_rule(group_id, r, expand) for r in data.get("rule", []))
    return Group(group_id, rules)


def _rule(group_id: str, data: Mapping[str, Any], expand: Any) -> Rule:
    rule_id = f"{group_id}.{data['id']}"
    tense = str(data.get("tense", "present"))
    subject = str(data.get("subject", "auto"))
    if tense not in TENSES or subject not in SUBJECTS:
        raise ValueError(f"{rule_id}: bad tense {tense!r} or subject {subject!r}")
    unless = data.get("unless")
    pattern = _compile(rule_id, expand(str(data["pattern"])))
    return Rule(
        id=rule_id,
        signal=str(data["signal"]),
        level=RiskLevel(str(data["level"])),
        pattern=pattern,
        literals=required_literals(pattern),
        unless=_compile(rule_id, expand(str(unless))) if unless else None,
        negatable=bool(data.get("negatable", True)),
        tense=tense,
        subject=subject,
        hyperbole=bool(data.get("hyperbole", False)),
        after=frozenset(str(signal) for signal in data.get("after", [])),
    )


def _compile(rule_id: str, source: str) -> re.Pattern[str]:
    try:
        return re.compile(source)
    except re.error as error:
        raise ValueError(f"{rule_id}: {error}") from error


def _settings(data: Mapping[str, Any], expand: Any) -> dict[str, str]:
    """Each setting is a regex, or a list of them (alternatives, each with its own comment)."""
    found: dict[str, str] = {}
    for section, keys in SETTINGS.items():
        for key in keys:
            value = data.get(section, {}).get(key)
            if isinstance(value, list):
                value = "|".join(f"(?:{expand(str(v))})" for v in value)
            elif value:
                value = expand(str(value))
            if value:
                found[f"{section}.{key}"] = value
    return found


def _tables(data: Mapping[str, Any], expand: Any) -> NormaliseTables:
    phrases = tuple(
        (re.compile(expand(str(p["pattern"]))), str(p["replace"])) for p in data.get("phrase", [])
    )
    return NormaliseTables(
        slang={str(k): str(v) for k, v in data.get("slang", {}).items()},
        phrases=phrases,
        emoji={str(k): str(v) for k, v in data.get("emoji", {}).items()},
        vocabulary=frozenset(str(w) for w in data.get("vocabulary", [])),
    )


def _pattern_words(lexicon: Lexicon) -> set[str]:
    """Plain words written in rule patterns: the spellings that stretched letters squeeze back to."""
    words: set[str] = set()
    for group in lexicon.groups:
        for rule in group.rules:
            words.update(_WORDS_IN_PATTERN.findall(_ESCAPE.sub(" ", rule.pattern.pattern)))
    return words
