"""The widgets' words come from the catalogue, on the Python side and in the browser."""

import re
from pathlib import Path

import numpy as np

from studio.audio import Audio
from studio.text import t, use_language
from studio.text.audit import find_prose
from studio.widgets.player import BROWSER_TEXTS, Player, browser_texts

WIDGETS = Path(__file__).resolve().parents[1] / "studio" / "widgets"

_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_STRING = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`(?:[^`\\]|\\.)*`', re.S)
_WORD = re.compile(r"[A-Za-z]{2,}[.,:;!?]?")
# messages for developers (a console line, an Error thrown), in English by design
_FOR_DEVELOPERS = re.compile(r"(console\.\w+|new Error)\(\s*$")


def js_prose(source: str) -> list[str]:
    """String literals in JavaScript that read like words for a person (2+ words).

    Attribute names, event names and CSS (``"font-size"``, ``"change:version"``) are one
    token each; messages for developers (console lines, errors thrown) and lines marked
    ``prose: ok`` are allowed.
    """
    # a line marked "prose: ok" keeps its words (say why beside it)
    source = "\n".join(line for line in source.splitlines() if "prose: ok" not in line)
    code = _COMMENT.sub("", source)
    found = []
    for match in _STRING.finditer(code):
        literal = match.group()
        if _FOR_DEVELOPERS.search(code[max(0, match.start() - 40) : match.start()]):
            continue
        text = re.sub(r"\$\{[^}]*\}", " ", literal[1:-1])  # template fields are not words
        words = [token for token in text.split() if _WORD.fullmatch(token)]
        if len(words) >= 2:
            found.append(literal)
    return found


def test_no_python_widget_module_bypasses_the_catalogue():
    found = [str(p) for path in sorted(WIDGETS.glob("*.py")) for p in find_prose(path)]
    assert found == [], "\n".join(found)


def test_no_browser_module_writes_its_own_words():
    for path in sorted(WIDGETS.glob("*.js")):
        assert js_prose(path.read_text(encoding="utf-8")) == [], path.name


def test_the_js_scan_finds_words():
    assert js_prose('el.textContent = "Could not load the audio";') != []
    assert js_prose('el.className = "studio-player studio-player-play"; // a comment') == []


def test_the_player_carries_its_words_in_the_learners_language():
    texts = browser_texts()
    assert set(texts) == set(BROWSER_TEXTS)
    assert texts["one_down"] == t("player.one_down", label="{label}", db="{db}", others="{others}")
    silence = Audio(np.zeros((1, 4800)), 48000)
    with use_language("es"):
        spanish = Player({"a": silence}).texts
    assert set(spanish) == set(BROWSER_TEXTS)  # every word there, in Spanish or English
