"""On-call staff: cases, their lifecycle, the rota, the escalation policy and staff protection.

Pure like the rest of flows/: given cases, staff, shifts and the time, these modules decide who is
on call, whom to page, what is most urgent and whether an action is allowed; `desk` (the person's
side, staff actions, reports and case timers, one module each) decides every desk action and
timer, returning `intents`. `bot/desk.py` loads their state from storage and carries the intents
out, in one transaction.
"""
