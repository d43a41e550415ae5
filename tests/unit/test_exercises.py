"""Grounding, breathing, coping and learning, step by step."""

import pytest

from flows.intents import Reply
from tests.transcript import at_menu


def test_grounding_waits_for_each_sense():
    chat = at_menu().person("Grounding: come back to the here and now").bot_in("grounding.choose")
    chat.person("5-4-3-2-1 with my senses").bot_in("grounding.see").bot_says("5 things you can see")
    chat.person("a lamp, a cup, a window, a tree, my hands").bot_in("grounding.touch")
    chat.person("the chair").bot_in("grounding.hear").bot_says("3 things you can hear")
    chat.person("traffic, a fan, my breath").bot_in("grounding.smell")
    chat.person("coffee").bot_in("grounding.taste")
    chat.person("mint").bot_in("grounding.after").bot_says("Well done").bot_offers("A bit better")
    chat.person("A bit better").bot_in("menu").bot_says("glad it helped")
    assert "grounding.senses" in chat.conversation.answers["activities"]


def test_the_body_based_grounding_is_shorter():
    chat = at_menu().person("grounding").person("A short one with my body").bot_in("grounding.feet")
    chat.person("next").bot_in("grounding.hands")
    chat.person("next").bot_in("grounding.breath")
    chat.person("done").bot_in("grounding.after")
    chat.person("worse").bot_in("menu").bot_says("talk to a person")


def test_the_menu_is_reachable_mid_exercise():
    at_menu().person("grounding").person("senses").person("menu").bot_in("menu")


def test_box_breathing_is_paced_round_by_round_when_the_person_is_ready():
    chat = at_menu().person("Slow breathing").bot_in("breathing.choose")
    chat.person("Box breathing (4-4-4-4)").bot_in("breathing.ready").bot_says("Tell me when you're ready")
    assert all(reply.pacing is None for reply in chat.replies)
    chat.person("I'm ready").bot_in("breathing.round").bot_says("Round 1")
    (paced,) = [reply for reply in chat.replies if reply.pacing]
    assert [(phase.label, phase.seconds) for phase in paced.pacing.phases] == [
        ("Breathe in", 4),
        ("Hold", 4),
        ("Breathe out", 4),
        ("Hold", 4),
    ]
    chat.person("Another round").bot_says("Round 2")
    chat.person("That's enough for now").bot_in("breathing.after")
    chat.person("About the same").bot_in("menu")
    assert "breathing.box" in chat.conversation.answers["activities"]


def test_a_round_asked_again_is_offered_not_replayed():
    chat = at_menu().person("Slow breathing").person("Box breathing (4-4-4-4)").person("I'm ready")
    for interruption in ("/start", "/help", "what is this even"):
        chat.person(interruption).bot_in("breathing.round").bot_says("Would you like another round?")
        assert all(reply.pacing is None for reply in chat.replies), interruption
    chat.person("Another round").bot_says("Round 2")
    assert any(reply.pacing for reply in chat.replies)


def test_four_seven_eight_lengthens_the_out_breath_and_suggests_a_stop_after_four_rounds():
    chat = at_menu().person("breathing").person("4-7-8 breathing").person("ready")
    paced = next(reply for reply in chat.replies if reply.pacing)
    assert [phase.seconds for phase in paced.pacing.phases] == [4, 7, 8]
    for _ in range(3):
        chat.person("again")
    chat.bot_says("Round 4", "a good place to stop")


@pytest.mark.parametrize(
    "strategy",
    [
        "Reach out to someone",
        "Change place or activity",
        "Soothe yourself with your senses",
        "Take one small step",
        "Move your body gently",
    ],
)
def test_each_coping_strategy_is_explained_and_planned(strategy):
    chat = at_menu().person("Ideas for coping").bot_in("coping.choose").bot_offers(strategy)
    chat.person(strategy).bot_in("coping.when").bot_offers("Right now", "Tomorrow")
    chat.person("Later today").bot_in("menu").bot_says("Your plan", "later today")


def test_a_short_when_is_said_back_in_the_persons_words():
    chat = at_menu().person("coping").person("Move your body gently").person("after dinner")
    chat.bot_in("menu").bot_says("after dinner")


def test_a_long_when_is_summarised_not_echoed():
    long_when = "when my flatmate finally goes out to the shops later this evening"
    chat = at_menu().person("coping").person("Move your body gently").person(long_when)
    chat.bot_in("menu").bot_never_says(long_when).bot_says("at the time you chose")


@pytest.mark.parametrize("topic", ["acute_stress", "panic", "grief", "trauma", "sleep", "anger"])
def test_each_reaction_card_normalises_and_gives_one_tip(topic):
    chat = at_menu().person("Understand what I'm feeling").bot_in("learn.choose")
    chat.press(topic).bot_in("learn.card").bot_says("One thing to try:")
    chat.person("Another topic").bot_in("learn.choose")
    assert f"learn.{topic}" in chat.conversation.answers["activities"]


def test_cards_fit_a_phone_screen():
    chat = at_menu().person("learn")
    for topic in ("acute_stress", "panic", "grief", "trauma", "sleep", "anger"):
        chat.press(topic)
        assert all(len(reply.text) < 900 for reply in chat.replies if isinstance(reply, Reply))
        chat.press("another_topic")


def test_crisis_lines_for_the_country_name_their_emergency_number_and_check_date():
    chat = at_menu().person("Crisis lines and support").bot_in("resources.lines")
    chat.bot_says("116 123", "Emergency: 999", "last checked")
    chat.person("Change country").bot_in("resources.country").person("India").bot_in("resources.lines")
    chat.bot_says("14416", "112")
    assert chat.conversation.country == "IN"
