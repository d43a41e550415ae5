"""The detector learns from the service's own traffic: the message that opened each case staff
labelled, with the label the staff's judgement gives it, as lines `pfa-bot risk-eval` reads.

Staff say whether the risk was as flagged, lower (a false alarm) or higher; the export turns that
into the evaluation's labels (crisis, concern, safe) relative to the level the case was opened at.
The file holds people's words in clear: it is written for the operator's eyes only (mode 0600).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from storage.unit_of_work import SqlAlchemyUnitOfWork

SCALE = ("safe", "concern", "crisis")
LEVEL_LABEL = {"none": "safe", "low": "safe", "moderate": "concern", "high": "crisis", "imminent": "crisis"}
STEP = {"confirmed": 0, "lower": -1, "higher": 1}


def evaluation_label(level: str, staff_label: str) -> str:
    """The evaluation label of a message the detector put at `level`, as staff judged it."""
    index = SCALE.index(LEVEL_LABEL[level]) + STEP[staff_label]
    return SCALE[min(max(index, 0), len(SCALE) - 1)]


def export_labelled_cases(unit_of_work: Callable[[], SqlAlchemyUnitOfWork], path: Path) -> int:
    """Write the labelled lines to `path` (replacing it); return how many were written."""
    rows = []
    with unit_of_work() as uow:
        for case_id, user_id, level, label, opened_at in uow.desk_records.labelled_cases():
            text = uow.desk_records.flagged_message(user_id, opened_at)
            if text:
                rows.append(
                    {"text": text, "label": evaluation_label(level, label), "case": case_id, "level": level}
                )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return len(rows)
