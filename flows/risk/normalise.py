"""Text normalisation: turn chat spelling into one canonical form the lexicon patterns are written for.

The canonical form is lowercase ASCII-ish text without diacritics, with straight apostrophes removed
after contractions are expanded ("I'm" -> "i am", "don't" -> "do not"), slang spelled out ("kms" ->
"kill myself"), leetspeak undone inside words ("k1ll" -> "kill") and stretched letters squeezed back
to a known word ("diieee" -> "die"). Patterns can therefore be written once, in plain words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import product

from flows.risk.literals import LiteralIndex, required_literals

# Curly and typographic quotes people's phones insert; all become the straight apostrophe.
_QUOTES = str.maketrans(
    {
        "\u2019": "'",
        "\u2018": "'",
        "\u201b": "'",
        "\u02bc": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
    }
)
# Invisible characters that would split words (zero-width joiners, variation selectors, soft hyphen).
_INVISIBLE = re.compile("[\u200b-\u200d\u2060\ufe0e\ufe0f\u00ad]")
_HYPHEN_IN_WORD = re.compile(r"(?<=[a-z])[-_/](?=[a-z])")
_TOKEN = re.compile(r"[a-z0-9@$*']+")
_SPACES = re.compile(r"\s+")
_RUN = re.compile(r"([a-z])\1+")
_LETTER = re.compile(r"[a-z]")
# Numbers with a unit or ordinal keep their digits: "10pm", "20mg", "2nd" are not leetspeak.
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|s|am|pm|mg|ml|g|kg|k|x|h|hr|hrs|min|mins|yo|y|m|km|mi|lb|lbs|ish|mcg)?"
)
_LEET = str.maketrans({"3": "e", "1": "i", "0": "o", "4": "a", "@": "a", "$": "s", "5": "s", "7": "t"})
_LEET_CHARS = frozenset("3104@$57")
# Contraction endings, applied after the whole-word table so "can't"/"won't" get their own entries.
_SUFFIXES = (
    ("n't", " not"),
    ("'re", " are"),
    ("'ve", " have"),
    ("'ll", " will"),
    ("'d", " would"),
    ("'m", " am"),
)
_MAX_RUNS = 5  # beyond this many repeated-letter runs, trying every spelling costs more than it saves


@dataclass(frozen=True)
class NormaliseTables:
    """Language data for normalisation, merged from every loaded lexicon."""

    slang: Mapping[str, str] = field(default_factory=dict)
    phrases: tuple[tuple[re.Pattern[str], str], ...] = ()
    emoji: Mapping[str, str] = field(default_factory=dict)
    vocabulary: frozenset[str] = frozenset()


class Normaliser:
    """Callable that normalises one message; per-token work is cached, so repeated words are cheap."""

    def __init__(self, tables: NormaliseTables) -> None:
        self._tables = tables
        self._emoji = _alternation(tables.emoji) if tables.emoji else None
        self._phrase_index = LiteralIndex([required_literals(pattern) for pattern, _ in tables.phrases])
        self._token = lru_cache(maxsize=50_000)(self._normalise_token)
        self._censored = lru_cache(maxsize=4_096)(self._uncensor)

    def __call__(self, text: str) -> str:
        """Return the canonical form of `text` (see the module docstring)."""
        text = _INVISIBLE.sub("", text)
        if self._emoji is not None:
            text = self._emoji.sub(lambda m: f" {self._tables.emoji[m.group()]} ", text)
        text = strip_diacritics(text).lower().translate(_QUOTES)
        text = _HYPHEN_IN_WORD.sub(" ", text)
        text = _TOKEN.sub(lambda m: self._token(m.group()), text)
        return _SPACES.sub(" ", self._rewrite_phrases(text)).strip()

    def _rewrite_phrases(self, text: str) -> str:
        """Apply the phrase rewrites in order, skipping those whose required literals are absent."""
        pending = self._phrase_index.candidates(text)
        while pending:
            index = pending.pop(0)
            pattern, replacement = self._tables.phrases[index]
            rewritten = pattern.sub(replacement, text)
            if rewritten != text:  # a rewrite can bring in a later phrase's literals
                text = rewritten
                pending = [i for i in self._phrase_index.candidates(text) if i > index]
        return text

    def _normalise_token(self, token: str) -> str:
        token = token.strip("'")
        slang = self._tables.slang
        if token in slang:
            return slang[token]
        token = self._squeeze(undo_leetspeak(token.lstrip("@")))
        if token in slang:
            return slang[token]
        if "'" in token:
            return _expand_contraction(token)
        if "*" in token:
            return self._censored(token)
        return token

    def _squeeze(self, token: str) -> str:
        """Squeeze stretched letters to a known word ("sooo" -> "so", "kiiilll" -> "kill")."""
        vocabulary = self._tables.vocabulary
        if token in vocabulary:
            return token
        if token.endswith("in") and token + "g" in vocabulary:  # dropped g: "thinkin", "killin"
            return token + "g"
        runs = list(_RUN.finditer(token))
        if not any(len(run.group()) > 2 for run in runs):
            return token  # plain double letters are spelling ("see", "too"), not stretching
        for candidate in _spellings(token, runs):
            if candidate in vocabulary:
                return candidate
        # Unknown word: a letter written three or more times is emphasis, never spelling.
        return re.sub(r"([a-z])\1{2,}", r"\1", token)

    def _uncensor(self, token: str) -> str:
        """Read a censored word ("k*ll", "su*cide") as the first vocabulary word it can stand for."""
        parts = [re.escape(p) for p in token.split("*")]
        pattern = re.compile("[a-z]{1,2}".join(parts))
        for word in sorted(self._tables.vocabulary):
            if pattern.fullmatch(word):
                return word
        return token.replace("*", "")


def strip_diacritics(text: str) -> str:
    """Remove accents ("está" -> "esta") and fold compatibility forms (full-width letters)."""
    if text.isascii():  # most messages: nothing to fold, and this was 5% of an assessment
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def undo_leetspeak(token: str) -> str:
    """Turn digits and symbols back into letters inside words; bare numbers stay numbers."""
    if not _LETTER.search(token) or _LEET_CHARS.isdisjoint(token):
        return token
    if _NUMBER_WITH_UNIT.fullmatch(token):
        return token
    return token.translate(_LEET)


def _spellings(token: str, runs: list[re.Match[str]]) -> Iterable[str]:
    """Every spelling with each run of repeated letters written twice or once (doubles first)."""
    if len(runs) > _MAX_RUNS:
        return
    for widths in product((2, 1), repeat=len(runs)):
        pieces: list[str] = []
        last = 0
        for run, width in zip(runs, widths, strict=True):
            pieces.append(token[last : run.start()] + run.group(1) * width)
            last = run.end()
        yield "".join(pieces) + token[last:]


def _expand_contraction(token: str) -> str:
    for suffix, replacement in _SUFFIXES:
        if token.endswith(suffix):
            return token[: -len(suffix)] + replacement
    # Possessive or unknown apostrophe: "mom's" -> "moms" keeps the word searchable.
    return token.replace("'", "")


def _alternation(keys: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(keys, key=len, reverse=True)  # longest first so multi-codepoint emoji win
    return re.compile("|".join(re.escape(k) for k in ordered))
