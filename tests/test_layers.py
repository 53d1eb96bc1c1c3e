"""The layering holds: data layers import no widget or plotting library; import is quick."""

import os
import subprocess
import sys
import textwrap

import pytest

DATA_LAYERS = [
    "studio",
    "studio.dsp",
    "studio.processors",
    "studio.analysis",
    "studio.mixing",
    "studio.demo",
    "studio.io",
    "studio.params",
    "studio.preview",
]


@pytest.mark.parametrize("module", DATA_LAYERS)
def test_data_layers_do_not_import_widgets_or_plotly(module):
    code = textwrap.dedent(f"""
        import sys, importlib
        m = importlib.import_module({module!r})
        for name in getattr(m, "__all__", []):
            getattr(m, name, None) if name not in ("widgets",) else None
        bad = sorted(k for k in sys.modules
                     if k.split(".")[0] in ("ipywidgets", "plotly", "anywidget", "IPython"))
        print(",".join(bad))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"{module} pulled in: {out.stdout.strip()}"


def test_mastering_never_imports_mixing():
    """The stages stay apart: mastering takes a stereo file, never a session."""
    code = textwrap.dedent("""
        import importlib, pkgutil, sys
        try:
            import studio.mastering as m
        except ImportError:
            print("absent"); raise SystemExit
        for info in pkgutil.walk_packages(m.__path__, "studio.mastering."):
            importlib.import_module(info.name)
        print(",".join(k for k in sys.modules if k.startswith("studio.mixing")))
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() in ("", "absent"), out.stdout


def test_import_studio_is_light():
    # numba starts in a background thread at import (see studio/__init__.py); the rest
    # loads on use
    heavy = ("scipy.signal", "ipywidgets", "plotly")
    code = f"import sys, studio; print(','.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_import_studio_starts_the_compiler_in_a_background_thread():
    code = (
        "import sys, studio; alive = studio._WARM_UP.is_alive(); "
        "studio._WARM_UP.join(); print(alive, 'numba' in sys.modules)"
    )
    env = {**os.environ, "STUDIO_WARM_UP": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    # still running when the import returned (it takes a good part of a second), and
    # numba loaded once it finished
    assert out.stdout.split() == ["True", "True"]


def test_the_background_start_can_be_turned_off():
    env = {**os.environ, "STUDIO_WARM_UP": "0"}
    code = "import sys, studio; print(studio._WARM_UP, 'numba' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.split() == ["None", "False"]
