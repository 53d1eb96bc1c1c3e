"""Automation lanes: see and edit how any continuous parameter moves over the song.

A lane is a path and an :class:`~studio.dsp.control.Envelope` at it (breakpoints in song
time, a shape per segment). The editor picks a lane with two drop-downs (where: a track,
a bus, a VCA or the master; then which parameter: any number that may move, such as a
fader, a pan, a send level, an EQ band's gain, a filter's cutoff), draws it with the light
live plot over the song's length (the parameter's whole range on the y axis, the value
without automation as a dotted line) and edits it as a table of breakpoints: time, value
with its unit, and the shape to the next point (linear, hold, smooth, exponential).

Every edit is one change of the project (``project.set(path, Envelope(...))``, one undo
step), checked by the model: a value out of range, times that go backwards or an
exponential segment through zero shows the model's own message in the editor and changes
nothing. The editor follows the project, so an undo, a change from code or from another
view redraws it.

For tests: the lane box has the CSS class ``studio-lane``; each table row
``studio-breakpoint`` (its cells ``studio-breakpoint-time``, ``-value``, ``-shape``,
``-remove``); the plot's curve is the trace ``lane`` and the breakpoints' marks the trace
``points``.
"""

from __future__ import annotations

import bisect
import html
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import ipywidgets as widgets
import numpy as np
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle

from studio.dsp.control import SHAPES, Envelope
from studio.errors import ParameterError, StudioError
from studio.mixing.project import Project
from studio.mixing.render import session_length_s
from studio.mixing.session import Session
from studio.params import Parametric, ParamSpec, Path, format_path
from studio.processors.base import Processor
from studio.text import has, t
from studio.widgets.controls import _label
from studio.widgets.lifecycle import close_tree, register_view
from studio.widgets.liveplot import Axis, LivePlot, RefLine, Subplot

__all__ = [
    "AutomationEditor",
    "automatable_paths",
    "lane_label",
    "lane_points",
    "named_path",
]

#: Points along the drawn lane (plus two at every breakpoint, so jumps stay sharp).
_LANE_POINTS = 400
#: The lane's plot height in pixels.
_PLOT_HEIGHT_PX = 200
#: Which parameter a lane starts on, when the owner has it: the fader.
_FIRST_CHOICE = ("strip", "fader", "gain_db")

#: Where a lane's parameter lives: ``("tracks", "voice")``, ``("buses", "drums")``, ``("master",)``.
Owner = Path


# -- paths and their words -------------------------------------------------------------------


def _named_within(obj: Any, path: Path) -> Path:
    """``path`` inside ``obj`` with item numbers replaced by item names where items have names."""
    out: list[Any] = []
    target = obj
    for part in path:
        if isinstance(target, tuple):
            step = target[part] if isinstance(part, int) else _by_name(target, part)
            name = getattr(step, "name", None)
            out.append(name if isinstance(name, str) and name else part)
        else:
            step = getattr(target, str(part))
            out.append(part)
        target = step
    return tuple(out)


def _by_name(items: tuple[Any, ...], name: str) -> Any:
    for item in items:
        if getattr(item, "name", None) == name:
            return item
    raise ParameterError(f"no item named {name!r}.")


def named_path(session: Session, path: Path) -> Path:
    """The same path with tracks, buses, sends (any named item) named, not numbered.

    ``("tracks", 2, "sends", 0, "level_db")`` becomes
    ``("tracks", "voice", "sends", "reverb", "level_db")``, the form every lane uses.
    """
    session.get(path)  # a plain error when the path does not exist
    return _named_within(session, tuple(path))


def _owners(session: Session) -> Iterator[tuple[Owner, Parametric]]:
    """Everything that has parameters of its own in the mix: tracks, buses, VCAs, master."""
    for track in session.tracks:
        yield ("tracks", track.name), track
    for bus in session.buses:
        yield ("buses", bus.name), bus
    for vca in session.vcas:
        yield ("vcas", vca.name), vca
    yield ("master",), session.master


def _owner_of(path: Path) -> Owner:
    return tuple(path[:1]) if path[:1] == ("master",) else tuple(path[:2])


def _owner_words(owner: Owner) -> str:
    if owner == ("master",):
        return t("arrange.automation.master")
    kind, name = owner
    if kind == "buses":
        return t("arrange.automation.owner_bus", name=name)
    if kind == "vcas":
        return t("arrange.automation.owner_vca", name=name)
    return str(name)


def _lane_paths(owner: Owner, obj: Parametric) -> list[Path]:
    """The paths of everything in ``obj`` that may move, named, from the session."""
    return [
        (*owner, *_named_within(obj, leaf.path))
        for leaf in obj.leaves(words=False)
        if leaf.spec.can_move
    ]


def automatable_paths(session: Session) -> list[Path]:
    """Every path of the session whose value may be automated, in desk order."""
    return [path for owner, obj in _owners(session) for path in _lane_paths(owner, obj)]


def _inner_words(obj: Parametric, inner: Path) -> tuple[list[str], ParamSpec]:
    """Words for the way from ``obj`` down to a parameter, and that parameter's spec."""
    words: list[str] = []
    i = 0
    while i < len(inner) - 1:
        part = inner[i]
        cls = type(obj)
        if part in cls.item_fields():
            key = inner[i + 1]
            item = obj.get((part, key))
            label = cls.item_label(str(part))
            if isinstance(key, str):
                words.append(t("arrange.automation.item_named", item=label, name=key))
            else:
                words.append(t("arrange.automation.item", item=label, number=int(key) + 1))
            if isinstance(item, Processor):
                words.append(type(item).class_name())
            obj, i = item, i + 2
        else:
            if part != "strip":  # the track's own strip: its parameters are the track's
                words.append(cls.field_words(str(part))[0])
            obj, i = getattr(obj, str(part)), i + 1
    spec = type(obj).spec(str(inner[-1]))
    words.append(_label(spec))
    return words, spec


def lane_label(session: Session, path: Path) -> str:
    """A lane in words: ``"voice · fader and pan · fader (dB)"``.

    Tracks go by their names, buses and VCAs say what they are, nested items are
    numbered or named (``"EQ · band 3 · gain (dB)"``, ``"send reverb · send level (dB)"``).
    """
    owner = _owner_of(path)
    words, _ = _inner_words(session.get(owner), tuple(path[len(owner) :]))
    return " · ".join([_owner_words(owner), *words])


def _shape_words(shape: str) -> str:
    """A segment shape in words, as ``describe()`` says it ("smooth", "hold"...)."""
    key = f"describe.automation.shapes.{shape}"
    return t(key) if has(key) else shape


def lane_points(value: float | Envelope, end_s: float) -> tuple[np.ndarray, np.ndarray]:
    """The lane as a drawn line: points from 0 to ``end_s`` s, sharp at every breakpoint."""
    if not isinstance(value, Envelope):
        return np.array([0.0, end_s]), np.array([float(value)] * 2)
    times = np.asarray(value.times_s)
    eps = end_s * 1e-5
    x = np.concatenate([np.linspace(0.0, end_s, _LANE_POINTS), times - eps, times])
    x = np.unique(np.clip(x, 0.0, end_s))
    return x, np.asarray(value.value_at(x), dtype=np.float64)


# -- the editor ------------------------------------------------------------------------------


@dataclass
class _Row:
    """One breakpoint's row of the table (rows are reused as points come and go)."""

    box: widgets.HBox
    number: widgets.HTML
    time: widgets.FloatText
    value: widgets.FloatText
    shape: widgets.Dropdown
    remove: widgets.Button


class AutomationEditor(widgets.VBox):
    """Draw and edit the automation lane of any continuous parameter of a session.

    Parameters
    ----------
    project : Project
        The session whose lanes are edited. The editor follows it: any change (from here,
        from code, from another view, an undo) redraws it.
    path : tuple, optional
        The lane to show first, e.g. ``("tracks", "voice", "strip", "fader", "gain_db")``
        (items may be named or numbered). By default the first track's fader.

    Attributes
    ----------
    owner_choice, param_choice : ipywidgets.Dropdown
        Where (track, bus, VCA, master) and which parameter; ``param_choice`` values are
        the lanes' paths.
    plot : LivePlot
        The lane (trace ``"lane"``) and its breakpoints (trace ``"points"``).
    rows : list
        The table's rows, one per breakpoint (``.time``, ``.value``, ``.shape``,
        ``.remove`` widgets).
    message : ipywidgets.HTML
        The model's message when it refuses an edit (empty otherwise).

    Examples
    --------
    >>> fader = ("tracks", "voice", "strip", "fader", "gain_db")
    >>> lanes = AutomationEditor(project, path=fader)  # doctest: +SKIP
    >>> lanes.start_automating()  # a flat line at the fader's value  # doctest: +SKIP
    >>> lanes.add_point(12.0, -9.0)  # dip to -9 dB at 12 s  # doctest: +SKIP
    """

    def __init__(self, project: Project, *, path: Path | None = None) -> None:
        if not isinstance(project, Project):
            raise ParameterError(
                f"AutomationEditor needs a studio.mixing.Project (e.g. demo.project()); "
                f"got {type(project).__name__}."
            )
        self.project = project
        self._closed = False
        self._quiet = False
        self._path: Path = ()
        self._fixed: dict[Path, float] = {}  # the value each lane had before it moved
        self._drawn: tuple[Any, ...] = ()  # what the editor showed when last drawn
        # one style and layout per kind, shared (each would be a widget model of its own)
        self._choice_style = DescriptionStyle(description_width="112px")
        self._button_style = widgets.ButtonStyle()
        self._choice_layout = widgets.Layout(width="100%", max_width="460px")
        self._shape_options = [(_shape_words(shape), shape) for shape in SHAPES]
        # and the same for the table's rows
        self._layouts = {
            "point": widgets.Layout(width="56px"),
            "time": widgets.Layout(width="120px"),
            "value": widgets.Layout(width="140px"),
            "shape": widgets.Layout(width="190px"),
            "remove": widgets.Layout(width="40px", padding="0"),
            "row": widgets.Layout(align_items="center"),
            "text": widgets.Layout(),
        }
        self._cell_style = DescriptionStyle(description_width="0px")
        self._text_style = HTMLStyle()
        self._spacer = widgets.HTML("", layout=self._layouts["shape"], style=self._text_style)
        self._shared: list[widgets.Widget] = [
            *self._layouts.values(),
            self._cell_style,
            self._text_style,
            self._spacer,
            self._button_style,
        ]
        self.rows: list[_Row] = []

        text: dict[str, Any] = {"layout": self._layouts["text"], "style": self._text_style}
        heading = widgets.HTML(f"<b>{html.escape(t('arrange.automation.title'))}</b>", **text)
        self.owner_choice = widgets.Dropdown(
            options=self._owner_options(),
            description=t("arrange.automation.owner"),
            tooltip=t("arrange.automation.owner_tooltip"),
            style=self._choice_style,
            layout=self._choice_layout,
        )
        self.param_choice = widgets.Dropdown(
            options=[],
            description=t("arrange.automation.parameter"),
            tooltip=t("arrange.automation.parameter_tooltip"),
            style=self._choice_style,
            layout=self._choice_layout,
        )
        self.owner_choice.add_class("studio-lane-owner")
        self.param_choice.add_class("studio-lane-parameter")
        self.path_text = widgets.HTML("", **text)
        self.message = widgets.HTML("", **text)
        self.message.add_class("studio-message")
        self.status = widgets.HTML("", **text)
        self.status.add_class("studio-lane-status")
        self.plot = LivePlot(
            [Subplot(Axis(t("arrange.automation.time"), "s", range=(0.0, 1.0)), Axis(""))],
            height_px=_PLOT_HEIGHT_PX,
        )
        self.plot.line("lane", [0.0, 1.0], [0.0, 0.0], width=2.0, legend=False)
        self.plot.line("points", [], [], color="#333333", width=1.5, legend=False, hover=False)
        self._header = [
            widgets.HTML("", layout=self._layouts[key], style=self._text_style)
            for key in ("point", "time", "value", "shape")
        ]
        self._header[0].value = html.escape(t("arrange.automation.point"))
        self._header[1].value = html.escape(t("arrange.automation.time_column"))
        self._header[3].value = html.escape(t("arrange.automation.shape_column"))
        self._header_box = widgets.HBox(self._header, layout=self._layouts["row"])
        self._header_box.add_class("studio-breakpoints-header")
        self.table = widgets.VBox([])
        self.table.add_class("studio-breakpoints")

        self.start_button = widgets.Button(
            description=t("arrange.automation.start"),
            tooltip=t("arrange.automation.start_tooltip"),
            icon="pencil",
            style=self._button_style,
            layout=widgets.Layout(width="auto"),
        )
        self.clear_button = widgets.Button(
            description=t("arrange.automation.clear"),
            icon="eraser",
            style=self._button_style,
            layout=widgets.Layout(width="auto"),
        )
        self.add_button = widgets.Button(
            description=t("arrange.automation.add"),
            tooltip=t("arrange.automation.add_tooltip"),
            icon="plus",
            style=self._button_style,
            layout=widgets.Layout(width="auto"),
        )
        self.add_time = widgets.FloatText(
            value=0.0,
            description=t("arrange.automation.add_at"),
            style=DescriptionStyle(description_width="40px"),
            layout=widgets.Layout(width="150px"),
        )
        self.start_button.add_class("studio-lane-start")
        self.clear_button.add_class("studio-lane-clear")
        self.add_button.add_class("studio-lane-add")
        self.start_button.on_click(lambda _: self._guarded(self.start_automating))
        self.clear_button.on_click(lambda _: self._guarded(self.clear))
        self.add_button.on_click(lambda _: self._guarded(self.add_point))
        actions = widgets.HBox(
            [self.start_button, self.clear_button, self.add_button, self.add_time],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        choices = widgets.HBox(
            [self.owner_choice, self.param_choice], layout=widgets.Layout(flex_flow="row wrap")
        )
        super().__init__(
            children=[
                heading,
                choices,
                self.path_text,
                self.message,
                self.plot,
                self.status,
                self.table,
                actions,
            ]
        )
        self.add_class("studio-lane")
        self.owner_choice.observe(self._on_owner, names="value")
        self.param_choice.observe(self._on_param, names="value")
        self.show(path if path is not None else self._first_path())
        project.observe(self._on_session)
        register_view(self)

    # -- which lane -----------------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The lane shown: a path with tracks, buses and sends named."""
        return self._path

    @path.setter
    def path(self, path: Path) -> None:
        self.show(path)

    @property
    def paths(self) -> list[Path]:
        """Every lane the session offers (all its automatable paths)."""
        return automatable_paths(self.project.session)

    def label(self, path: Path | None = None) -> str:
        """A lane in words (the shown one by default), as the plot's title says it."""
        return lane_label(self.project.session, self._path if path is None else path)

    @property
    def spec(self) -> ParamSpec:
        """The declaration of the parameter shown (its range, unit and words)."""
        return self.project.session.spec_at(self._path)

    @property
    def envelope(self) -> Envelope | None:
        """The lane's envelope, or None while the parameter holds one fixed value."""
        value = self.project.get(self._path)
        return value if isinstance(value, Envelope) else None

    def show(self, path: Path) -> None:
        """Show (and edit) the lane at ``path``; a path that cannot move is refused plainly."""
        session = self.project.session
        path = tuple(path)
        spec = session.spec_at(path)  # a plain error when the path does not exist
        if not spec.can_move:
            raise ParameterError(
                f"AutomationEditor: {format_path(path)} cannot move over time (only numbers "
                "that may be automated have lanes); pick one of editor.paths."
            )
        self._path = named_path(session, path)
        self._sync_choices()
        self._show_error("")
        self._redraw()

    def _first_path(self) -> Path:
        owner, obj = next(_owners(self.project.session))
        lanes = _lane_paths(owner, obj)
        first = (*owner, *_FIRST_CHOICE)
        return first if first in lanes else lanes[0]

    def _owner_options(self) -> list[tuple[str, Owner]]:
        return [(_owner_words(owner), owner) for owner, _ in _owners(self.project.session)]

    def _param_options(self, owner: Owner) -> list[tuple[str, Path]]:
        obj = self.project.session.get(owner)
        options = []
        for path in _lane_paths(owner, obj):
            words, _ = _inner_words(obj, path[len(owner) :])
            options.append((" · ".join(words), path))
        return options

    def _sync_choices(self) -> None:
        """Make both drop-downs show the lane in view (without reacting to it)."""
        owner = _owner_of(self._path)
        self._quiet = True
        try:
            owners = self._owner_options()
            if list(self.owner_choice.options) != owners:
                self.owner_choice.options = owners
            self.owner_choice.value = owner
            params = self._param_options(owner)
            if list(self.param_choice.options) != params:
                self.param_choice.options = params
            self.param_choice.value = self._path
        finally:
            self._quiet = False

    def _on_owner(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] is None:
            return
        owner = tuple(change["new"])
        inner = self._path[len(_owner_of(self._path)) :]
        lanes = [path for _, path in self._param_options(owner)]
        same = (*owner, *inner)  # the same parameter on another track, if it has it
        self._guarded(lambda: self.show(same if same in lanes else lanes[0]))

    def _on_param(self, change: dict[str, Any]) -> None:
        if self._quiet or change["new"] is None:
            return
        self._guarded(lambda: self.show(tuple(change["new"])))

    # -- drawing ----------------------------------------------------------------------------

    def _song_s(self) -> float:
        return session_length_s(self.project.session, self.project.sources)

    def _without(self, value: float | Envelope) -> float:
        """The value the lane goes back to when cleared: the one it had before it moved."""
        if isinstance(value, Envelope):
            return self._fixed.get(self._path, value.start_value)
        return float(value)

    def _redraw(self) -> None:
        self._drawn = self._seen()
        session = self.project.session
        value = session.get(self._path)
        spec = session.spec_at(self._path)
        env = value if isinstance(value, Envelope) else None
        if env is None:
            self._fixed[self._path] = float(value)
        without = self._without(value)
        end_s = max(self._song_s(), env.times_s[-1] if env is not None else 0.0, 1.0)
        lo, hi = spec.range_at(session.sr)
        scale: Literal["linear", "log"] = "log" if spec.scale == "log" and lo > 0 else "linear"
        ref = RefLine(
            "y",
            without,
            label=t("arrange.automation.without", value=spec.format(without)),
            dash="dot",
        )
        subplot = Subplot(
            Axis(t("arrange.automation.time"), "s", range=(0.0, end_s)),
            Axis(spec.label, spec.unit, scale, (lo, hi)),
            title=self.label(),
            refs=(ref,),
        )
        if subplot != self.plot.subplot(0):
            self.plot.set_subplot(0, subplot)
        self.plot.update("lane", *lane_points(value, end_s))
        self.plot.update("points", *self._marks(env, end_s, lo, hi, scale))
        in_code = t("arrange.automation.path", path=format_path(self._path))
        self.path_text.value = f"<small><code>{html.escape(in_code)}</code></small>"
        if env is None:
            status = t("arrange.automation.fixed", value=spec.format(value))
        else:
            status = t("arrange.automation.moving", description=spec.format(env))
        self.status.value = f"<small>{html.escape(status)}</small>"
        unit = spec.unit
        self._header[2].value = html.escape(
            t("arrange.automation.value_column", unit=unit)
            if unit
            else t("arrange.automation.value_column_plain")
        )
        self._fill_table(env)
        self.start_button.disabled = env is not None
        self.clear_button.disabled = env is None
        self.clear_button.tooltip = t(
            "arrange.automation.clear_tooltip", value=spec.format(without)
        )
        self.add_button.disabled = env is None
        self.add_time.disabled = env is None
        self._quiet = True
        try:
            self.add_time.value = round(self._free_time(env, end_s), 2)
        finally:
            self._quiet = False

    @staticmethod
    def _marks(
        env: Envelope | None, end_s: float, lo: float, hi: float, scale: str
    ) -> tuple[list[float], list[float]]:
        """A small cross at every breakpoint (the plot draws lines; NaN separates them)."""
        if env is None:
            return [], []
        nan = math.nan
        dx = end_s * 0.006
        xs: list[float] = []
        ys: list[float] = []
        for time_s, value in zip(env.times_s, env.values, strict=True):
            if scale == "log":
                k = (hi / lo) ** 0.04
                low, high = value / k, value * k
            else:
                low, high = value - 0.04 * (hi - lo), value + 0.04 * (hi - lo)
            xs += [time_s - dx, time_s + dx, nan, time_s, time_s, nan]
            ys += [value, value, nan, low, high, nan]
        return xs, ys

    @staticmethod
    def _free_time(env: Envelope | None, end_s: float) -> float:
        """Where a new point fits best: the middle of the widest gap between points."""
        if env is None:
            return end_s / 2
        edges = [0.0, *env.times_s, end_s]
        gaps = [(b - a, (a + b) / 2) for a, b in zip(edges, edges[1:], strict=False)]
        return max(gaps)[1]

    # -- the table --------------------------------------------------------------------------

    def _make_row(self, i: int) -> _Row:
        cell: dict[str, Any] = {"style": self._cell_style}
        row = _Row(
            box=widgets.HBox([], layout=self._layouts["row"]),
            number=widgets.HTML(str(i + 1), layout=self._layouts["point"], style=self._text_style),
            time=widgets.FloatText(layout=self._layouts["time"], **cell),
            value=widgets.FloatText(layout=self._layouts["value"], **cell),
            shape=widgets.Dropdown(
                options=self._shape_options, layout=self._layouts["shape"], **cell
            ),
            remove=widgets.Button(
                icon="trash",
                tooltip=t("arrange.automation.remove_tooltip", number=i + 1),
                layout=self._layouts["remove"],
                style=self._button_style,
            ),
        )
        row.box.add_class("studio-breakpoint")
        for name in ("time", "value", "shape", "remove"):
            getattr(row, name).add_class(f"studio-breakpoint-{name}")
        row.time.observe(lambda c: self._on_cell(i, "time", c["new"]), names="value")
        row.value.observe(lambda c: self._on_cell(i, "value", c["new"]), names="value")
        row.shape.observe(lambda c: self._on_cell(i, "shape", c["new"]), names="value")
        row.remove.on_click(lambda _: self._guarded(lambda: self.remove_point(i)))
        return row

    def _fill_table(self, env: Envelope | None) -> None:
        n = len(env.times_s) if env is not None else 0
        while len(self.rows) < n:
            self.rows.append(self._make_row(len(self.rows)))
        for row in self.rows[n:]:
            self._close_row(row)
        del self.rows[n:]
        if env is None:
            self.table.children = []
            return
        shapes = env.shapes
        self._quiet = True
        try:
            for i, row in enumerate(self.rows):
                row.time.value = env.times_s[i]
                row.value.value = env.values[i]
                last = i == n - 1
                if not last:
                    row.shape.value = shapes[i]
                third = self._spacer if last else row.shape
                children = (row.number, row.time, row.value, third, row.remove)
                if tuple(row.box.children) != children:
                    row.box.children = children
                row.remove.disabled = n <= 1
        finally:
            self._quiet = False
        self.table.children = [self._header_box, *(row.box for row in self.rows)]

    def _close_row(self, row: _Row) -> None:
        """Close a row that is let go (its shape too, which the last row does not show)."""
        for widget in (row.box, row.shape):
            close_tree(widget, keep=self._shared)

    def _on_cell(self, i: int, column: str, new: Any) -> None:
        if self._quiet:
            return
        self._guarded(lambda: self.set_point(i, **{column: new}))

    # -- edits (each one project edit) -------------------------------------------------------

    def _require(self) -> Envelope:
        env = self.envelope
        if env is None:
            raise ParameterError(
                f"AutomationEditor: {format_path(self._path)} is not automated yet; call "
                "start_automating() first."
            )
        return env

    def _commit(
        self, times: Sequence[float], values: Sequence[float], shapes: Sequence[str]
    ) -> None:
        one = len(set(shapes)) <= 1
        shape: str | list[str] = (shapes[0] if shapes else "linear") if one else list(shapes)
        self.project.set(self._path, Envelope(list(times), list(values), shape))

    def set_point(
        self,
        index: int,
        *,
        time: float | None = None,
        value: float | None = None,
        shape: str | None = None,
    ) -> None:
        """Move breakpoint ``index`` (from 0) in time or value, or reshape its segment.

        ``shape`` is how the line travels from this point to the next. One edit.
        """
        env = self._require()
        times, values, shapes = list(env.times_s), list(env.values), list(env.shapes)
        if not 0 <= index < len(times):
            raise ParameterError(
                f"AutomationEditor: there is no point {index}; the lane has {len(times)} "
                "(numbered from 0)."
            )
        if time is not None:
            times[index] = float(time)
        if value is not None:
            values[index] = float(value)
        if shape is not None:
            if index >= len(shapes):
                raise ParameterError(
                    "AutomationEditor: the last point starts no segment, so it has no shape."
                )
            shapes[index] = shape
        self._commit(times, values, shapes)

    def add_point(self, time_s: float | None = None, value: float | None = None) -> None:
        """Add a breakpoint at ``time_s`` (the "at" box by default); one edit.

        Without ``value`` the point sits on the line as it is now.
        """
        env = self._require()
        at = float(self.add_time.value if time_s is None else time_s)
        times, values, shapes = list(env.times_s), list(env.values), list(env.shapes)
        k = bisect.bisect_right(times, at)
        new_value = float(env.value_at(at)) if value is None else float(value)
        times.insert(k, at)
        values.insert(k, new_value)
        # the new point splits a segment in two, each keeping its shape; before the first
        # point or after the last, the new segment takes the shape of its neighbour
        if not shapes:
            shapes = ["linear"]
        elif k == 0:
            shapes.insert(0, shapes[0])
        elif k == len(times) - 1:
            shapes.append(shapes[-1])
        else:
            shapes.insert(k, shapes[k - 1])
        self._commit(times, values, shapes)

    def remove_point(self, index: int) -> None:
        """Remove breakpoint ``index`` (from 0); the lane needs one point at least."""
        env = self._require()
        times, values, shapes = list(env.times_s), list(env.values), list(env.shapes)
        if not 0 <= index < len(times):
            raise ParameterError(
                f"AutomationEditor: there is no point {index}; the lane has {len(times)} "
                "(numbered from 0)."
            )
        if len(times) == 1:
            raise ParameterError(
                "AutomationEditor: a lane keeps one point at least; clear() returns the "
                "parameter to a fixed value."
            )
        del times[index], values[index]
        # the two segments around the point become one, with the earlier one's shape
        del shapes[index if index < len(shapes) else index - 1]
        self._commit(times, values, shapes)

    def start_automating(self) -> None:
        """Turn the fixed value into a lane of two points at that value, over the song."""
        value = self.project.get(self._path)
        if isinstance(value, Envelope):
            return
        self._fixed[self._path] = float(value)
        end_s = max(self._song_s(), 1.0)
        self.project.set(self._path, Envelope([0.0, end_s], [float(value)] * 2))

    def clear(self) -> None:
        """Remove the automation: back to the fixed value it had before (the dotted line)."""
        value = self.project.get(self._path)
        if isinstance(value, Envelope):
            self.project.set(self._path, self._without(value))

    def _guarded(self, edit: Any) -> None:
        """Run an edit from the page: a refusal shows the model's message, changes nothing."""
        try:
            edit()
        except StudioError as exc:
            self._show_error(str(exc))
            if not self._closed:
                self._redraw()  # the table shows the lane as it is again
            return
        self._show_error("")

    def _show_error(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:#c0392b">&#9888; {html.escape(text)}</span>' if text else ""
        )

    # -- following the project -----------------------------------------------------------------

    def _on_session(self, session: Session) -> None:
        if self._closed:
            return
        try:
            session.get(self._path)
        except StudioError:  # its track or bus is gone: show the first lane there is
            self._path = named_path(session, self._first_path())
        if self._seen() == self._drawn:
            return  # another track's fader moved, say: nothing here changed
        self._sync_choices()
        self._redraw()

    def _seen(self) -> tuple[Any, ...]:
        """What the editor shows depends on: the lane, its value, the owners, the song."""
        session = self.project.session
        owners = tuple(owner for owner, _ in _owners(session))
        owner = session.get(_owner_of(self._path))
        return (self._path, session.get(self._path), owners, owner, self._song_s())

    def close(self) -> None:
        """Stop following the project and close every widget of the editor."""
        self._closed = True
        project = getattr(self, "project", None)  # absent when building the editor failed
        if project is not None:
            project.unobserve(self._on_session)
        for row in getattr(self, "rows", []):
            self._close_row(row)
        # the table's header and what its rows share, shown or not
        for extra in (getattr(self, "_header_box", None), *getattr(self, "_shared", [])):
            if extra is not None:
                close_tree(extra)
        close_tree(self, keep=[self])
        super().close()
