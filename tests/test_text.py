"""The text catalogue: look-ups, languages, fallback, coverage, and the prose audit."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

import studio.analysis.findings
import studio.demo
import studio.text
from studio.dsp.control import Envelope
from studio.errors import StudioError, TextError
from studio.params import param
from studio.processors.base import Parametric, Processor, registered_processors
from studio.processors.dynamics import Compressor, Gate
from studio.text import (
    fields_of,
    has,
    keys,
    language,
    languages,
    param_text,
    processor_name,
    processor_title,
    set_language,
    t,
    use_language,
)
from studio.text.audit import find_prose, format_prose

TEXT_ROOT = Path(studio.text.__file__).parent
STUDIO_ROOT = TEXT_ROOT.parent
AREAS = sorted(p.stem for p in (TEXT_ROOT / "en").glob("*.toml"))


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    set_language("en")


# ------------------------------------------------------------------------------ look-up


def test_t_returns_english_and_fills_fields():
    assert t("lessons.mixing.eq.title") == "Filtering and EQ"
    text = t("demo.describe.song", key="D minor", tempo_bpm=120.0, duration_s=40.0, sr=48000)
    assert text == "Demo song in D minor at 120 BPM, 40 s at 48000 Hz."
    # a field the template does not use is ignored (a translation may drop one)
    assert t("lessons.mixing.eq.title", unused=1) == "Filtering and EQ"


def test_unknown_key_names_the_key_and_the_language():
    with pytest.raises(TextError, match=r"no text 'lessons\.mixing\.nope'.*language 'en'"):
        t("lessons.mixing.nope")
    with use_language("es"), pytest.raises(TextError, match=r"'nowhere\.at\.all'.*'es'"):
        t("nowhere.at.all")
    with pytest.raises(TextError, match="area and an entry"):
        t("no_dot")
    with pytest.raises(TextError, match="area and an entry"):
        t(42)  # type: ignore[arg-type]
    assert issubclass(TextError, StudioError) and issubclass(TextError, LookupError)


def test_missing_field_names_the_field_and_the_key():
    with pytest.raises(TextError, match=r"'demo\.describe\.song'.*needs the field 'tempo_bpm'"):
        t("demo.describe.song", key="D minor")
    with pytest.raises(TextError, match="cannot be filled in"):
        t("demo.describe.song", key="x", tempo_bpm="fast", duration_s=1, sr=1)  # :g of a str


def test_has_and_keys():
    assert has("params.Compressor.ratio.help")
    assert not has("params.Compressor.nope.help") and not has("nodot") and not has("zz.top")
    assert "lessons.mixing.eq.title" in keys("lessons")
    assert "lessons.mixing.eq.title" in keys("lessons", "es")
    assert "params.Compressor.ratio.help" in keys("params", "es")
    assert "params.Gate.ratio.help" not in keys("params", "es")


def test_fields_of():
    assert fields_of("{a} and {b:.1f} of {c[0]} {{literal}}") == {"a", "b", "c"}
    assert fields_of("no fields") == frozenset()


# ---------------------------------------------------------------------------- languages


def test_languages_and_switching():
    assert languages()[0] == "en" and "es" in languages()
    assert language() == "en"
    set_language("es")
    assert language() == "es"
    assert t("lessons.mixing.eq.title") == "Filtros y ecualización"
    set_language("EN")
    assert language() == "en"


@pytest.mark.parametrize("code", ["es", "ES", "es-ES", "es_MX", " es "])
def test_language_codes_with_a_region_mean_the_language(code):
    with use_language(code) as chosen:
        assert chosen == "es" == language()
    assert language() == "en"


def test_unknown_language_is_refused_plainly():
    with pytest.raises(TextError, match=r"no texts in language 'xx'.*en, es"):
        set_language("xx")
    with pytest.raises(TextError, match="a language is a code"):
        set_language(None)  # type: ignore[arg-type]
    assert language() == "en"


def test_use_language_restores_after_an_error():
    with pytest.raises(RuntimeError), use_language("es"):
        raise RuntimeError("boom")
    assert language() == "en"


def test_missing_translations_fall_back_to_english_key_by_key():
    english_help = t("params.Gate.ratio.help")
    with use_language("es"):
        assert t("params.Gate.ratio.help") == english_help  # not translated yet
        assert t("findings.severity.problem") == "problema"  # translated
        assert t("demo.keys.D minor") == "re menor"


# ------------------------------------------------------------------ catalogue files


@pytest.mark.parametrize("code", languages())
def test_every_file_reads_and_holds_only_text(code):
    for file in (TEXT_ROOT / code).glob("*.toml"):
        tomllib.loads(file.read_text(encoding="utf-8"))  # raises on a TOML error
        assert file.stem in AREAS, f"{file}: English has no area {file.stem!r}"
        assert keys(file.stem, code), f"{file} is empty"


@pytest.mark.parametrize("code", [c for c in languages() if c != "en"])
def test_translations_use_english_keys_and_fields(code):
    for area in AREAS:
        for key in keys(area, code):
            assert has(key), f"{code}/{area}.toml has {key!r}, which English does not"
            with use_language(code):
                translated = studio.text._template(key, code)
            english = studio.text._template(key, "en")
            extra = fields_of(translated) - fields_of(english)
            assert not extra, f"{code}: {key!r} uses fields English does not give: {extra}"


@pytest.mark.parametrize("code", languages())
def test_templates_are_well_formed(code):
    for area in AREAS:
        for key in keys(area, code):
            template = studio.text._template(key, code)
            fields = fields_of(template)  # raises on an unbalanced brace
            assert "" not in fields, f"{code}: {key!r} has a positional field {{}}"
            assert template == template.strip(), f"{code}: {key!r} has spaces at an end"


# ------------------------------------------------------------- processors' words


def _parametric_classes() -> list[type]:
    registered_processors()  # imports every processor module
    import studio.mixing  # noqa: F401 - the session model's classes

    def walk(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from walk(sub)

    return sorted(
        {
            c
            for c in walk(Parametric)
            if dataclasses.is_dataclass(c)
            and c.__module__.startswith(("studio.processors", "studio.mixing"))
        },
        key=lambda c: c.__name__,
    )


def test_every_processor_and_item_class_is_covered():
    classes = _parametric_classes()
    names = {c.__name__ for c in classes}
    # the mastering stage's classes keep their words in chain.toml (studio.mastering.words)
    general = {
        name
        for name, cls in registered_processors().items()
        if not cls.__module__.startswith("studio.mastering")
    }
    assert general <= names
    assert {"EQBand", "MultibandBand", "Compressor", "ParametricEQ"} <= names


@pytest.mark.parametrize("cls", _parametric_classes(), ids=lambda c: c.__name__)
def test_every_word_of_a_processor_comes_from_the_catalogue(cls):
    """Labels, help lines, item names and titles are the catalogue's; declarations hold none."""
    for spec in cls.specs():
        assert (spec.label, spec.help) == param_text(cls, spec.name), spec.name
        assert spec.help, f"{cls.__name__}.{spec.name} has no help line"
    for field in dataclasses.fields(cls):
        declared = field.metadata.get("studio.param")
        if declared is not None:  # units, ranges and flags only: no words in the code
            assert (declared.label, declared.help) == ("", ""), field.name
        if "studio.items" in field.metadata or "studio.child" in field.metadata:
            assert not field.metadata.get("help") and not field.metadata.get("item_label")
            assert cls.field_words(field.name) == param_text(cls, field.name)
        if "studio.items" in field.metadata:
            assert cls.item_label(field.name) == t(f"params.{cls.__name__}.{field.name}.item")
    assert cls.class_title() == processor_title(cls)
    assert cls.class_name() == processor_name(cls)


def test_catalogue_has_no_words_for_parameters_that_do_not_exist():
    classes = {c.__name__: c for c in _parametric_classes()}
    for key in keys("params"):
        _, cls_name, field_name, _ = key.split(".")
        assert cls_name in classes, f"{key}: no class {cls_name}"
        fields = {f.name for f in dataclasses.fields(classes[cls_name])}
        assert field_name in fields, f"{key}: {cls_name} has no field {field_name}"
    for key in keys("processors"):
        assert key.split(".")[1] in classes, f"{key}: no such class"


def test_param_text_falls_back_through_base_classes():
    base = type("Compressor", (), {})  # stands for the real class: only names matter
    mine = type("MyCompressor", (base,), {})
    assert param_text(mine, "ratio") == param_text("Compressor", "ratio")
    assert param_text(("MyCompressor", "Compressor"), "ratio")[0] == "ratio"
    assert processor_title(mine).startswith("Compressor:")
    with pytest.raises(TextError, match=r"no words for parameter 'nope' of MyCompressor"):
        param_text(mine, "nope")
    assert param_text(mine, "nope", ("nope", "")) == ("nope", "")
    assert processor_name("NoSuchThing", "fallback") == "fallback"
    with pytest.raises(TextError, match=r"no title for NoSuchThing \(looked under NoSuchThing"):
        processor_title("NoSuchThing")


def test_param_text_follows_the_language():
    english = param_text("Compressor", "ratio")
    with use_language("es"):
        assert param_text("Compressor", "ratio") == (
            "proporción",
            t("params.Compressor.ratio.help"),
        )
        assert param_text("Compressor", "ratio") != english
        assert param_text("Gate", "ratio") == with_english(lambda: param_text("Gate", "ratio"))


def with_english(fn):
    with use_language("en"):
        return fn()


def test_cache_key_follows_the_language_and_a_new_reading():
    language_now, revision = studio.text.cache_key()
    assert language_now == "en"
    with use_language("es"):
        assert studio.text.cache_key() == ("es", revision)
    studio.text._clear_cache()
    assert studio.text.cache_key() == ("en", revision + 1)


def test_every_lesson_has_a_title_in_every_language():
    ids = {k.rsplit(".", 1)[0].split(".", 1)[1] for k in keys("lessons")}
    assert {"mixing.eq", "mixing.compression", "mastering.loudness"} <= ids
    for code in languages():
        with use_language(code):
            for lesson in ids:
                assert t(f"lessons.{lesson}.title")


# ---------------------------------------------------------------------------- cost


def _run(code: str) -> str:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return out.stdout.strip()


def test_importing_reads_no_text_file():
    """``import studio`` loads neither the catalogue nor the TOML reader."""
    code = "import sys, studio, studio.text; print('tomllib' in sys.modules)"
    assert _run(code) == "False"
    code = "import sys, studio.text as s; s.t('demo.mix_name'); print('tomllib' in sys.modules)"
    assert _run(code) == "True"


# ---------------------------------------------------------------------- prose audit


def _scan(tmp_path, source: str, **kwargs):
    file = tmp_path / "module.py"
    file.write_text(textwrap.dedent(source), encoding="utf-8")
    return [p.text for p in find_prose(file, **kwargs)]


def test_audit_finds_prose_in_code(tmp_path):
    found = _scan(
        tmp_path,
        '''
        """A module docstring with many words is documentation."""
        import warnings
        from studio.text import t

        LABEL = "turn it down"
        TITLE = f"{3} tracks at {48000} Hz"
        NAME = "threshold_db"
        SHORT = "dB"
        PAIR = "D minor"
        WRAPPED = "{} and some words".format(1)

        def f(x, title="Stereo correlation and PSR"):
            """A function docstring, also fine."""
            "A lone string statement documents code."
            if x:
                raise ValueError(f"the value {x} is not good at all")
            assert x, "an assertion message is for programmers"
            warnings.warn("a warning message in many words")
            return t("demo.describe.song", key="fine"), t("x.y", note="but this field is prose")
        ''',
    )
    assert found == [
        "turn it down",
        "{...} tracks at {...} Hz",
        "{} and some words",
        "Stereo correlation and PSR",
        "but this field is prose",
    ]


def test_audit_pragma_and_word_count(tmp_path):
    source = """
    A = "three words here"  # prose: ok (a file format name)
    B = "two words"
    C = (
        "spread over "  # prose: ok
        "two lines"
    )
    """
    assert _scan(tmp_path, source) == []
    assert _scan(tmp_path, source, min_words=2) == ["two words"]


def test_audit_accepts_modules_folders_and_lists(tmp_path):
    assert find_prose(studio.text) == find_prose(TEXT_ROOT)
    with pytest.raises(ValueError, match="needs a module"):
        find_prose(tmp_path / "missing.txt")


def test_audit_pragma_on_a_statement_covers_what_it_holds(tmp_path):
    source = """
    KINDS = (  # prose: ok (file kinds for error messages)
        "a WAV file",
        "an AIFF file",
    )
    OTHER = (
        "an Ogg file",
    )

    def _message(name):  # prose: ok (an error message)
        if name:
            return f"{name} is cut short by a lot"
        return "nothing was read at all"

    def shown(name):
        return f"{name} is shown to a learner"
    """
    assert _scan(tmp_path, source) == ["an Ogg file", "{...} is shown to a learner"]


# Everything but the widgets (which get their own turn) is audited.
_AUDITED = sorted(
    p
    for p in STUDIO_ROOT.iterdir()
    if (p.suffix == ".py" or (p / "__init__.py").is_file()) and p.name not in ("widgets",)
)


def test_the_audit_covers_the_package():
    names = {p.name for p in _AUDITED}
    assert {"processors", "params.py", "analysis", "io.py", "audio.py", "mixing"} <= names
    assert {"text", "demo", "course", "preview.py", "dsp"} <= names


@pytest.mark.parametrize("target", _AUDITED, ids=lambda p: p.name)
def test_no_user_facing_words_bypass_the_catalogue(target):
    found = find_prose(target)
    assert not found, "words outside the catalogue:\n" + format_prose(found)


# ------------------------------------------------------ processors in another language


def test_a_processor_speaks_the_chosen_language_with_no_code_of_its_own():
    comp = Compressor(makeup_db=0.0)
    english = comp.describe()
    english_spec = Compressor.spec("threshold_db")
    with use_language("es"):
        spec = Compressor.spec("threshold_db")
        assert (spec.label, spec.help) == ("umbral", t("params.Compressor.threshold_db.help"))
        assert spec.help.startswith("Nivel donde empieza")
        # only the words change: range, unit, default and flags are the declaration's
        assert dataclasses.replace(spec, label="", help="") == dataclasses.replace(
            english_spec, label="", help=""
        )
        assert Compressor.spec("bypass").help.startswith("Activado")
        assert Compressor.class_title().startswith("Compresor: baja")
        assert Compressor.class_name() == "Compresor"
        text = comp.replace(bypass=True).describe()
        assert text.startswith("Compresor: baja") and text.splitlines()[0].endswith("[en bypass]")
        assert "\n  umbral: -18 dB - Nivel donde" in text
        assert "ganancia de compensación: 0 dB (neutro) - " in text
        # what Spanish lacks is English, entry by entry: the words of a gate, and an
        # EQ's whole title, in a Spanish layout
        assert Gate.spec("threshold_db").label == "threshold"
        assert Gate.class_title().startswith("Gate: turns")
        assert "range: 0 dB (neutro) - Most it turns down" in Gate(range_db=0.0).describe()
    # back in English at once: nothing cached from the other language shows
    assert comp.describe() == english
    assert Compressor.spec("threshold_db") == english_spec
    assert Compressor.spec("threshold_db").label == "threshold"


def test_spec_words_are_looked_up_once_per_class_and_language():
    first = Compressor.specs()
    assert Compressor.specs() is first  # cached
    with use_language("es"):
        spanish = Compressor.specs()
        assert spanish is not first and Compressor.specs() is spanish
    assert Compressor.specs() is first


def test_building_and_processing_read_no_text_file():
    """Validation needs no words: constructing processors never loads the catalogue."""
    code = textwrap.dedent("""
        import sys, numpy as np, studio
        import studio.processors
        chain = studio.Chain(studio.Compressor(), studio.ParametricEQ(), studio.Limiter())
        chain = chain.replace(("processors", 0, "ratio"), 2.0).replace(bypass=False)
        chain.process(np.zeros((2, 4800)), 48000)
        studio.Compressor.from_preset(studio.Compressor().to_preset())
        print("tomllib" in sys.modules)
    """)
    assert _run(code) == "False"


def test_an_envelope_is_said_in_the_catalogue_words():
    spec = Compressor.spec("threshold_db")
    moving = Envelope([1.0, 2.0, 3.0], [-30.0, -40.0, -20.0], ["smooth", "hold"])
    text = spec.format(moving)
    assert text == t(
        "describe.automation.moves_between",
        first="-30 dB",
        last="-20 dB",
        low="-40 dB",
        high="-20 dB",
        start_s=1.0,
        end_s=3.0,
        points=3,
        shapes="smooth/hold",
    )
    wanted = "moves from -30 dB to -20 dB (between -40 dB and -20 dB) over 1-3 s, "
    assert text == wanted + "3 points, smooth/hold"
    assert spec.format(Envelope([0.0], [-10.0])).endswith("1 points, constant")


@dataclass(frozen=True)
class _Fuzz(Processor):
    """Fuzz: a learner's own distortion, with its own words."""

    drive_db: float = param(6.0, lo=0.0, hi=24.0, unit="dB", label="fuzz drive", help="How hard.")
    tone: float = param(0.5, lo=0.0, hi=1.0)

    def _process(self, samples, sr):
        return np.tanh(samples)


@dataclass(frozen=True)
class _Plain(Processor):
    level_db: float = param(0.0, lo=-1.0, hi=1.0)

    def _process(self, samples, sr):
        return np.array(samples, copy=True)


@dataclass(frozen=True)
class _MyCompressor(Compressor):
    ratio: float = param(4.0, lo=1.0, hi=40.0, unit=":1", scale="log", help="Mine, up to 40.")


def test_a_learners_own_processor_shows_its_declared_words():
    assert (_Fuzz.spec("drive_db").label, _Fuzz.spec("drive_db").help) == (
        "fuzz drive",
        "How hard.",
    )
    assert (_Fuzz.spec("tone").label, _Fuzz.spec("tone").help) == ("tone", "")
    bypass = _Fuzz.spec("bypass")
    assert (bypass.label, bypass.help) == param_text("Processor", "bypass")  # inherited
    assert _Fuzz.class_title() == "Fuzz: a learner's own distortion, with its own words."
    assert _Plain.class_title() == "_Plain"  # no docstring: its name, not its base's title
    lines = _Fuzz().describe().splitlines()
    assert lines[1:] == ["  fuzz drive: 6 dB - How hard.", "  tone: 0.5"]
    # a subclass of a studio processor: its own words where it declares its own field
    assert _MyCompressor.spec("ratio").help == "Mine, up to 40."
    assert _MyCompressor.spec("ratio").label == "ratio"
    assert _MyCompressor.spec("threshold_db") == dataclasses.replace(
        Compressor.spec("threshold_db"), owner="_MyCompressor"
    )
    assert _MyCompressor.class_title() == Compressor.class_title()
    with use_language("es"):
        assert _MyCompressor.spec("threshold_db").label == "umbral"
        assert _MyCompressor.spec("ratio").help == "Mine, up to 40."


def test_every_worded_choice_has_display_words():
    import studio.processors  # noqa: F401 - registers every class
    from studio.params import registered
    from studio.text import has

    missing = [
        f"{name}.{spec.name}={value}"
        for name, cls in registered().items()
        for spec in cls.specs()
        if spec.kind == "choice"
        for value in spec.choices
        if any(ch.isalpha() for ch in value)
        and not has(f"choices.{spec.name}.{value.replace('.', '_')}")
    ]
    assert missing == []
    from studio.processors import EQBand, Pan

    assert EQBand.spec("kind").choice_label("low_shelf") == "low shelf"
    assert Pan.spec("law").format("compromise_-4.5dB") == "compromise (-4.5 dB)"
    assert "24" == EQBand.spec("kind").choice_label("24")  # numbers as they are
