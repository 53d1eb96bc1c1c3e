"""Re-running a cell closes the widgets it made before, and nothing else."""

from __future__ import annotations

import ipywidgets
import numpy as np
import pytest

from studio.audio import Audio
from studio.widgets import lifecycle
from studio.widgets.lifecycle import register_view, widget_tree


@pytest.fixture
def shell():
    """A real IPython shell in this process, removed again afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    sh = InteractiveShell.instance()
    lifecycle._install()  # as when studio.widgets is first imported in a kernel
    sh.user_ns["np"] = np
    sh.user_ns["Audio"] = Audio
    yield sh
    InteractiveShell.clear_instance()


def run(shell, code: str, cell_id: str | None) -> None:
    result = shell.run_cell(code, cell_id=cell_id)
    result.raise_error()


MAKE_VIEWS = """
from studio.widgets import Player, LivePlot
from studio.widgets.liveplot import Axis, Subplot
import ipywidgets
clip = Audio(np.zeros((2, 800)) + 0.1, 8000)
player = Player({"mix": clip, "master": clip.with_samples(clip.samples * 0.5)})
plot = LivePlot([Subplot(Axis("x"), Axis("y", range=(0, 1)))])
plot.line("t", [0, 1], [0, 1])
box = ipywidgets.VBox([ipywidgets.IntSlider(), plot])
from studio.widgets import register_view
register_view(box)
unrelated = ipywidgets.IntSlider()  # made in the cell, but no studio view
"""


def test_rerunning_a_cell_closes_the_whole_tree_of_its_views(shell) -> None:
    run(shell, "import studio.widgets", "c0")
    run(shell, MAKE_VIEWS, "c1")
    ns = shell.user_ns
    old = [ns["player"], ns["plot"], ns["box"]]
    tree = [w for view in old for w in widget_tree(view)]
    assert ns["player"].sides[0] in tree and ns["plot"].traces[0] in tree
    assert ns["box"].children[0].layout in tree  # layouts and styles too
    unrelated = ns["unrelated"]
    assert lifecycle.views_of_cell("c1") == old
    run(shell, "x = 1", "c2")  # another cell: nothing closes
    assert all(w.comm is not None for w in tree)
    run(shell, MAKE_VIEWS, "c1")  # the same cell again
    assert all(w.comm is None for w in tree)
    assert unrelated.comm is not None  # not a studio view: left alone
    assert all(view.comm is not None for view in (ns["player"], ns["plot"], ns["box"]))
    assert lifecycle.views_of_cell("c1") == [ns["player"], ns["plot"], ns["box"]]


def test_a_widget_another_cells_view_holds_stays_open(shell) -> None:
    run(shell, "import studio.widgets, ipywidgets", "c0")
    run(shell, "console = studio.widgets.register_view(ipywidgets.VBox())", "c1")
    add_strip = (
        "from studio.widgets.liveplot import LivePlot, Subplot, Axis\n"
        "strip = LivePlot([Subplot(Axis('x'), Axis('y', range=(0, 1)))])\n"
        "console.children = [*console.children, strip]\n"
    )
    run(shell, add_strip, "c2")
    first = shell.user_ns["strip"]
    run(shell, add_strip, "c2")  # run again: a second strip is added
    assert first.comm is not None  # the console (cell c1) still shows the first strip
    assert len(shell.user_ns["console"].children) == 2
    run(shell, "console = studio.widgets.register_view(ipywidgets.VBox())", "c1")
    assert first.comm is None  # it belonged to the old console alone
    assert shell.user_ns["strip"].comm is not None  # still cell c2's own view


def test_without_a_cell_id_nothing_is_recorded_or_closed(shell) -> None:
    run(shell, "import studio.widgets, ipywidgets", None)
    run(shell, "v = studio.widgets.register_view(ipywidgets.VBox())", None)
    first = shell.user_ns["v"]
    run(shell, "v = studio.widgets.register_view(ipywidgets.VBox())", None)
    assert first.comm is not None
    assert lifecycle.current_cell_id() is None


def test_widgets_made_by_callbacks_after_a_cell_belong_to_no_cell(shell) -> None:
    run(shell, "import studio.widgets, ipywidgets", "c0")
    run(shell, "x = 1", "c1")
    late = register_view(ipywidgets.VBox())  # e.g. built when a slider moved
    run(shell, "x = 2", "c1")
    assert late.comm is not None


def test_outside_ipython_it_is_a_no_op() -> None:
    from IPython import get_ipython

    assert get_ipython() is None
    box = ipywidgets.VBox()
    assert register_view(box) is box and lifecycle.current_cell_id() is None
    assert lifecycle.views_of_cell("anything") == []


def test_the_running_cell_is_found_from_the_kernel_request() -> None:
    class Kernel:
        def get_parent(self, channel):
            assert channel == "shell"
            return {"metadata": {"cellId": "abc-123"}, "header": {}}

    class Shell:
        kernel = Kernel()

    assert lifecycle._cell_id_of_running_request(Shell()) == "abc-123"
    Shell.kernel = None
    assert lifecycle._cell_id_of_running_request(Shell()) is None


def test_close_tree_counts_what_it_closed_and_keeps_what_it_is_told() -> None:
    slider = ipywidgets.IntSlider()
    box = ipywidgets.VBox([slider])
    n_open = len(widget_tree(box))
    assert lifecycle.close_tree(box, keep=[slider]) == n_open - 1
    assert slider.comm is not None and box.comm is None
    assert lifecycle.close_tree(box) == 1  # only what was still open: the slider


def test_a_view_held_by_an_unregistered_container_stays_open(shell) -> None:
    """Closing it would leave the container pointing at a closed model."""
    run(shell, "import studio.widgets, ipywidgets", "c0")
    make = (
        "from studio.widgets.liveplot import LivePlot, Subplot, Axis\n"
        "plot = LivePlot([Subplot(Axis('x'), Axis('y', range=(0, 1)))])\n"
        "holder = ipywidgets.VBox([plot])  # a container that registered nothing\n"
        "alone = LivePlot([Subplot(Axis('x'), Axis('y', range=(0, 1)))])\n"
    )
    run(shell, make, "c1")
    held, holder, alone = (shell.user_ns[k] for k in ("plot", "holder", "alone"))
    run(shell, make, "c1")
    assert held.comm is not None and holder.comm is not None
    holder.get_state()  # still serialisable: every child it names is open
    assert alone.comm is None  # nothing held it: closed
