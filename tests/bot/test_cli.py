"""The risk commands staff and developers use to see what the detector does."""

from __future__ import annotations

import json

from bot.cli import main


def test_risk_prints_the_level_and_signals(capsys):
    assert main(["risk", "i wanna kms tonight"]) == 0
    out = capsys.readouterr().out
    assert "level: high" in out or "level: imminent" in out
    assert "signals:" in out


def test_risk_eval_prints_recall_false_alarms_and_every_misjudged_line(tmp_path, capsys):
    rows = [
        {"text": "I'm going to kill myself tonight", "label": "crisis"},
        {"text": "I have nothing to live for", "label": "concern"},
        {"text": "this exam is killing me", "label": "safe"},
        {"text": "I want to end my life", "label": "safe"},  # mislabelled on purpose: must be listed
    ]
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    assert main(["risk-eval", str(labelled)]) == 0
    out = capsys.readouterr().out
    assert "crisis: 1/1" in out and "concern: 1/1" in out and "safe: 1/2" in out
    assert "false alarms: 1/2" in out
    assert "I want to end my life" in out
