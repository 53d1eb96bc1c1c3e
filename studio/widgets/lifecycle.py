"""Re-running a cell closes the widgets that cell made before.

Without this, every Run All leaves the previous run's widgets alive: the kernel keeps
them, the browser keeps their models, and a page reload fetches all of them again
(plots, players and their audio). A studio view calls :func:`register_view` once when
it is built; when the same cell runs again, IPython's ``pre_run_cell`` event names the
cell (``info.cell_id``, which JupyterLab sends with every execution) and the views
that cell made last time are closed, each with the whole tree of widgets it holds
(children, plots and their traces, players and their sides, layouts and styles).

Only views registered here are closed, and never a widget that something else still
holds: a view of another cell (a console built in one cell keeps a strip added from
another cell, even when that other cell is run again) or any other open widget (a box
that registered nothing keeps its children, so it never points at a closed model).
Outside IPython, or when the front end sends no cell id, nothing is recorded and
nothing is closed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from ipywidgets import Widget

__all__ = ["close_tree", "current_cell_id", "register_view", "views_of_cell", "widget_tree"]

W = TypeVar("W", bound=Widget)

#: Name of the attribute that holds the registry on the IPython shell (one per shell).
_REGISTRY_ATTR = "_studio_view_registry"


def _widgets_in(value: Any) -> Iterator[Widget]:
    """The widgets held by one trait value (a widget, or a list/tuple/dict of them)."""
    if isinstance(value, Widget):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _widgets_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _widgets_in(item)


def widget_tree(root: Widget) -> list[Widget]:
    """``root`` and every widget it holds in a synced trait, recursively, root first.

    That covers a box's children, every widget's layout and style, a live plot's
    traces and a player's sides.
    """
    found: dict[int, Widget] = {}
    stack = [root]
    while stack:
        widget = stack.pop()
        if id(widget) in found:
            continue
        found[id(widget)] = widget
        for name in widget.keys:
            stack.extend(_widgets_in(getattr(widget, name, None)))
    return list(found.values())


def _is_open(widget: Widget) -> bool:
    return widget.comm is not None


def _open_widgets() -> Iterable[Widget]:
    """Every widget open in this kernel (ipywidgets keeps them by model id)."""
    from ipywidgets.widgets import widget as widget_module

    return getattr(widget_module, "_instances", {}).values()


def close_tree(root: Widget, *, keep: Iterable[Widget] = ()) -> int:
    """Close ``root`` and the widgets it holds, except those in ``keep``.

    Returns
    -------
    int
        How many widgets were open and are now closed.
    """
    kept = {id(w) for w in keep}
    closed = 0
    for widget in widget_tree(root):
        if id(widget) in kept or not _is_open(widget):
            continue
        widget.close()
        closed += 1
    return closed


class _Registry:
    """Views by the cell that made them, for one IPython shell."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.by_cell: dict[str, list[Widget]] = {}
        self.current: str | None = _cell_id_of_running_request(shell)

    def pre_run_cell(self, info: Any) -> None:
        cell_id = getattr(info, "cell_id", None)
        self.current = cell_id if isinstance(cell_id, str) and cell_id else None
        if self.current is not None:
            self.close_cell(self.current)

    def post_run_cell(self, *_: Any) -> None:
        # Widgets built later, from a callback (a slider moving), belong to no cell run.
        self.current = None

    def add(self, widget: Widget) -> None:
        if self.current is None:
            return
        views = self.by_cell.setdefault(self.current, [])
        if all(view is not widget for view in views):
            views.append(widget)

    def close_cell(self, cell_id: str) -> int:
        views = self.by_cell.pop(cell_id, [])
        if not views:
            return 0
        closing = {id(w): w for view in views for w in widget_tree(view)}
        keep: list[Widget] = []
        # Whatever a view of another cell still holds stays open...
        for other in self.by_cell.values():
            for view in other:
                if _is_open(view):
                    keep.extend(widget_tree(view))
        # ...and so does whatever any other open widget holds (say a container that
        # registered nothing): closing it would leave that container pointing at a
        # closed model, which breaks restoring the page's widgets.
        for widget in list(_open_widgets()):
            if id(widget) in closing:
                continue
            for name in widget.keys:
                for held in _widgets_in(getattr(widget, name, None)):
                    if id(held) in closing:
                        keep.extend(widget_tree(held))
        return sum(close_tree(view, keep=keep) for view in views)


def _cell_id_of_running_request(shell: Any) -> str | None:
    """The cell id of the execute request running now, from the kernel's parent header.

    Needed once: the registry is created while a cell runs, after that cell's
    ``pre_run_cell`` event has already fired.
    """
    kernel = getattr(shell, "kernel", None)
    get_parent = getattr(kernel, "get_parent", None)
    if get_parent is None:
        return None
    try:
        parent = get_parent("shell")
    except Exception:  # noqa: BLE001 - any kernel without the method's contract: no id
        return None
    metadata = parent.get("metadata") if isinstance(parent, dict) else None
    cell_id = metadata.get("cellId") if isinstance(metadata, dict) else None
    return cell_id if isinstance(cell_id, str) and cell_id else None


def _shell() -> Any:
    """The running IPython shell, or None (plain Python, a script, a test)."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    return get_ipython()


def _registry(shell: Any) -> _Registry:
    """The shell's registry, created (and its events hooked) on first use."""
    registry = getattr(shell, _REGISTRY_ATTR, None)
    if registry is None:
        registry = _Registry(shell)
        shell.events.register("pre_run_cell", registry.pre_run_cell)
        shell.events.register("post_run_cell", registry.post_run_cell)
        setattr(shell, _REGISTRY_ATTR, registry)
    return registry


def register_view(view: W) -> W:
    """Record ``view`` as made by the cell running now; return it unchanged.

    When that cell runs again, ``view`` and every widget it holds are closed before the
    cell's code runs. Any studio view (a panel, a console, a player, a plot) calls this
    once in its constructor; calling it again for the same view changes nothing.
    Outside IPython, or while no cell with an id is running, it does nothing.

    Examples
    --------
    >>> import ipywidgets
    >>> box = register_view(ipywidgets.VBox())  # no IPython here: a no-op
    >>> box.comm is not None
    True
    """
    shell = _shell()
    if shell is not None and hasattr(shell, "events"):
        _registry(shell).add(view)
    return view


def current_cell_id() -> str | None:
    """The id of the cell running now, as the front end sent it (None if unknown)."""
    shell = _shell()
    if shell is None or not hasattr(shell, "events"):
        return None
    return _registry(shell).current


def views_of_cell(cell_id: str) -> list[Widget]:
    """The views registered by the last run of cell ``cell_id`` (for tests and tools)."""
    shell = _shell()
    registry = getattr(shell, _REGISTRY_ATTR, None) if shell is not None else None
    return list(registry.by_cell.get(cell_id, [])) if registry is not None else []


def _install() -> None:
    """Hook the running shell's cell events as soon as the widgets are imported.

    Views are then recorded from the first cell that makes one, even when the import
    happened in an earlier cell.
    """
    shell = _shell()
    if shell is not None and hasattr(shell, "events"):
        _registry(shell)


_install()
