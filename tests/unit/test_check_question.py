"""Where only the learned layer reads a crisis, the bot asks directly; the answer decides, never the model."""

import pytest

from flows.answers import Answer
from flows.check import Reading, read_answer
from flows.events import CaseOpened
from flows.intents import Escalate
from flows.risk import assess
from flows.risk.levels import RiskLevel
from tests.transcript import Transcript, at_menu, consented

# The model reads these as a crisis; no rule has explicit evidence of one.
MODEL_ONLY = "I have written letters to everyone and given my things away"
MODEL_ONLY_ES = "ya escribí cartas para todos y regalé mis cosas"
QUESTION = "are you having thoughts of ending your life?"


def escalations(chat: Transcript) -> list[Escalate]:
    return [intent for intent in chat.intents if isinstance(intent, Escalate)]


def test_the_example_is_read_as_a_crisis_by_the_model_alone():
    reading = assess(MODEL_ONLY)
    assert reading.level == RiskLevel.HIGH and reading.to_confirm
    assert reading.acted_level == RiskLevel.MODERATE


def test_an_explicit_rule_signal_still_pages_at_once():
    reading = assess("I want to kill myself tonight")
    assert not reading.to_confirm
    chat = at_menu().person("I want to kill myself tonight")
    assert escalations(chat)
    chat.bot_never_says(QUESTION)


def test_a_model_only_reading_asks_directly_and_pages_no_one():
    chat = consented().person(MODEL_ONLY).bot_in("checkin.story").bot_says(QUESTION)
    chat.bot_offers("Yes", "No", "I'm not sure")
    assert escalations(chat) == []
    assert chat.conversation.risk_level == RiskLevel.MODERATE


def test_yes_gets_the_lines_and_a_person_then_the_questions():
    chat = consented().person(MODEL_ONLY)
    chat.person("yeah, kind of").bot_in("screening.offer").bot_says("116 123", "asking our team for a person")
    (escalation,) = escalations(chat)
    assert escalation.level == RiskLevel.HIGH
    assert chat.conversation.risk_level == RiskLevel.HIGH


def test_no_carries_on_where_they_were_and_the_model_alone_asks_no_more():
    chat = consented().person(MODEL_ONLY)
    chat.person("no no, I'm ok, just sorting my flat").bot_in("checkin.story")
    chat.bot_says("carry on where we were")
    assert escalations(chat) == []
    chat.person(MODEL_ONLY).bot_never_says(QUESTION)
    assert escalations(chat) == []
    assert chat.conversation.risk_level == RiskLevel.MODERATE


def test_an_unclear_answer_is_asked_kindly_once_more_then_the_questions_follow():
    chat = consented().person(MODEL_ONLY)
    chat.person("what do you mean").bot_in("checkin.story").bot_says("in your own words")
    chat.person("why are you asking me that").bot_in("screening.offer").bot_says("a few gentle questions")
    assert escalations(chat) == []


def test_not_sure_leads_to_the_screening_questions():
    chat = consented().person(MODEL_ONLY)
    chat.person("idk honestly").bot_in("screening.offer")
    chat.person("ok").bot_in("screening.wish_dead")


def test_an_answer_with_the_rules_evidence_of_risk_is_a_yes():
    chat = consented().person(MODEL_ONLY)
    chat.person("no... but I do wish I could go to sleep and not wake up").bot_in("screening.offer")
    assert len(escalations(chat)) == 1


def test_an_answer_the_rules_read_as_a_crisis_pages_at_once():
    chat = consented().person(MODEL_ONLY)
    chat.person("yes, I'm going to kill myself tonight")
    assert escalations(chat)[0].level >= RiskLevel.HIGH
    assert chat.conversation.pending == ""


def test_sos_while_asked_goes_to_the_screening():
    chat = consented().person(MODEL_ONLY)
    chat.person("/sos").bot_in("screening.offer").bot_says("116 123")
    chat.person("yes").bot_in("screening.wish_dead")


def test_spanish_answers_are_understood():
    # Written in Spanish: a whole message in English would switch the chat back to English.
    chat = consented().person("/language").press("language_es").person(MODEL_ONLY_ES)
    chat.bot_says("¿estás teniendo pensamientos de quitarte la vida?")
    chat.person("no, para nada").bot_in("checkin.story").bot_says("Sigamos donde estábamos")


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("Yes", Reading.YES),
        ("yeah sometimes", Reading.YES),
        ("honestly yes, every day", Reading.YES),
        ("no", Reading.NO),
        ("nope, not at all", Reading.NO),
        ("not really, I'm fine", Reading.NO),
        ("I'm not, I promise", Reading.NO),
        ("idk", Reading.UNSURE),
        ("maybe? not sure", Reading.UNSURE),
        ("no... well yes sometimes", Reading.UNSURE),
        ("what is this", Reading.UNCLEAR),
        ("🙂", Reading.UNCLEAR),
    ],
)
def test_free_text_answers_are_read_in_any_phrasing(text, reading):
    assert read_answer(Answer(text), "en") == reading


@pytest.mark.parametrize(
    ("text", "reading"),
    [("sí, a veces", Reading.YES), ("no, estoy bien", Reading.NO), ("no sé", Reading.UNSURE)],
)
def test_spanish_free_text_answers(text, reading):
    assert read_answer(Answer(text), "es") == reading


def test_while_a_case_is_open_the_team_reads_it_and_no_question_interrupts():
    chat = at_menu().person("I want to end my life").event(CaseOpened(1))
    assert chat.conversation.case_status
    chat.person(MODEL_ONLY).bot_never_says(QUESTION)
    assert chat.conversation.pending == ""
