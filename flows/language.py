"""Which language a person writes in: from their first words, the channel's locale, and clear switches.

A small detector counts each language's common words (`detection.words` in its `intents.toml`),
ignoring words two languages share; Spanish punctuation and letters count too. Short answers such
as "ok" or "sí" never switch a conversation: only a message that is clearly in another language.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from flows.content import available_languages, content_for
from flows.conversation import FIRST_STATE
from flows.events import Edited, Event, Text
from flows.turn import Turn
from flows.understanding import plain_words

# Marks only Spanish uses among the languages we speak: they count as one common word.
_MARKS = {"es": frozenset("¿¡ñáéíóú")}
# A conversation under way switches only on this many common words, with few of its own language.
SWITCH_AT = 3
CLEAR_MARGIN = 3  # ... and at least three times as many as its own language's


def language_of_locale(locale: str | None) -> str | None:
    """`es-MX` or `es_ES` -> `es`, when we speak it."""
    code = (locale or "").replace("_", "-").partition("-")[0].lower()
    return code if code in available_languages() else None


def first_language(text: str, prior: str) -> str:
    """The language of a first message: the clear winner among the counts, else the prior."""
    counts = word_counts(text)
    ranked = counts.most_common(2)
    if ranked and ranked[0][1] > 0 and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
        return ranked[0][0]
    return prior


def switched_language(text: str, current: str) -> str | None:
    """Another language, when the message is clearly written in it and not in `current`."""
    counts = word_counts(text)
    best = next(iter(counts.most_common(1)), None)
    if best is None or best[0] == current or best[1] < SWITCH_AT:
        return None
    return best[0] if best[1] >= CLEAR_MARGIN * counts[current] else None


def word_counts(text: str) -> Counter[str]:
    words = plain_words(text)
    counts: Counter[str] = Counter()
    for code, own in _own_words().items():
        counts[code] = sum(1 for word in words if word in own)
        counts[code] += 1 if _MARKS.get(code, frozenset()) & set(text.lower()) else 0
    return +counts


@cache
def _own_words() -> dict[str, frozenset[str]]:
    """Each language's common words, without those another language shares."""
    lists = {code: _detection_words(code) for code in available_languages()}
    return {
        code: words - frozenset().union(*(other for name, other in lists.items() if name != code))
        for code, words in lists.items()
    }


def _detection_words(code: str) -> frozenset[str]:
    phrases = content_for(code).words("detection.words")
    return frozenset(word for phrase in phrases for word in plain_words(phrase))


def adopt_language(turn: Turn, event: Event) -> None:
    """Speak the person's language: from their first words (the locale as the prior), then whenever
    they clearly switch. Only the words of the replies change; the risk gate reads every language."""
    conversation = turn.conversation
    text = event.text if isinstance(event, Text | Edited) else ""
    if conversation.state == FIRST_STATE and not conversation.step and not conversation.consented:
        prior = language_of_locale(turn.locale) or conversation.language
        conversation.language = first_language(text, prior) if text else prior
    elif text:
        conversation.language = switched_language(text, conversation.language) or conversation.language
