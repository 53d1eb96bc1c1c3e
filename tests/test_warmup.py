"""The warm-up runs its calls cleanly (it swallows errors, so a test must look)."""

from studio.dsp.warmup import _everything, warm_up


def test_warm_up_of_the_common_loops_reports_no_failure():
    assert warm_up() == []


def test_the_full_list_names_every_dsp_module_with_a_compiled_loop():
    names = " ".join(name for name, _ in _everything())
    for part in ("gate", "limit", "reverb", "echo", "flanger", "phaser", "dither", "saturate"):
        assert part in names
