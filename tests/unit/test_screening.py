"""Risk interrupts any flow: the lines come first, a person is asked for, and screening follows."""

import pytest

from flows.intents import Escalate
from flows.risk.levels import RiskLevel
from flows.states.screening import next_question, triage
from tests.transcript import Transcript, at_menu, consented


def escalations(chat: Transcript) -> list[Escalate]:
    return [intent for intent in chat.intents if isinstance(intent, Escalate)]


def test_an_attempt_in_progress_gets_the_emergency_number_in_the_very_first_reply():
    chat = at_menu().person("grounding").person("senses")
    chat.person("I took a whole pack of pills").bot_in("screening.safe_now")
    first = chat.replies[0].text
    assert "999" in first and "116 123" in first
    (escalation,) = escalations(chat)
    assert escalation.level == RiskLevel.IMMINENT
    chat.bot_says("Are you safe right now?").bot_offers("I'm safe right now", "I'm not safe")


def test_someone_who_is_not_safe_is_told_what_to_do_and_the_bot_stays():
    chat = at_menu().person("I'm standing on the bridge and I'm going to jump").bot_in("screening.safe_now")
    chat.person("I'm not safe").bot_says("call 999", "staying here with you").bot_in("screening.safe_now")
    chat.person("Help me calm down first").bot_in("grounding.choose")


def test_high_risk_mid_exercise_gives_lines_and_a_person_then_offers_the_questions():
    chat = at_menu().person("breathing").person("box").person("ready")
    chat.person("honestly i just want to kill myself").bot_in("screening.offer")
    assert "116 123" in chat.replies[0].text
    chat.bot_says("asking our team for a person")
    (escalation,) = escalations(chat)
    assert escalation.level == RiskLevel.HIGH
    assert escalation.evidence


def test_replies_never_repeat_the_method_a_person_names():
    chat = at_menu().person("I'm going to hang myself tonight")
    chat.bot_never_says("hang")


def test_moderate_signal_in_the_check_in_starts_the_screening():
    chat = consented().person("I feel like such a burden to everyone").bot_in("screening.offer")
    chat.bot_says("direct questions", "safe")
    assert escalations(chat) == []


def test_a_high_distress_rating_starts_the_screening():
    consented().person("awful").person("9").bot_in("screening.offer")


def test_sos_gives_lines_and_offers_the_questions():
    at_menu().person("/sos").bot_says("116 123").bot_in("screening.offer")


def test_the_full_screener_ends_high_with_a_plan():
    chat = at_menu().person("/sos").person("Yes, you can ask").bot_in("screening.wish_dead")
    chat.person("yes").bot_in("screening.thoughts")
    chat.person("yes").bot_in("screening.how")
    chat.person("I'm not sure").bot_in("screening.intent")
    chat.person("no").bot_in("screening.plan")
    chat.person("yes").bot_in("screening.behaviour")
    chat.person("no").bot_in("menu").bot_says("Thank you for being so honest", "116 123")
    (escalation,) = escalations(chat)
    assert escalation.level == RiskLevel.HIGH
    assert "plan:yes" in escalation.summary
    assert chat.conversation.risk_level == RiskLevel.HIGH


def test_no_thoughts_of_suicide_skips_to_the_behaviour_question():
    chat = at_menu().person("/sos").person("ok").person("no").person("no").bot_in("screening.behaviour")
    chat.person("no").bot_in("menu")
    assert escalations(chat) == []
    assert chat.conversation.risk_level == RiskLevel.NONE


def test_behaviour_long_ago_is_moderate_and_offers_support_without_paging():
    chat = at_menu().person("/sos").person("ok").person("no").person("no")
    chat.person("yes").bot_in("screening.recent").person("no").bot_in("menu")
    chat.bot_says("You don't have to carry this alone")
    assert escalations(chat) == []
    assert chat.conversation.risk_level == RiskLevel.MODERATE


def test_declining_after_a_high_signal_still_asks_for_a_person():
    chat = at_menu().person("I want to end my life").bot_in("screening.offer")
    chat.person("I'd rather not").bot_in("menu").bot_says("asked our team for a person")
    assert len(escalations(chat)) == 1


def test_declining_after_a_moderate_signal_gives_the_lines_without_paging():
    chat = (
        consented().person("there's no point to anything anymore, I feel hopeless").bot_in("screening.offer")
    )
    chat.person("no").bot_in("menu").bot_says("don't have to answer")
    assert escalations(chat) == []


def test_worry_for_someone_else_gets_guidance_for_helping_them_and_keeps_the_place():
    chat = consented().person("my best friend keeps saying she wants to die")
    chat.bot_says("worried about someone", "ask them directly").bot_in("checkin.story")
    assert escalations(chat) == []


def test_risk_before_consent_still_gets_the_lines_and_a_person():
    chat = Transcript().person("/start").person("I want to kill myself").bot_in("consent.brief")
    chat.bot_says("Emergency", "Is that OK?")
    assert escalations(chat)[0].level >= RiskLevel.HIGH


def test_the_level_never_goes_down_within_a_session():
    chat = at_menu().person("I want to die")
    chat.person("no").person("grounding")
    assert chat.conversation.risk_level == RiskLevel.HIGH
    chat.person("I'm fine now, really")
    assert chat.conversation.risk_level == RiskLevel.HIGH


def test_a_second_high_message_gives_the_lines_again_and_updates_the_case():
    chat = at_menu().person("I want to die").person("I'd rather not").person("grounding")
    chat.person("i still want to die").bot_says("Emergency").bot_in("grounding.choose")
    assert len(escalations(chat)) == 1


@pytest.mark.parametrize(
    ("answers", "level"),
    [
        ({"wish_dead": True, "thoughts": False, "behaviour": False}, RiskLevel.LOW),
        ({"wish_dead": True, "thoughts": True, "how": False, "intent": False, "plan": False}, RiskLevel.LOW),
        ({"thoughts": True, "how": True, "intent": False, "plan": False}, RiskLevel.MODERATE),
        ({"thoughts": True, "how": True, "intent": True}, RiskLevel.HIGH),
        ({"plan": True}, RiskLevel.HIGH),
        ({"behaviour": True, "recent": True}, RiskLevel.HIGH),
        ({"behaviour": True, "recent": False}, RiskLevel.MODERATE),
        ({"wish_dead": False, "thoughts": False, "behaviour": False}, RiskLevel.NONE),
    ],
)
def test_triage_follows_the_screener(answers, level):
    assert triage(answers) == level


def test_skip_logic():
    assert next_question("thoughts", False) == "behaviour"
    assert next_question("thoughts", True) == "how"
    assert next_question("behaviour", False) is None
    assert next_question("behaviour", True) == "recent"
    assert next_question("recent", True) is None


def test_an_attempt_before_consent_gets_the_emergency_number_first():
    chat = Transcript(locale="en-GB").person("/start").person("I took a whole pack of pills")
    assert chat.replies[0].text.startswith("This is an emergency: please call 999 now")
    assert "116 123" in chat.replies[0].text
    assert escalations(chat)[0].level == RiskLevel.IMMINENT
