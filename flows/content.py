"""User-facing text, loaded from the content files: one folder per language, English first.

Logic modules name a key; the words live in `flows/content/<language>/*.toml`. A key missing in
another language falls back to English, so a partial translation never leaves a person without
an answer.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from string import Formatter
from typing import Any

DEFAULT_LANGUAGE = "en"


class Content:
    """The texts of one language, with English beneath them."""

    def __init__(self, language: str, tree: dict[str, Any], fallback: Content | None = None):
        self.language = language
        self._tree = tree
        self._fallback = fallback

    def text(self, key: str, **values: object) -> str:
        """The text under `key`, with `{placeholders}` filled from `values`."""
        template = self.get(key)
        if not isinstance(template, str):
            raise KeyError(f"no text for content key {key!r}")
        return template.format_map(values) if values else template

    def words(self, key: str) -> list[str]:
        """A list of phrases under `key` (synonyms, feeling words)."""
        found = self.get(key)
        return [str(item) for item in found] if isinstance(found, list) else []

    def table(self, key: str) -> dict[str, Any]:
        found = self.get(key)
        return found if isinstance(found, dict) else {}

    def get(self, key: str) -> Any:
        """Whatever is under `key` (text, list or table), or None where no language has it."""
        node: Any = self._tree
        for part in key.split("."):
            if not isinstance(node, dict) or part not in node:
                return self._from_fallback(key)
            node = node[part]
        return node

    def _from_fallback(self, key: str) -> Any:
        return None if self._fallback is None else self._fallback.get(key)


def placeholders(template: str) -> set[str]:
    """The `{names}` a template expects: lets tests check every language fills the same ones."""
    return {name for _, name, _, _ in Formatter().parse(template) if name}


@cache
def available_languages() -> tuple[str, ...]:
    root = resources.files("flows") / "content"
    found = sorted(entry.name for entry in root.iterdir() if entry.is_dir())
    return tuple(sorted(found, key=lambda code: code != DEFAULT_LANGUAGE))


@cache
def content_for(language: str) -> Content:
    """The content of `language`, or of English when there is none for it."""
    if language not in available_languages():
        language = DEFAULT_LANGUAGE
    fallback = None if language == DEFAULT_LANGUAGE else content_for(DEFAULT_LANGUAGE)
    return Content(language, _load_tree(language), fallback)


def _load_tree(language: str) -> dict[str, Any]:
    tree: dict[str, Any] = {}
    folder = resources.files("flows") / "content" / language
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if entry.name.endswith(".toml"):
            _merge(tree, tomllib.loads(entry.read_text(encoding="utf-8")))
    return tree


def _merge(into: dict[str, Any], new: dict[str, Any]) -> None:
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
