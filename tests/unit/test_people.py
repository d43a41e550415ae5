"""People in distress, played as the conversations they would have (issue 14, item 7).

Each test is one person from the seed's situations: what they say, what the bot says back, and
what a trained helper would check first: the right lines for the country and the kind of crisis,
a person from the team offered or asked for, no method echoed, no "didn't catch that" after a
disclosure, and the person's own language. The country is the United Kingdom unless said.
"""

from __future__ import annotations

from flows.intents import Escalate
from flows.risk.levels import RiskLevel
from tests.transcript import Transcript, consented

DIDNT_CATCH = "didn't quite catch"
SUICIDE_TEMPLATE = "If you might act on these thoughts"
SUICIDE_QUESTION = "thoughts of ending your life"
PERSON = "Talk to a person"
SAMARITANS = "116 123"
CHILDLINE = "0800 1111"
DV_LINE = "0808 2000 247"


def escalated(chat: Transcript) -> list[Escalate]:
    return chat.of_kind(Escalate)  # type: ignore[return-value]


def test_panic_is_named_as_panic_and_breathing_is_offered_not_the_suicide_question():
    chat = consented().person("I can't breathe, my heart is pounding, I think I'm dying")
    chat.bot_says("panic attack", "chest pain", "call the emergency number").bot_never_says(SUICIDE_QUESTION)
    chat.bot_in("checkin.rating").person("6").bot_in("menu").bot_offers("Slow breathing", PERSON)
    chat.press("breathing").bot_in("breathing.choose")


def test_a_fresh_bereavement_is_heard_with_who_was_lost_and_never_missed():
    chat = consented().person("my dad died this morning")
    chat.bot_says("Losing your dad", "no right way to feel").bot_never_says(DIDNT_CATCH, "this morning")
    chat.bot_in("checkin.rating").person("9")
    chat.bot_says("9 out of 10").bot_in("screening.offer")  # a rating this high is asked about safety


def test_a_woman_whose_partner_threatens_her_from_the_next_room():
    chat = consented().person("my boyfriend is in the next room and he said he'd kill me if I tell anyone")
    chat.bot_says(DV_LINE, "press 55", "press and hold", "our team")
    # She is the one threatened: none of the words for someone who might hurt another.
    chat.bot_never_says("can't hold back", "anything you could hurt someone with", SUICIDE_TEMPLATE)
    assert escalated(chat)[0].level >= RiskLevel.HIGH
    chat.bot_offers("Yes, I can talk", "No, not safe", "Not now")
    chat.person("he's here").bot_says("keep this short", DV_LINE, "You don't have to answer me")
    assert chat.options == []  # nothing more asked of her while he is there


def test_a_bullied_fourteen_year_old_gets_childline_and_the_choices():
    chat = consented().person("im 14 and everyone at school calls me names and pushes me every day")
    chat.bot_says("school", "Childline", CHILDLINE).bot_never_says(DIDNT_CATCH)
    chat.person("7").bot_in("menu").bot_offers(PERSON, "Ideas for coping")


def test_a_worried_friend_hears_what_to_do_now_and_when_to_call():
    chat = consented().person("my friend just texted me that she wants to end it all, what do I do")
    chat.bot_says(
        "Ask them directly", "Asking doesn't put the idea in their head", "Call 999 now if", SAMARITANS
    )
    chat.bot_says(PERSON).bot_never_says(SUICIDE_TEMPLATE)
    assert not escalated(chat)  # the friend is not the one in danger
    chat.bot_in("checkin.story")


def test_a_friend_who_cannot_be_reached_is_told_when_to_call_emergency_services():
    chat = consented().person(
        "I'm worried about my friend, he said he wants to die and now he's not answering his phone"
    )
    chat.bot_says("if you can't reach them and think they're in danger", "999")


def test_a_drunk_man_who_took_pills_gets_999_first_aid_and_a_person_then_thanks_for_calling():
    chat = consented().person("been drinking all night").person("i took all my pills")
    chat.bot_says(
        "This is an emergency: please call 999 now", "Don't try to be sick", "NHS 111", "staying with you"
    )
    chat.bot_never_says("pills")
    assert escalated(chat)[0].level == RiskLevel.IMMINENT
    chat.bot_in("screening.safe_now").person("i called 999")
    chat.bot_says("Thank you for calling", "unlock the door").bot_never_says(DIDNT_CATCH)


def test_a_spanish_speaker_in_crisis_is_answered_in_spanish_with_spanish_lines():
    chat = Transcript(locale="es-ES").person("no puedo más, quiero morirme")
    chat.bot_says("112", "024", "Gracias por contármelo", "¿Te parece bien?").bot_never_says(
        "Thank you", "999"
    )
    assert escalated(chat)
    chat.person("sí").bot_in("checkin.story").bot_says("España", "¿Qué te está pasando")


def test_a_spanish_woman_who_cannot_talk_gets_016_briefly():
    chat = consented("Spain")
    chat.conversation.language = "es"
    chat.person("mi marido me pega y me ha amenazado").bot_says("016").bot_offers("No, no es seguro")
    chat.person("está aquí").bot_says("Seré breve", "016", "No tienes que contestarme")


def test_a_hostile_user_who_wants_a_human_gets_one_asked_for_in_their_own_words():
    chat = consented().person("this is useless, you're a stupid bot").bot_never_says(DIDNT_CATCH)
    chat.person("get me a real person now").bot_says("asked our team", SAMARITANS)
    assert escalated(chat)
    chat.person("are you even real").bot_never_says(DIDNT_CATCH)


def test_someone_hearing_voices_is_heard_calmly_and_pointed_to_their_care_team():
    chat = consented().person("i keep hearing voices that nobody else hears")
    chat.bot_says("Hearing voices", "care team", "tell me").bot_never_says(DIDNT_CATCH)
    chat.bot_in("checkin.rating")


def test_voices_telling_someone_to_hurt_themselves_get_the_lines_and_a_person():
    chat = consented().person("the voices are telling me to hurt myself")
    chat.bot_says(SAMARITANS, "our team")
    assert escalated(chat)[0].level >= RiskLevel.HIGH
    chat.bot_in("screening.offer")


def test_a_homeless_man_with_no_food_tonight_gets_shelter_lines_at_once():
    chat = consented().person("I'm homeless and haven't eaten today, nowhere to sleep tonight")
    chat.bot_says("where you'll sleep", "Shelter", "0808 800 4444", PERSON).bot_never_says(SUICIDE_TEMPLATE)
    chat.bot_in("checkin.rating")


def test_a_social_worker_after_a_clients_suicide_gets_debrief_not_the_crisis_pathway():
    chat = consented().person(
        "I'm a social worker and one of my clients killed himself yesterday, "
        "I keep thinking I missed something"
    )
    chat.bot_says("supervisor", "debrief", "Our Frontline").bot_never_says(
        SUICIDE_TEMPLATE, "Please call 999 now"
    )
    assert not escalated(chat)
    chat.bot_in("checkin.story")


def test_slang_and_emoji_are_understood_and_ye_is_a_yes():
    chat = consented().person("ngl im so done with everything 😭😭 cant do this anymore fr")
    chat.bot_says("carrying a lot").bot_never_says(DIDNT_CATCH).bot_in("screening.offer")
    chat.person("ye").bot_in("screening.wish_dead")


def test_exam_stress_is_reflected_and_the_calming_choices_follow():
    chat = consented().person("exams next week and I can't focus, I'm so stressed")
    chat.bot_says("stressed", "Exams").person("6").bot_in("menu").bot_offers("Slow breathing", PERSON)
    assert not escalated(chat)


def test_a_breakup_is_reflected_as_the_loss_it_is():
    chat = consented().person("my girlfriend broke up with me last night")
    chat.bot_says("end of a relationship").bot_never_says(DIDNT_CATCH, "last night").person("7").bot_in(
        "menu"
    )


def test_a_job_loss_is_heard_as_work_and_money_not_a_death():
    chat = consented().person("I lost my job today and I don't know how I'll pay rent")
    chat.bot_says("work and money").bot_never_says("Losing someone you love", DIDNT_CATCH)


def test_chronic_illness_is_reflected_and_being_tired_of_it_is_asked_about_gently():
    chat = consented().person("I have chronic pain and I'm so tired of being ill all the time")
    chat.bot_says("illness").bot_never_says(DIDNT_CATCH).bot_in("screening.offer")


def test_a_lonely_widower_is_heard_for_his_loss():
    chat = consented().person("I'm 82 and since my wife passed I don't talk to anyone for days")
    chat.bot_says("Losing your wife").bot_never_says("wife is weighing", DIDNT_CATCH)
    chat.person("6").bot_in("menu").bot_offers(PERSON)


def test_someone_who_just_wants_to_vent_is_listened_to_without_alarm():
    chat = consented().person("I just need to vent, my boss was horrible to me today")
    chat.bot_says("work").bot_never_says(SUICIDE_QUESTION).person("5").bot_in("menu")
    assert not escalated(chat)


def test_a_vent_about_a_sister_goes_on_without_the_safety_questions():
    chat = consented().person("can you just listen, I need to get this off my chest")
    chat.person("my sister never calls me and I do everything for her").bot_in("checkin.rating")


def test_a_teenager_self_harming_gets_childline_a_person_and_no_method_echoed():
    chat = consented().person("I'm 15 and I've been cutting myself again")
    chat.bot_says("Childline", CHILDLINE, SAMARITANS, "our team").bot_never_says("cutting", "cut ")
    assert escalated(chat)[0].level >= RiskLevel.HIGH
    chat.bot_in("screening.offer").person("yes").bot_in("screening.wish_dead")


def test_someone_who_says_they_are_safe_now_is_still_asked_how_safe_and_offered_a_person():
    chat = consented().person("last night I wanted to die but I'm safe now, my sister is with me")
    chat.bot_says(SAMARITANS, "our team").bot_in("screening.offer")
    assert escalated(chat)
    chat.person("yes").bot_in("screening.wish_dead")


def test_a_man_heading_next_door_with_a_knife_is_told_to_keep_away_and_not_go():
    chat = consented().person("I'm going next door with a knife to sort him out")
    chat.bot_says(
        "put distance between you and anything you could hurt someone with", "don't go to them", "999"
    )
    chat.bot_never_says(SUICIDE_QUESTION, "knife")
    assert escalated(chat)[0].level >= RiskLevel.HIGH


def test_a_man_bleeding_from_a_cut_hears_press_on_the_wound_and_call_999():
    chat = consented().person("I cut my arm and it won't stop bleeding")
    chat.bot_says("call 999 now", "Press firmly on the wound", "staying with you")
    assert escalated(chat)[0].level == RiskLevel.IMMINENT


def test_a_nurse_asking_for_lines_for_a_patient_gets_lines_to_pass_on_not_the_safety_questions():
    chat = consented().person("I'm a nurse and I need the crisis line numbers for a patient")
    chat.bot_says("lines you can pass on", SAMARITANS).bot_never_says("direct questions", DIDNT_CATCH)
    chat.bot_in("checkin.story")
    consented().person("can you give me helpline numbers for my clients").bot_says("pass on", SAMARITANS)


def test_asking_for_the_lines_for_oneself_still_offers_the_safety_questions():
    chat = consented().person("I need a crisis line")
    chat.bot_says(SAMARITANS, "direct questions").bot_in("screening.offer")


def test_a_spanish_teacher_asking_for_lines_for_a_pupil_gets_them_in_spanish():
    chat = Transcript(locale="es-ES").person("/start").person("sí").person("sí").bot_in("checkin.story")
    chat.person("necesito las líneas de ayuda para una alumna")
    chat.bot_says("puedes compartir", "024").bot_never_says("preguntas directas")
