"""Everyday words understood in every state: a person asked for, yes and no as people type them,
the person's own language, and no dead ends. Each test reads like the conversation it checks."""

from __future__ import annotations

import pytest

from flows.content import available_languages, content_for
from flows.intents import Escalate
from flows.understanding import INTENTS
from tests.transcript import Transcript, at_menu, consented

DIDNT_CATCH = "didn't quite catch"


def escalations(chat: Transcript) -> list[Escalate]:
    return chat.of_kind(Escalate)  # type: ignore[return-value]


def screening_question() -> Transcript:
    chat = at_menu().person("/sos").bot_in("screening.offer")
    return chat.press("screen_yes").bot_in("screening.wish_dead")


# A crisis opening: the lines first, consent once and briefly, and the first yes goes on.


def test_crisis_first_message_then_i_agree_goes_on_at_once():
    chat = Transcript(locale="en-GB").person("I want to kill myself")
    chat.bot_says("Emergency", "Is that OK?").bot_never_says("I'm glad you reached out")
    assert escalations(chat)
    chat.person("I agree, let's start").bot_in("checkin.story").bot_says("United Kingdom")
    chat.bot_never_says("I'm glad you reached out", DIDNT_CATCH)


def test_crisis_first_message_without_a_locale_asks_only_the_country_after_yes():
    chat = Transcript().person("I want to die").bot_in("consent.brief")
    chat.person("ye").bot_in("consent.country").bot_never_says("I'm glad you reached out")


# The person's language: from their first words, the locale, and when they switch.


def test_spanish_first_message_is_answered_in_spanish_crisis_lines_included():
    chat = Transcript(locale="en-US").person("ya no puedo más, quiero morirme")
    chat.bot_says("Gracias por contármelo", "Emergencias").bot_never_says("Thank you", "Emergency:")
    assert escalations(chat)
    chat.person("sí").bot_in("checkin.story").bot_says("Estados Unidos")


def test_spanish_hello_gets_the_welcome_in_spanish():
    Transcript().person("hola, necesito hablar").bot_in("consent.welcome").bot_says("Hola, soy pfa-bot")


def test_the_channel_locale_chooses_the_language_until_the_person_writes():
    Transcript(locale="es-MX").person("/start").bot_says("Hola, soy pfa-bot")
    chat = Transcript(locale="es-MX").person("hi, I'm having a hard time with my job")
    chat.bot_says("Hi, I'm pfa-bot")
    assert not escalations(chat)


def test_switching_to_spanish_mid_conversation_switches_the_replies():
    chat = at_menu().person("no sé qué hacer, mi madre está en el hospital y tengo miedo")
    assert chat.conversation.language == "es"
    chat.bot_in("menu").bot_says("Qué te ayudaría más").bot_never_says("Thank you", "What would help")


def test_asking_for_spanish_by_name_switches_at_once():
    chat = at_menu().person("en español por favor").bot_in("menu")
    chat.bot_says("hablaré en español")
    chat.person("in english please").bot_says("I'll speak English")


def test_a_short_spanish_yes_does_not_switch_an_english_conversation():
    chat = Transcript().person("/start").person("sí").bot_in("consent.country")
    assert chat.conversation.language == "en"


# Yes, no and maybe as people type them, wherever a yes or no is asked.


@pytest.mark.parametrize("yes", ["ye", "k", "sí", "si", "yess", "yeah sure", "ok please", "Vale"])
def test_everyday_yes_agrees_to_start(yes: str):
    Transcript().person("/start").person(yes).bot_in("consent.country").bot_never_says(DIDNT_CATCH)


@pytest.mark.parametrize("yes", ["ye", "k", "sí", "yup"])
def test_everyday_yes_answers_a_screening_question(yes: str):
    chat = screening_question().person(yes).bot_in("screening.thoughts")
    assert chat.conversation.answers["screening"]["wish_dead"] is True


@pytest.mark.parametrize("no", ["nah", "nope", "no.", "nooo"])
def test_everyday_no_answers_a_screening_question(no: str):
    chat = screening_question().person(no).bot_in("screening.thoughts")
    assert chat.conversation.answers["screening"]["wish_dead"] is False


def test_maybe_counts_as_not_sure_in_the_screening():
    chat = screening_question().person("dunno").bot_in("screening.thoughts")
    assert chat.conversation.answers["screening"]["wish_dead"] is True


def test_im_safe_answers_are_you_safe():
    chat = at_menu().person("I'm standing on the bridge and I'm going to jump").bot_in("screening.safe_now")
    chat.person("im safe for now").bot_in("screening.offer").bot_never_says(DIDNT_CATCH)


@pytest.mark.parametrize("rating", ["seven", "siete", "7/10", "like a 7", "7 out of 10"])
def test_a_rating_in_words_or_digits(rating: str):
    chat = consented().person("work is awful").bot_in("checkin.rating")
    chat.person(rating).bot_in("menu")
    assert chat.conversation.distress_before == 7


# Asking for a person works in every state, in any wording.

ASKING_FOR_A_HUMAN = [
    "i want to talk to a real human",
    "can i talk to a real human",
    "get me a person",
    "i want a human NOW",
    "HUMAN PLEASE",
    "quiero hablar con una persona",
    "is there a real person there??",
    "talk to a humna",
]


@pytest.mark.parametrize("asking", ASKING_FOR_A_HUMAN)
def test_asking_for_a_person_escalates_at_the_menu(asking: str):
    chat = at_menu().person(asking).bot_in("menu").bot_never_says(DIDNT_CATCH)
    assert [escalation.reason for escalation in escalations(chat)] == ["asked_for_person"]


def test_asking_four_ways_in_four_states_each_escalates():
    chat = at_menu().person("grounding").person("senses").bot_in("grounding.see")
    assert escalations(chat.person("i want a human NOW"))
    chat.bot_in("grounding.see").bot_says("asked our team")
    chat = consented().person("my exams").bot_in("checkin.rating")
    assert escalations(chat.person("get me a person"))
    chat.bot_in("checkin.rating")
    assert escalations(screening_question().person("can i talk to a real human"))
    chat = Transcript().person("/start")
    assert escalations(chat.person("quiero hablar con una persona"))
    chat.bot_in("consent.welcome")


def test_a_person_already_asked_for_goes_back_to_the_wait_without_asking_again():
    chat = at_menu().person("get me a person")
    assert escalations(chat)
    chat.conversation.case_status = "waiting"
    chat.person("a real human please")
    assert not escalations(chat)


def test_not_wanting_a_person_is_not_a_request_for_one():
    chat = at_menu().person("i don't want to talk to a person")
    assert not escalations(chat)


def test_the_talk_to_a_person_button_works_where_it_was_not_offered():
    chat = at_menu().person("breathing").bot_in("breathing.choose")
    chat.press("person")
    assert escalations(chat)
    chat.bot_in("breathing.choose")


# Stop, help, menu and the crisis lines in everyday words.


def test_stop_typed_in_words_pauses():
    chat = at_menu().person("stop messaging me")
    assert chat.conversation.paused
    chat.bot_says("Paused")


def test_stop_that_names_an_offered_option_keeps_its_meaning():
    chat = at_menu().person("breathing").person("box").person("ready").bot_in("breathing.round")
    chat.person("stop").bot_in("breathing.after")
    assert not chat.conversation.paused


def test_crisis_line_typed_in_words_shows_the_lines():
    at_menu().person("crisis line please").bot_says("If you're in danger").bot_in("screening.offer")


def test_change_language_in_words_asks_which():
    at_menu().person("change language").bot_offers("English", "Español")


# No dead ends: a disclosure is heard; "didn't catch that" at most once in a row.


def test_a_loss_told_at_the_rating_is_heard_not_missed():
    chat = consented().person("work").bot_in("checkin.rating")
    chat.person("my mum died on tuesday").bot_in("checkin.rating")
    chat.bot_says("Losing your mum is so painful", "how distressed").bot_never_says(DIDNT_CATCH, "tuesday")


def test_news_told_at_the_menu_is_heard_and_the_choices_follow():
    chat = at_menu().person("the police found her, she's alive, I'm shaking").bot_in("menu")
    chat.bot_says("huge shock").bot_never_says(DIDNT_CATCH).bot_offers("Talk to a person")


def test_a_loss_as_the_first_message_is_heard_before_the_welcome():
    chat = Transcript().person("my mum died on tuesday").bot_in("consent.welcome")
    chat.bot_says("I'm so sorry", "I'm pfa-bot").bot_never_says(DIDNT_CATCH)


def test_didnt_catch_that_is_said_at_most_once_in_a_row():
    chat = at_menu().person("grounding").bot_in("grounding.choose")
    chat.person("hmm?").bot_says(DIDNT_CATCH)
    chat.person("asdf").bot_never_says(DIDNT_CATCH).bot_says("make it easier").bot_offers("Talk to a person")
    chat.person("qwe").bot_never_says(DIDNT_CATCH)
    chat.person("body").bot_in("grounding.feet")
    chat.person("/menu").person("zzz").bot_says(DIDNT_CATCH)


def test_a_slash_command_between_two_misses_starts_the_count_again():
    chat = at_menu().person("grounding").bot_in("grounding.choose")
    chat.person("hmm?").bot_says(DIDNT_CATCH)
    chat.person("/help").bot_in("grounding.choose")
    chat.person("asdf").bot_says(DIDNT_CATCH)


def test_a_side_question_that_was_not_answered_is_asked_again_without_a_dead_end():
    chat = at_menu().person("/forget").person("since dad left I feel lost")
    chat.bot_never_says(DIDNT_CATCH).bot_says("feeling lost", "Erase everything?")


def test_asking_for_a_human_while_telling_what_is_going_on_escalates_at_distress_ten():
    chat = consented().person("i want to talk to a real human").bot_in("checkin.story")
    assert escalations(chat)
    chat.bot_says("asked our team", "What's going on")


def test_a_name_with_spanish_words_in_it_does_not_switch_the_language():
    chat = at_menu().person("/plan").press("make_plan").bot_in("safety_plan.warning_signs")
    chat.person("Maria de la Cruz").bot_in("safety_plan.warning_signs")
    assert chat.conversation.language == "en"


def test_every_language_has_phrases_for_every_everyday_intent():
    for code in available_languages():
        intents = content_for(code).table("intents")
        assert set(INTENTS) <= set(intents), code
        assert content_for(code).words("detection.words"), code
        assert code in intents["speak"], code


def test_stop_typed_again_while_paused_stays_paused():
    chat = at_menu().person("stop").person("leave me alone")
    assert chat.conversation.paused
    chat.bot_never_says("Welcome back")
    chat.person("hi").bot_says("Welcome back")
    assert not chat.conversation.paused


@pytest.mark.parametrize("typed", ["I agree, lets start", "i agree lets start", "I agree, let\u2019s start"])
def test_the_consent_button_typed_without_its_apostrophe_goes_on(typed):
    """Found trying the README as a new user: "lets" for "let's" re-showed the whole welcome."""
    Transcript().person("/start").person(typed).bot_in("consent.country")


def test_a_feeling_word_used_as_a_verb_is_not_named_back_as_a_feeling():
    consented().person("I lost my job").bot_says("work and money").bot_never_says("feeling lost")
    consented().person("I feel so lost").bot_says("feeling lost")
