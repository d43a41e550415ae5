"""Closing a session, and the commands that work in every state."""

import pytest

from flows.conversation import Conversation
from flows.events import StaffJoined, Text
from flows.intents import EraseUser, RecordOutcome, RelayToStaff
from tests.transcript import Transcript, at_menu, consented


def test_closing_rerates_summarises_invites_back_and_gives_the_lines():
    chat = at_menu("7").person("grounding").person("senses")
    for answer in ("desk", "chair", "fan", "soap", "tea", "A bit better"):
        chat.person(answer)
    chat.person("breathing").person("box").person("ready").person("enough").person("better")
    chat.person("I'm done for now").bot_in("closing.rating").bot_offers("0", "10")
    chat.person("5").bot_in("ended")
    chat.bot_says("5-4-3-2-1", "box breathing", "from 7 to 5", "come back any time", "116 123")
    assert chat.of_kind(RecordOutcome) == [RecordOutcome(before=7, after=5)]


def test_a_rating_that_went_up_is_met_honestly_with_the_lines():
    chat = at_menu("4").person("done").person("7").bot_in("ended")
    chat.bot_says("from 4 to 7", "Thank you for being honest", "116 123")


def test_not_sure_at_the_last_rating_still_closes_with_the_summary_and_the_lines():
    chat = at_menu("6").person("done").bot_offers("I'm not sure").person("idk").bot_in("ended")
    chat.bot_says("Thank you for spending this time", "116 123").bot_never_says("went from")
    assert chat.of_kind(RecordOutcome) == []


def test_coming_back_after_the_end_starts_a_fresh_check_in():
    chat = at_menu("4").person("done").person("3").bot_in("ended")
    chat.person("hello again").bot_in("checkin.story").bot_says("Welcome back")
    assert chat.conversation.distress_before is None
    assert chat.conversation.answers == {}


EVERY_STATE = [
    ("consent", ["/start"]),
    ("checkin", ["/start", "ok", "uk"]),
    ("menu", ["/start", "ok", "uk", "meh", "5"]),
    ("grounding", ["/start", "ok", "uk", "meh", "5", "grounding", "senses"]),
    ("breathing", ["/start", "ok", "uk", "meh", "5", "breathing", "box", "ready"]),
    ("coping", ["/start", "ok", "uk", "meh", "5", "coping"]),
    ("learn", ["/start", "ok", "uk", "meh", "5", "learn"]),
    ("resources", ["/start", "ok", "uk", "meh", "5", "resources"]),
    ("closing", ["/start", "ok", "uk", "meh", "5", "done"]),
    ("ended", ["/start", "ok", "uk", "meh", "5", "done", "4"]),
]


def walked_to(steps: list[str]) -> Transcript:
    chat = Transcript()
    for text in steps:
        chat.person(text)
    return chat


@pytest.mark.parametrize(("state", "steps"), EVERY_STATE)
def test_help_and_sos_work_in_every_state(state, steps):
    chat = walked_to(steps)
    where = chat.conversation.position
    assert chat.conversation.state == state
    chat.person("/help").bot_says("not a person", "/sos", "/forget").bot_in(where)
    chat.person("/sos").bot_says("Emergency:")
    assert chat.replies[0].text.startswith("If you're in danger")
    chat.bot_in(where if state == "consent" else "screening.offer")


@pytest.mark.parametrize(("state", "steps"), EVERY_STATE[1:])
def test_menu_is_reachable_from_every_state_after_consent(state, steps):
    walked_to(steps).person("/menu").bot_in("menu")


def test_menu_before_consent_asks_for_consent_first():
    Transcript().person("/menu").bot_in("consent.welcome").bot_says("First, a quick question")


def test_stop_pauses_and_the_next_message_picks_up_where_we_left_off():
    chat = at_menu().person("grounding").person("senses").bot_in("grounding.see")
    chat.person("/stop").bot_says("Paused", "999")
    assert chat.conversation.paused
    chat.person("a window, a door").bot_says("Welcome back").bot_in("grounding.touch")
    assert not chat.conversation.paused


def test_forget_asks_once_and_then_erases_everything():
    chat = at_menu().person("/forget").bot_says("can't be undone").bot_offers("Yes, erase everything")
    chat.bot_in("menu")
    chat.person("Yes, erase everything").bot_says("has been erased").bot_in("consent.welcome")
    assert chat.of_kind(EraseUser) == [EraseUser()]
    assert chat.conversation == Conversation("test:person", step="welcome")


def test_forget_can_be_called_off():
    chat = at_menu().person("/forget").person("No, keep it").bot_says("nothing was erased").bot_in("menu")
    assert chat.of_kind(EraseUser) == []


def test_language_offers_each_content_language_and_switches():
    chat = at_menu().person("/language").bot_offers("English", "Español")
    chat.person("Español").bot_in("menu")
    assert chat.conversation.language == "es"


def test_country_can_be_changed_from_anywhere():
    chat = at_menu().person("grounding").person("/country").bot_in("grounding.choose")
    chat.person("Canada").bot_says("988").bot_in("grounding.choose")
    assert chat.conversation.country == "CA"


def test_an_unknown_command_explains_and_keeps_the_place():
    consented().person("/dance").bot_says("don't know that command").bot_in("checkin.story")


def test_a_stale_button_is_answered_gracefully():
    chat = at_menu().person("grounding").press("breathing").bot_in("grounding.choose")
    chat.bot_says("earlier step").bot_offers("5-4-3-2-1 with my senses")


def test_help_and_menu_can_be_typed_without_a_slash():
    at_menu().person("grounding").person("help").bot_says("/sos").bot_in("grounding.choose")
    at_menu().person("learn").person("Menu").bot_in("menu")


def test_an_edited_message_is_read_for_risk_but_not_taken_as_a_new_answer():
    from flows.events import Edited

    chat = at_menu().person("grounding").person("senses").person("a lamp").bot_in("grounding.touch")
    chat.event(Edited("a lamp and a cup")).bot_says("changed a message").bot_in("grounding.touch")
    chat.event(Edited("actually I want to kill myself")).bot_says("Emergency").bot_in("screening.offer")


def test_with_staff_words_go_to_them_and_a_blank_line_is_still_answered():
    chat = consented().event(StaffJoined(name="Sam", handover=False)).bot_in("with_staff")
    chat.person("thank you for coming")
    assert chat.of_kind(RelayToStaff) == [RelayToStaff("thank you for coming")] and not chat.replies
    chat.event(Text("   "))
    assert not chat.of_kind(RelayToStaff)
    chat.bot_says("Sam")
