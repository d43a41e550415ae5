"""The risk commands staff and developers use to see what the detector does."""

from __future__ import annotations

import json

from bot.cli import main


def test_risk_prints_the_level_and_signals(capsys):
    assert main(["risk", "i wanna kms tonight"]) == 0
    out = capsys.readouterr().out
    assert "level: high" in out or "level: imminent" in out
    assert "signals:" in out


def test_risk_train_check_says_whether_the_packaged_model_is_current(tmp_path, capsys):
    assert main(["risk-train", "--check"]) == 0
    other = tmp_path / "risk_other.jsonl"
    other.write_text(json.dumps({"text": "a line it never saw", "label": "safe"}) + "\n", encoding="utf-8")
    assert main(["risk-train", "--check", "--data", str(tmp_path)]) == 1
    assert "run `pfa-bot risk-train`" in capsys.readouterr().out


def test_risk_train_cross_validates_file_by_file(tmp_path, capsys):
    lines = {
        "crisis": ["i am going to end my life tonight", "took all my pills an hour ago", "kms tonight"],
        "concern": ["i wish i could disappear", "everyone would be better off without me", "no hope"],
        "safe": ["this exam is killing me", "my phone is dying", "thanks, that helped"],
    }
    for part in (0, 1):
        rows = [
            {"text": f"{text} {part}", "label": label} for label, texts in lines.items() for text in texts
        ]
        (tmp_path / f"risk_{part}.jsonl").write_text(
            "\n".join(map(json.dumps, rows)) + "\n", encoding="utf-8"
        )
    assert main(["risk-train", "--cross-validate", "--data", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in out] == ["risk_0.jsonl", "risk_1.jsonl"]
    assert all("| rules and model" in line and "false alarms" in line for line in out)


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


def test_risk_eval_unlabelled_prints_the_share_at_each_level_and_the_top_flagged_lines(tmp_path, capsys):
    texts = ["I'm going to kill myself tonight", "I have nothing to live for", "lovely weather today"]
    texts += ["see you at the match on sunday"] * 7
    unlabelled = tmp_path / "traffic.txt"
    unlabelled.write_text("\n".join(texts) + "\n\n", encoding="utf-8")
    assert main(["risk-eval", "--unlabelled", str(unlabelled), "--top", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("10 lines")
    assert "high or above: 10.00%; moderate or above: 20.00%" in out
    assert "would page at once: 1 (10.00%)" in out
    assert "top 1 flagged lines:" in out and "kill myself tonight" in out
    assert "nothing to live for" not in out


def test_risk_says_when_a_high_reading_is_the_models_alone_and_asked_first(capsys):
    assert main(["risk", "I have written letters to everyone and given my things away"]) == 0
    assert "asked directly first" in capsys.readouterr().out
    assert main(["risk", "I'm going to kill myself tonight"]) == 0
    assert "asked directly first" not in capsys.readouterr().out


def test_risk_eval_without_a_file_says_what_it_needs(capsys):
    assert main(["risk-eval"]) == 2
    assert "--unlabelled" in capsys.readouterr().out


def test_risk_train_leaves_the_model_file_alone_when_only_float_noise_differs(tmp_path):
    from bot.risk_training import train, write_model

    data = tmp_path / "risk_a.jsonl"
    lines = [("i want to end it all tonight", "crisis"), ("no point in anything", "concern")] * 2
    lines += [("my phone is dying", "safe"), ("thanks, that helped", "safe")] * 2
    data.write_text(
        "\n".join(json.dumps({"text": t, "label": label}) for t, label in lines), encoding="utf-8"
    )
    model_file = tmp_path / "risk_model.json"
    assert write_model(train([data]), model_file)
    earlier = json.loads(model_file.read_text(encoding="utf-8"))
    earlier["intercepts"] = [value + 1e-6 for value in earlier["intercepts"]]  # an earlier fit's last digit
    model_file.write_text(json.dumps(earlier), encoding="utf-8")
    written = model_file.read_bytes()
    assert not write_model(train([data]), model_file)
    assert model_file.read_bytes() == written
    data.write_text(
        data.read_text(encoding="utf-8") + "\n" + json.dumps({"text": "new", "label": "safe"}),
        encoding="utf-8",
    )
    assert write_model(train([data]), model_file)
    assert model_file.read_bytes() != written
