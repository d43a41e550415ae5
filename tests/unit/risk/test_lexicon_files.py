"""The lexicon files are laid out so that a clinician can review one signal in one place."""

from __future__ import annotations

import tomllib
from pathlib import Path, PurePosixPath

from flows.risk.lexicon import load_packaged, packaged_files

LEXICONS = Path(__file__).resolve().parents[3] / "flows" / "risk" / "lexicons"
# Files that hold no rules: how a match is read in context, and how text is normalised.
SETTINGS_FILES = frozenset({"language.toml", "normalise.toml"})


def _rule_signals(path: Path) -> set[str]:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {str(rule["signal"]) for group in data.get("group", []) for rule in group.get("rule", [])}


def test_every_rule_file_is_named_after_the_one_signal_it_defines() -> None:
    """A file holds the rules of the signal it is named after, or the cues that name that kind."""
    for path in sorted(LEXICONS.glob("*/*.toml")):
        signals = _rule_signals(path)
        if path.name in SETTINGS_FILES:
            assert not signals, f"{path} holds settings, not rules"
        elif not signals:
            assert "kinds" in tomllib.loads(path.read_text(encoding="utf-8")), f"{path} defines nothing"
        else:
            assert signals == {path.stem}, f"{path} defines {sorted(signals)}"


def test_each_folder_is_one_language() -> None:
    for path in sorted(LEXICONS.glob("*/*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        assert data["language"] == path.parent.name, path


def test_no_lexicon_lies_outside_a_language_folder() -> None:
    assert not list(LEXICONS.glob("*.toml"))


def test_every_file_in_the_folders_is_loaded() -> None:
    names = sorted(f"{f.parent.name}/{f.name}" for f in map(Path, map(str, packaged_files())))
    assert names == sorted(f"{p.parent.name}/{p.name}" for p in LEXICONS.glob("*/*.toml"))
    assert len(load_packaged()) == len(names)


def test_every_lexicon_file_is_shipped_in_the_package() -> None:
    """The wheel carries what `package-data` names; a file outside its patterns would be left behind."""
    pyproject = tomllib.loads((LEXICONS.parents[2] / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["flows"]
    package = LEXICONS.parents[1]
    for path in LEXICONS.glob("*/*.toml"):
        relative = PurePosixPath(path.relative_to(package).as_posix())
        assert any(_shipped_by(relative, PurePosixPath(pattern)) for pattern in patterns), relative


def _shipped_by(path: PurePosixPath, pattern: PurePosixPath) -> bool:
    # Like setuptools' glob: "*" stays within one folder.
    return len(path.parts) == len(pattern.parts) and path.match(str(pattern))
