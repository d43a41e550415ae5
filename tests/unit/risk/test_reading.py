"""How the detector reads words: spelling, negation, tense, who is meant, figurative speech, Spanish."""

from __future__ import annotations

import pytest

from flows.risk import RiskLevel, assess
from flows.risk.detector import normalise

HIGH, MODERATE, LOW = RiskLevel.HIGH, RiskLevel.MODERATE, RiskLevel.LOW


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("I\u2019m gonna kms fr", "i am going to kill myself for real"),
        ("I WANT 2 DIEEE", "i want to die"),
        ("i dont wanna be alive", "i do not want to be alive"),
        ("can\u2019t", "can not"),
        ("k1ll myself", "kill myself"),
        ("k!ll my self", "kill myself"),
        ("self-harm", "self harm"),
        ("💊 and 🔪", "pills and knife"),
        ("Tomé muchas pastillas", "tome muchas pastillas"),
        ("took 20mg", "took 20mg"),
        ("sh again last night", "self harm again last night"),
        ("Shhh, don't spoil it", "hush, do not spoil it"),
        ("shhhhh it's ok", "hush it is ok"),
        ("i was sa'd last week", "i was sexually assaulted last week"),
    ],
)
def test_normalisation(raw, canonical):
    assert normalise(raw) == canonical


@pytest.mark.parametrize(
    "text",
    [
        "i want to kms",
        "I WANT TO KILL MYSELF",
        "i want to k1ll myself",
        "I\u2019m going to kill myself",
        "i wanna unalive myself",
        "gonna off myself",
        "i want to ctb",
        "want to diiiie",
    ],
)
def test_spellings_and_slang_are_high(text):
    assert assess(text).level >= HIGH


@pytest.mark.parametrize(
    "text",
    [
        "I'm not suicidal",
        "I would never kill myself",
        "I have never wanted to die",
        "I don't want to hurt myself",
        "suicidal? no",
        "I'm not going to kill myself, I promise",
    ],
)
def test_negation_removes_the_signal(text):
    assert assess(text).level <= LOW


@pytest.mark.parametrize(
    "text",
    [
        "not going to lie, I want to die",
        "no one understands me and I want to die",
        "I'm not ok, I want to kill myself",
        "I don't know why but I want to die",
    ],
)
def test_a_negator_elsewhere_does_not_cancel(text):
    assert assess(text).level >= HIGH


def test_past_is_history_and_present_is_not():
    past = assess("I wanted to die when I was 15")
    assert past.level == MODERATE and past.signals == {"history"}
    assert assess("I tried to kill myself last year").level == MODERATE
    assert assess("I want to die again, like when I was 15").level >= HIGH
    assert assess("I just tried to kill myself").level >= HIGH


def test_recovery_lowers_past_self_harm_but_not_a_past_attempt():
    assert assess("I used to cut years ago but I've been clean for 3 years").level <= LOW
    assert assess("I attempted suicide years ago but I'm fine now").level == MODERATE


@pytest.mark.parametrize(
    "text",
    [
        "my best friend keeps saying she wants to die",
        "my brother wants to kill himself",
        "my son posted that he wants to end it all",
        "mi amiga dice que se quiere morir",
    ],
)
def test_someone_else_at_risk_is_third_party_concern(text):
    result = assess(text)
    assert result.level == MODERATE
    assert result.signals == {"third_party_concern"}


def test_someone_else_in_danger_now_stays_imminent():
    result = assess("my friend took pills and won't wake up")
    assert result.level == RiskLevel.IMMINENT
    assert "third_party_concern" in result.signals


@pytest.mark.parametrize(
    "text",
    [
        "What are the warning signs of suicide?",
        "How can I help a friend who self harms?",
        "Do you ever want to die?",
        "what does kms mean?",
    ],
)
def test_questions_and_mentions_are_low(text):
    assert assess(text).level <= LOW


@pytest.mark.parametrize(
    "text",
    [
        "this exam is killing me",
        "I'm dying to see it",
        "my phone is dying",
        "I killed it at work",
        "I'd die for pizza",
        "dead inside lol",
        "he murdered that song",
        "I'm going to kill my presentation",
        "this meeting is so boring I want to die lol",
        "this heat is going to kill me lol",
    ],
)
def test_figurative_speech_is_low(text):
    assert assess(text).level <= LOW


def test_figurative_softening_needs_a_trivial_subject():
    assert assess("I want to die lol").level >= HIGH
    assert assess("this homework makes me want to die lol").level <= LOW


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("me quiero morir", HIGH),
        ("quiero matarme", HIGH),
        ("me voy a suicidar", HIGH),
        ("me voy a quitar la vida", HIGH),
        ("tomé muchas pastillas", RiskLevel.IMMINENT),
        ("quiero hacerme daño", HIGH),
        ("me estoy cortando", HIGH),
        ("no quiero vivir", MODERATE),
        ("ya no aguanto más", MODERATE),
        ("soy una carga", MODERATE),
        ("no me quiero morir", RiskLevel.NONE),
        ("me muero de risa", RiskLevel.NONE),
    ],
)
def test_spanish(text, level):
    result = assess(text)
    assert result.level >= level if level >= MODERATE else result.level <= LOW


@pytest.mark.parametrize("text", ["I do odd jobs", "that's odd", "odd, i thought he left", "ODD"])
def test_odd_is_not_an_overdose(text):
    assert assess(text).level <= LOW


@pytest.mark.parametrize(
    "text", ["i od'd last night", "I OD'd on my meds", "i ODed", "i think im overdosing"]
)
def test_od_spelled_out_is_an_overdose(text):
    assert "attempt_in_progress" in assess(text).signals


@pytest.mark.parametrize("text", ["took them all, like 30, feel weird", "I swallowed them all an hour ago"])
def test_them_after_the_verb_is_what_was_taken_not_who_took_it(text):
    assert "third_party_concern" not in assess(text).signals
    assert assess(text).level == RiskLevel.IMMINENT
