"""Welcome, consent and check-in, as a person meets them."""

from flows.intents import Escalate
from tests.transcript import Transcript, consented


def test_welcome_says_what_the_bot_is_and_is_not_before_anything_else():
    chat = Transcript().person("hi").bot_in("consent.welcome")
    chat.bot_says("not a person", "not an emergency service", "not therapy", "/forget", "/sos", "30 days")
    chat.bot_offers("I agree, let's start", "Not now")


def test_agreeing_asks_for_the_country_and_then_what_is_going_on():
    chat = Transcript().person("/start").person("I agree, let's start").bot_in("consent.country")
    chat.bot_offers("United Kingdom", "India", "Somewhere else")
    chat.person("uk").bot_in("checkin.story").bot_says("United Kingdom", "What's going on")
    assert chat.conversation.consented and chat.conversation.country == "GB"


def test_a_channel_hint_suggests_the_country_and_the_person_confirms_it():
    chat = Transcript(locale="en-AU").person("/start").person("yes").bot_in("consent.country_confirm")
    chat.bot_says("Australia")
    chat.person("yes").bot_in("checkin.story")
    assert chat.conversation.country == "AU"


def test_a_wrong_hint_can_be_replaced():
    chat = Transcript(locale="en-US").person("/start").person("yes").bot_in("consent.country_confirm")
    chat.person("Choose another country").bot_in("consent.country")
    chat.person("Deutschland").bot_in("checkin.story")
    assert chat.conversation.country == "DE"


def test_somewhere_else_gives_the_international_lines():
    chat = Transcript().person("/start").person("ok").person("Somewhere else").bot_in("checkin.story")
    chat.person("/sos").bot_says("findahelpline")


def test_declining_ends_kindly_with_the_way_to_crisis_lines():
    chat = Transcript().person("/start").person("Not now").bot_in("ended")
    chat.bot_says("Nothing has been saved", "/sos")
    assert not chat.conversation.consented


def test_an_unclear_reply_to_the_welcome_asks_again_without_a_dead_end():
    chat = Transcript().person("/start").person("what is this").bot_in("consent.welcome")
    chat.bot_says("tap one of the buttons").bot_offers("I agree, let's start")
    assert chat.conversation.answers == {}  # before consent nothing is kept, not even a count of misses


def test_check_in_reflects_the_persons_feeling_words():
    chat = consented().person("I feel so overwhelmed and alone since the move").bot_in("checkin.rating")
    chat.bot_says("overwhelmed and alone").bot_offers("0", "10")


def test_check_in_never_echoes_the_raw_story():
    chat = consented().person("my landlord shouted at me about the boiler again").bot_in("checkin.rating")
    chat.bot_never_says("landlord", "boiler")


def test_check_in_reflects_a_topic_in_the_persons_words():
    consented().person("everything about work right now").bot_says("work is weighing on you")


def test_the_story_can_be_skipped():
    consented().person("I'd rather not say").bot_in("checkin.rating").bot_says("don't have to explain")


def test_a_rating_is_understood_in_many_forms():
    for typed, expected in (("7", 7), ("about a 7/10", 7), ("seven", 7), ("0", 0), ("10", 10)):
        chat = consented().person("stressed").person(typed)
        assert chat.conversation.distress_before == expected


def test_a_rating_out_of_range_is_asked_again():
    chat = consented().person("stressed").person("11").bot_in("checkin.rating").bot_says("didn't quite catch")
    chat.person("somewhere between 3 and 6").bot_in("checkin.rating")


def test_not_knowing_how_distressed_one_feels_is_an_answer_not_a_failed_one():
    for typed in ("idk", "dunno", "not sure", "I'm not sure", "i dont know"):
        chat = consented().person("stressed").bot_offers("0", "10", "I'm not sure").person(typed)
        chat.bot_in("menu").bot_says("hard to put a number on").bot_never_says("didn't quite catch")
        assert chat.conversation.distress_before is None


def test_no_se_at_the_rating_goes_on_without_a_number_in_spanish():
    chat = Transcript(locale="es-ES").person("/start").person("sí").person("sí").bot_in("checkin.story")
    chat.person("estoy agobiada con el trabajo").person("no sé").bot_in("menu")
    chat.bot_says("cuesta ponerle un número")


def test_an_option_said_twice_over_is_that_option():
    for locale, typed in (("es-ES", "vale, empecemos"), ("es-ES", "sí vale"), ("en-GB", "ok lets start")):
        Transcript(locale=locale).person("/start").person(typed).bot_in("consent.country_confirm")
    Transcript().person("/start").person("yes, sure").bot_in("consent.country")


def test_words_that_name_two_different_options_are_not_read_as_either():
    Transcript().person("/start").person("yes no").bot_in("consent.welcome")


def test_a_high_rating_is_met_with_warmth_and_the_safety_questions():
    chat = consented().person("it's bad").person("9").bot_in("screening.offer")
    chat.bot_says("9 out of 10", "don't have to get through this alone", "direct questions")


def test_the_menu_offers_everything_that_can_help_and_a_person():
    chat = consented().person("bad day").person("5").bot_in("menu")
    chat.bot_offers(
        "Grounding: come back to the here and now",
        "Slow breathing",
        "Ideas for coping",
        "Understand what I'm feeling",
        "Crisis lines and support",
        "Talk to a person",
        "I'm done for now",
    )


def test_asking_for_a_person_raises_an_escalation_and_gives_the_lines_at_once():
    chat = consented().person("bad day").person("5").person("Talk to a person").bot_in("menu")
    chat.bot_says("asked our team for a person", "116 123", "999")
    (escalation,) = chat.of_kind(Escalate)
    assert escalation.reason == "asked_for_person"
    assert "bad day" not in escalation.summary


def test_a_first_message_of_yes_shows_the_welcome_rather_than_consenting_unread():
    chat = Transcript().person("yes").bot_in("consent.welcome").bot_says("not a person")
    assert not chat.conversation.consented
