"""Each kind of crisis gets what a trained helper would do first, as transcripts.

The risk detector reads most of these messages itself. Where its rules for a kind are not in this
branch yet (sexual violence, child abuse), `person_read_as` gives the engine that reading, and
everything after it is the engine's own.
"""

from __future__ import annotations

import pytest

from flows.crisis_lines import all_countries, lines_of_kinds
from flows.events import CaseOpened, StaffJoined
from flows.intents import Escalate, RelayToStaff
from flows.oncall.model import Reach
from flows.risk.levels import RiskLevel
from tests.transcript import Transcript, at_menu, consented

SUICIDE_TEMPLATE = "If you might act on these thoughts"
DIDNT_CATCH = "didn't quite catch"
HIGH, IMMINENT, MODERATE = RiskLevel.HIGH, RiskLevel.IMMINENT, RiskLevel.MODERATE


def escalations(chat: Transcript) -> list[Escalate]:
    return [intent for intent in chat.intents if isinstance(intent, Escalate)]


def first(said: str, before: str, after: str) -> bool:
    return said.index(before) < said.index(after)


# --- a medical emergency ------------------------------------------------------------------------


def test_a_man_bleeding_from_a_cut_hears_call_now_and_press_on_the_wound():
    chat = consented("United States").person("I'm bleeding a lot from a cut")
    chat.bot_says("call 911 now", "Press firmly on the wound", "staying with you", "our team")
    chat.bot_never_says(SUICIDE_TEMPLATE)
    assert chat.said.startswith("This is an emergency: please call 911 now.")
    assert escalations(chat)[0].level == IMMINENT


def test_self_harm_that_will_not_stop_bleeding_is_a_medical_emergency_first_then_the_safety_questions():
    chat = consented("United States").person("I cut my arm and it won't stop bleeding")
    chat.bot_says("call 911 now", "Press firmly on the wound", "988")
    assert chat.conversation.state == "screening"
    chat.bot_never_says(SUICIDE_TEMPLATE)
    assert escalations(chat)


def test_an_overdose_gets_the_emergency_number_first_and_the_poison_line():
    chat = consented("Australia").person("I took too many pills")
    chat.bot_says("call 000 now", "Don't try to be sick", "Poisons Information Centre: call 13 11 26")
    assert first(chat.said, "000", "13 11 26")
    assert escalations(chat)[0].level == IMMINENT


def test_a_medical_emergency_in_spanish_names_the_toxicology_line():
    chat = consented("Spain")
    chat.conversation.language = "es"
    chat.person_read_as("mi hermano se tragó lejía y no respira", IMMINENT, "medical_emergency")
    chat.bot_says("llama ahora al 112", "No intentes vomitar", "Servicio de Información Toxicológica")


# --- harm to others -----------------------------------------------------------------------------


def test_a_man_heading_next_door_with_a_knife_is_told_to_keep_away_and_stay_inside():
    chat = consented("United States")
    chat.person("I'm going to stab my neighbour, I'm heading next door with a knife")
    chat.bot_says("put distance between you", "Stay where you are, inside", "don't go to them", "911")
    chat.bot_never_says(SUICIDE_TEMPLATE, "knife", "stab", "neighbour")
    assert escalations(chat)[0].signals == ("harm_to_others",)


def test_harming_someone_now_hears_stop_and_step_away():
    chat = consented().person("I am hitting him right now")
    chat.bot_says("Please stop and step away now", "call 999 now").bot_never_says(SUICIDE_TEMPLATE)
    assert escalations(chat)[0].level == IMMINENT


# --- abuse and domestic violence ----------------------------------------------------------------


def test_a_woman_threatened_by_her_partner_gets_the_dv_line_a_safety_check_and_how_to_clear_the_chat():
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.bot_says(
        "is it safe for you to talk right now",
        "National Domestic Abuse Helpline (Refuge): call 0808 2000 247",
        "press 55",  # the Silent Solution: 999 without speaking
        "press and hold it in your chat list",
        "/forget",
        "Samaritans",  # the crisis lines still follow
        "our team",
    )
    chat.bot_never_says(SUICIDE_TEMPLATE, "kill")
    assert first(chat.said, "0808 2000 247", "116 123")
    assert {"abuse", "domestic_violence"} & set(escalations(chat)[0].signals)
    chat.bot_in("checkin.story")  # no suicide questions for a threat from someone else


def test_is_it_safe_to_talk_is_a_real_choice_after_abuse_is_disclosed():
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.bot_offers("Yes, I can talk", "No, not safe", "Not now").bot_in("checkin.story")


@pytest.mark.parametrize("answer", ["he's here", "No", "yes but hes in the next room", "No, not safe"])
def test_not_safe_to_talk_gets_it_short_silent_ways_the_dv_line_and_no_need_to_answer(answer):
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.person(answer).bot_in("checkin.story")
    chat.bot_says(
        "keep this short", "press 55", "0808 2000 247", "press and hold", "You don't have to answer me"
    )
    chat.bot_never_says("What's going on", DIDNT_CATCH)
    assert chat.options == []  # nothing more is asked of them


def test_not_now_is_respected_with_a_way_back_and_the_chat_cleared():
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.person("not now").bot_says("Come back whenever it's safe", "999", "press and hold").bot_in(
        "checkin.story"
    )


@pytest.mark.parametrize("answer", ["yeah", "Yes, I can talk", "he's gone out"])
def test_safe_to_talk_goes_on_where_the_person_was(answer):
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.person(answer).bot_says("Take your time").bot_in("checkin.story")
    chat.person("he took my phone and my keys last week").bot_in("checkin.rating")


def test_words_that_answer_neither_way_are_heard_by_the_step():
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.person("he has done this for years and I am scared").bot_never_says(DIDNT_CATCH)
    assert not chat.conversation.pending


def test_a_staff_member_joining_hears_the_answer_to_is_it_safe_to_talk():
    chat = consented("United Kingdom").person("My partner threatened to kill me tonight")
    chat.event(CaseOpened(case_id=1)).event(StaffJoined(name="Sam")).bot_in("with_staff")
    chat.person("he's here")
    assert chat.of_kind(RelayToStaff) == [RelayToStaff("he's here")]


def test_spanish_not_safe_to_talk():
    chat = consented("Spain")
    chat.conversation.language = "es"
    chat.person_read_as("mi pareja me pega", HIGH, "domestic_violence").bot_offers("No, no es seguro")
    chat.person("está aquí").bot_says("Seré breve", "016", "No tienes que contestarme")


def test_being_hit_right_now_hears_get_out_and_that_they_need_not_answer():
    chat = consented("Ireland").person("he is hitting me right now")
    chat.bot_says("get out, or to a room with a way out", "Women's Aid", "1800 341 900")
    chat.bot_says("you don't have to answer me")
    assert escalations(chat)[0].level == IMMINENT


def test_abuse_said_as_the_first_message_gets_the_dv_line_of_the_hinted_country():
    chat = Transcript(locale="en-AU").person("/start").person("my husband hits me")
    chat.bot_says("1800RESPECT", "000").bot_in("consent.welcome")
    assert escalations(chat)


def test_domestic_violence_in_spanish_names_016():
    chat = consented("Spain")
    chat.conversation.language = "es"
    chat.person_read_as("mi pareja me pega", HIGH, "domestic_violence")
    chat.bot_says("¿es seguro para ti hablar ahora?", "016", "024", "Eliminar")


# --- sexual violence and child abuse ------------------------------------------------------------


def test_sexual_violence_gets_the_country_line_and_not_your_fault():
    chat = consented("United States").person_read_as("I was raped last night", HIGH, "sexual_violence")
    chat.bot_says("not your fault", "RAINN National Sexual Assault Hotline: call 1-800-656-4673", "988")
    chat.bot_never_says(SUICIDE_TEMPLATE, "raped")
    assert escalations(chat)[0].signals == ("sexual_violence",)


def test_child_abuse_gets_the_lines_for_children_and_a_trusted_adult():
    chat = consented("United Kingdom")
    chat.person_read_as("my stepdad comes into my room at night", HIGH, "child_abuse")
    chat.bot_says("Childline (for under-19s): call 0800 1111", "NSPCC", "an adult you trust", "our team")
    chat.bot_never_says(SUICIDE_TEMPLATE, "stepdad")
    assert escalations(chat)


# --- a worried friend ---------------------------------------------------------------------------


def test_a_worried_friend_hears_what_to_do_now_and_when_to_call_emergency_services():
    chat = consented().person("my friend said she wants to kill herself")
    chat.bot_says("Ask them directly", "Call 999 now if they've hurt themselves", "Talk to a person")
    chat.bot_in("checkin.story")
    assert escalations(chat) == []


def test_someone_who_found_their_brother_after_swallowing_something_hears_call_now_and_poison_line():
    chat = consented("New Zealand").person("my little brother swallowed bleach")
    chat.bot_says("Please call 111 now", "Don't try to be sick", "National Poisons Centre: call 0800 764 766")
    assert first(chat.said, "111", "0800 764 766")
    assert escalations(chat)[0].level == IMMINENT


# --- a helper or professional after a hard case -------------------------------------------------


def test_a_professional_after_a_clients_suicide_gets_supervision_and_debrief_not_call_999():
    chat = consented("United Kingdom").person("one of my clients killed himself last week")
    chat.bot_says("Losing someone you were caring for", "supervisor", "debrief", "Our Frontline")
    chat.bot_says("Talk to a person").bot_never_says("Please call 999", SUICIDE_TEMPLATE, "killed")
    chat.bot_in("checkin.story")
    assert escalations(chat) == []
    chat.person("my client died by suicide and I keep thinking about it").bot_never_says("debrief")


def test_a_counsellor_whose_client_died_is_answered_as_a_professional_even_at_low_risk():
    chat = consented("United States").person("I'm a counsellor and my client died by suicide yesterday")
    chat.bot_says("debrief", "Physician Support Line", "988").bot_never_says("Please call 911")


# --- practical needs ----------------------------------------------------------------------------


def test_nowhere_to_sleep_tonight_gets_the_shelter_line_not_the_suicide_template():
    chat = consented("United Kingdom").person("I have nowhere to sleep tonight")
    chat.bot_says("Not knowing where you'll sleep", "Shelter emergency helpline", "0808 800 4444")
    chat.bot_says("Samaritans", "our team").bot_never_says(SUICIDE_TEMPLATE)


def test_an_eviction_told_in_the_check_in_is_reflected_and_gets_211():
    chat = consented("United States").person("My landlord evicted me and I need a shelter tonight")
    chat.bot_says("Not knowing where you'll sleep", "211").bot_in("checkin.rating")
    chat.bot_never_says("landlord", "evicted")


# --- reflective listening -----------------------------------------------------------------------


def test_a_death_is_reflected_in_our_own_words():
    chat = consented().person("my mum died this week")
    chat.bot_says("Losing your mum is so painful", "I'm so sorry").bot_in("checkin.rating")
    chat.bot_never_says("died", "this week", "Noted")


@pytest.mark.parametrize(
    ("story", "reflection"),
    [
        ("my girlfriend broke up with me", "The end of a relationship"),
        ("I got fired today and I'm scared about money", "work and money"),
        ("I got fired today and I can't pay the rent", "Not knowing where you'll sleep"),
        ("I have exams tomorrow", "Exams and deadlines"),
        ("I was diagnosed with cancer", "illness"),
        ("I feel so lonely, I have no one to talk to", "Feeling alone"),
        ("constant arguing with my parents", "tense at home"),
    ],
)
def test_the_situation_named_is_reflected(story, reflection):
    consented().person(story).bot_says(reflection).bot_in("checkin.rating")


def test_a_loss_is_reflected_in_spanish_without_echoing_the_text():
    chat = consented("Spain")
    chat.conversation.language = "es"
    chat.person("mi padre murió el lunes").bot_says("Perder a tu padre duele muchísimo")
    chat.bot_never_says("lunes", "murió")


def test_a_reflection_never_repeats_a_method():
    chat = consented().person("my brother died, he took an overdose")
    chat.bot_never_says("overdose")


# --- every kind: the country's lines and a person -----------------------------------------------

KIND_SIGNALS = [
    "medical_emergency",
    "harm_to_others",
    "abuse",
    "domestic_violence",
    "sexual_violence",
    "child_abuse",
]
COUNTRIES = {"US": "911", "GB": "999", "IE": "112", "CA": "911", "AU": "000", "NZ": "111", "ES": "112"}


@pytest.mark.parametrize("signal", KIND_SIGNALS)
@pytest.mark.parametrize("country", sorted(COUNTRIES))
@pytest.mark.parametrize("language", ["en", "es"])
def test_every_kind_gives_the_emergency_number_the_crisis_lines_and_a_person(signal, country, language):
    chat = consented(country)
    chat.conversation.language = language
    chat.person_read_as("help", HIGH, signal)
    crisis_line = lines_of_kinds(all_countries()[country], ("crisis",))[0].name
    chat.bot_says(COUNTRIES[country], crisis_line).bot_never_says(SUICIDE_TEMPLATE)
    assert escalations(chat) and escalations(chat)[0].signals == (signal,)


# --- the data -----------------------------------------------------------------------------------

KINDS = {"crisis", "dv", "sexual_violence", "children", "poison", "community", "professionals"}


def test_every_line_has_a_known_kind_a_source_and_a_check_date():
    for code, country in all_countries().items():
        for line in country.lines:
            assert set(line.kinds) <= KINDS, (code, line.name)
            assert line.source.startswith("https://") and line.verified, (code, line.name)


@pytest.mark.parametrize("code", ["US", "GB", "IE", "CA", "AU", "NZ", "ES", "INTL"])
def test_the_main_countries_have_a_line_for_abuse_at_home_and_for_children(code):
    country = all_countries()[code]
    assert lines_of_kinds(country, ("dv",)) and lines_of_kinds(country, ("children",))


# --- mobilising resources: needs in the 24-hour plan, and words said while waiting ----------------


def test_a_safe_place_to_sleep_in_the_24_hour_plan_gets_the_countrys_shelter_line():
    chat = at_menu().press("goal").bot_in("goals.needs")
    chat.press("need_shelter").bot_says("Needing a safe place to sleep", "0808 800 4444").bot_never_says(
        "Noted"
    )
    chat.press("need_food").bot_says("help with food and money", "Shelter emergency helpline")
    chat.press("need_company").bot_says("Samaritans", "ask for a person from our team").bot_in("goals.needs")


def test_a_loss_and_a_shelter_need_said_while_waiting_for_the_team_are_reflected_with_the_lines():
    chat = at_menu().press("person").event(CaseOpened(1, Reach.FREE)).bot_in("waiting_for_staff")
    chat.person("my dad died last month and now I have nowhere to stay")
    chat.bot_says("Losing your dad is so painful", "kept that for the person who joins you")
    chat.bot_says("Shelter emergency helpline").bot_never_says("last month")


def test_a_loss_said_with_hopelessness_is_reflected_before_the_safety_questions():
    chat = consented().person(
        "my mum died last week and I don't see the point of anything anymore, I feel hopeless"
    )
    chat.bot_says("Losing your mum is so painful").bot_in("screening.offer")


def test_a_breakup_said_with_thoughts_of_suicide_is_reflected_and_still_gets_the_lines_and_a_person():
    chat = consented().person("my wife left me and I want to kill myself")
    chat.bot_says("The end of a relationship", SUICIDE_TEMPLATE, "Samaritans", "our team")
    chat.bot_in("screening.offer").bot_never_says("wife")
    assert escalations(chat)


def test_thoughts_of_suicide_after_an_answered_threat_still_get_the_safety_questions():
    chat = consented().person("My partner threatened to kill me tonight").bot_in("checkin.story")
    chat.person("I want to kill myself").bot_says(SUICIDE_TEMPLATE).bot_in("screening.offer")


def test_a_moderate_kind_is_answered_once_a_session():
    chat = consented().person_read_as("things at home scare me", MODERATE, "domestic_violence")
    chat.bot_says("is it safe for you to talk", "Talk to a person")
    assert escalations(chat) == []
    chat.person_read_as("things at home scare me", MODERATE, "domestic_violence").bot_never_says(
        "safe to talk"
    )


def test_a_young_person_thrown_out_gets_the_lines_for_young_people_and_for_a_bed():
    chat = consented().person("I'm 15 and my parents kicked me out, I have nowhere to sleep tonight")
    chat.bot_says("Childline", "Shelter emergency helpline", "Samaritans", "our team")
    assert escalations(chat)


def test_a_child_sexually_abused_is_answered_as_a_child_first():
    chat = consented().person_read_as(
        "he touches me at night", HIGH, "child_abuse", "sexual_violence", "abuse"
    )
    chat.bot_says("an adult you trust", "Childline")
    assert chat.said.index("Childline") < chat.said.index("Samaritans")


def test_an_adults_abuse_response_names_no_childrens_line():
    consented().person("My partner threatened to kill me tonight").bot_never_says("Childline")


def test_with_a_team_member_a_threat_flags_it_with_the_dv_line_and_still_reaches_the_team_member():
    chat = consented().event(StaffJoined(name="Sam")).bot_in("with_staff")
    chat.person("My partner threatened to kill me tonight")
    chat.bot_says("flagged this to the team member with you", "0808 2000 247").bot_never_says(
        SUICIDE_TEMPLATE
    )
    assert escalations(chat) and chat.conversation.state == "with_staff"
    assert chat.of_kind(RelayToStaff)  # the team member reads the message itself too


def test_the_crisis_lines_screen_lists_the_support_for_particular_situations_under_them():
    chat = at_menu().person("Crisis lines and support").bot_in("resources.lines")
    chat.bot_says("Samaritans", "For particular situations", "0808 2000 247", "Childline", "Shelter")
    assert chat.said.index("Samaritans") < chat.said.index("For particular situations")
    chat.person("Change country").person("India").bot_in("resources.lines")
    chat.bot_never_says("For particular situations")  # no such lines for India yet: no empty heading
