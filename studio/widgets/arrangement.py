"""The arrangement: every track and its clips on a timeline, and the loop region for previews.

One light SVG drawing (an ``ipywidgets.HTML``, a few kilobytes even for 48 tracks) shows
the tracks in session order, each in its colour with its name, and their clips where they
play: from ``start_s`` for the stem's length minus its trims, with the fades as slopes.
Section markers (intro, verse, ...) run along the top when given, and the loop region
that previews play is shaded; a range slider sets it. The drawing follows the session:
any change to the project (an edit, an undo) redraws it.

Under the drawing, a clip editor: choose a clip, then move its start, trims, fades, fade
shape and clip gain with controls generated from the :class:`~studio.mixing.Clip`
declarations. Each move is one edit of the project (one undo step); a value the model
refuses shows its message in the view and changes nothing.

The drawing carries data attributes for tests: every clip is a ``polygon`` of class
``studio-clip`` with ``data-track``, ``data-clip`` (its number on the track),
``data-start-s`` and ``data-end-s``; the region is a ``rect`` of class ``studio-region``
with ``data-start-s`` and ``data-end-s``; each section a group of class
``studio-section`` with ``data-name``, ``data-start-s`` and ``data-end-s``.
"""

from __future__ import annotations

import dataclasses
import html
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_string import HTMLStyle

from studio.errors import ParameterError, StudioError
from studio.mixing.project import Project
from studio.mixing.session import Clip, Session, Track
from studio.params import ParamSpec
from studio.text import t
from studio.widgets.controls import ControlKit, control_for, control_row
from studio.widgets.lifecycle import close_tree, register_view

__all__ = [
    "ArrangementView",
    "ClipSpan",
    "arrangement_svg",
    "clip_span",
    "clip_spans",
    "timeline_extent_s",
]

#: The clip's settings the editor shows, in the order a learner meets them.
CLIP_FIELDS = (
    "start_s",
    "trim_in_s",
    "trim_out_s",
    "fade_in_s",
    "fade_out_s",
    "fade_shape",
    "gain_db",
)

#: Slider resolution of the clip editor's times and of the loop region, in seconds.
TIME_STEP_S = 0.01

# Geometry of the drawing, in SVG user units (the drawing scales to the page's width).
_WIDTH = 1000.0
_NAME_W = 96.0  # the column of track names
_RIGHT = 8.0
_RULER_H = 18.0
_SECTION_H = 16.0
_NAME_CHARS = 14  # longer names are shortened (the whole name is in the tooltip)
_REGION_COLOUR = "#1f77b4"
_MAX_WIDTH = "980px"  # of the drawing and of the region slider under it
#: The region slider's label as wide as the name column, less the slider handle's margin,
#: so the slider's track runs under the timeline: a handle at 8 s sits under the 8 on the
#: ruler.
_REGION_LABEL_WIDTH = f"calc({100 * _NAME_W / _WIDTH:g}% - 13px)"

#: Ruler steps in seconds: the first that leaves at most about a dozen labels is used.
_RULER_STEPS_S = (0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


@dataclass(frozen=True)
class ClipSpan:
    """Where one clip plays on the song's timeline, in seconds (what the drawing shows)."""

    track: str
    index: int
    start_s: float
    end_s: float
    fade_in_s: float
    fade_out_s: float

    @property
    def length_s(self) -> float:
        """How long it plays: the stem's length minus both trims."""
        return self.end_s - self.start_s


def clip_spans(session: Session, lengths_s: Mapping[str, float]) -> list[ClipSpan]:
    """Every clip of every track, in session order, with where it plays.

    Parameters
    ----------
    session : Session
        The tracks and their clips.
    lengths_s : mapping of str to float
        Each stem's length in seconds, by stem name (a stem not given counts as empty).
    """
    return [
        clip_span(track.name, index, clip, lengths_s.get(clip.source, 0.0))
        for track in session.tracks
        for index, clip in enumerate(track.clips)
    ]


def clip_span(track: str, index: int, clip: Clip, stem_s: float) -> ClipSpan:
    """Where one clip plays: from its start for the stem's length minus both trims."""
    length = max(0.0, float(stem_s) - clip.trim_in_s - clip.trim_out_s)
    return ClipSpan(
        track,
        index,
        clip.start_s,
        clip.start_s + length,
        min(clip.fade_in_s, length),
        min(clip.fade_out_s, length),
    )


# -- the drawing ---------------------------------------------------------------------------


def _num(value: float) -> str:
    """A coordinate or a time, short: one decimal at most (``12``, ``12.5``)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _secs(value: float) -> str:
    """A time for a data attribute: exact to a microsecond, no trailing zeros."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def _element(tag: str, attrs: Mapping[str, Any], inner: str = "") -> str:
    """One SVG element; attribute values are escaped (names and colours are user text)."""
    written = "".join(f' {k}="{html.escape(str(v), quote=True)}"' for k, v in attrs.items())
    return f"<{tag}{written}>{inner}</{tag}>" if inner else f"<{tag}{written}/>"


def _title(text: str) -> str:
    return f"<title>{html.escape(text)}</title>"


def _ruler_step(extent_s: float) -> float:
    for step in _RULER_STEPS_S:
        if extent_s / step <= 12:
            return step
    return _RULER_STEPS_S[-1]


def _clip_points(
    x0: float, x1: float, fade_in: float, fade_out: float, top: float, bottom: float
) -> str:
    """The clip's outline: up its fade-in slope, along the top, down its fade-out slope."""
    if fade_in + fade_out > x1 - x0 and fade_in > 0 and fade_out > 0:
        # the fades overlap: the outline peaks where the two slopes cross
        xc = (x0 * fade_out + x1 * fade_in) / (fade_in + fade_out)
        yc = bottom - (xc - x0) / fade_in * (bottom - top)
        corners = [(x0, bottom), (xc, yc), (x1, bottom)]
    else:
        corners = [(x0, bottom), (x0 + fade_in, top), (x1 - fade_out, top), (x1, bottom)]
    return " ".join(f"{_num(x)},{_num(y)}" for x, y in corners)


@dataclass(frozen=True)
class _Frame:
    """Where things go in the drawing: the time axis and the rows of tracks."""

    extent_s: float
    top: float  # where the first track's row begins
    row_h: float
    n_rows: int

    @property
    def bottom(self) -> float:
        return self.top + self.row_h * self.n_rows

    @property
    def span_w(self) -> float:
        return _WIDTH - _NAME_W - _RIGHT

    def x(self, time_s: float) -> float:
        return _NAME_W + self.span_w * time_s / self.extent_s

    def width(self, duration_s: float) -> float:
        return self.span_w * duration_s / self.extent_s


def _ruler(frame: _Frame) -> str:
    """A label per step along the top, light lines down through the tracks."""
    step = _ruler_step(frame.extent_s)
    ticks = [k * step for k in range(int(frame.extent_s / step + 1e-9) + 1)]
    caption = html.escape(t("arrange.arrangement.time_axis"))
    parts = [_element("text", {"x": 4, "y": 12, "fill": "#666"}, caption)]
    for tick in ticks:
        where = {"x": _num(frame.x(tick)), "y": 12, "text-anchor": "middle"}
        parts.append(_element("text", where, f"{tick:g}"))
    grid = "".join(f"M{_num(frame.x(tick))} 14V{_num(frame.bottom)}" for tick in ticks)
    parts.append(_element("path", {"d": grid, "stroke": "#e4e4e4", "fill": "none"}))
    return "".join(parts)


def _sections(frame: _Frame, sections: Sequence[tuple[str, float, float]]) -> str:
    """A band per section under the ruler, a dashed line down where each begins."""
    parts, marks = [], []
    for i, (name, start_s, end_s) in enumerate(sections):
        x0 = frame.x(start_s)
        band = {
            "x": _num(x0),
            "y": _num(_RULER_H),
            "width": _num(frame.width(max(0.0, end_s - start_s))),
            "height": _num(_SECTION_H - 2),
            "fill": "#e8e8e8" if i % 2 == 0 else "#d6d6d6",
        }
        label = {"x": _num(x0 + 3), "y": _num(_RULER_H + 11)}
        attrs = {
            "class": "studio-section",
            "data-name": name,
            "data-start-s": _secs(start_s),
            "data-end-s": _secs(end_s),
        }
        inner = _element("rect", band) + _element("text", label, html.escape(name))
        parts.append(_element("g", attrs, inner))
        marks.append(f"M{_num(x0)} {_num(_RULER_H)}V{_num(frame.bottom)}")
    dashed = {"d": "".join(marks), "stroke": "#999", "stroke-dasharray": "2 3", "fill": "none"}
    return "".join(parts) + _element("path", dashed)


def _track_name(frame: _Frame, i: int, track: Track) -> str:
    """A track's name in the name column (shortened if long: the tooltip has it whole)."""
    name, tip = track.name, ""
    if len(name) > _NAME_CHARS:
        name, tip = name[: _NAME_CHARS - 1] + "\u2026", track.name
    if track.mute:
        tip = t("arrange.arrangement.muted", name=track.name)
    y = frame.top + i * frame.row_h + frame.row_h / 2 + 4
    return _element(
        "text", {"x": 8, "y": _num(y)}, html.escape(name) + (_title(tip) if tip else "")
    )


def _track_row(frame: _Frame, i: int, track: Track, spans: Sequence[ClipSpan]) -> str:
    """One track's colour mark and its clips, all in the track's colour."""
    y = frame.top + i * frame.row_h
    top, bottom = y + 2.0, y + frame.row_h - 2.0
    inner = _element("path", {"d": f"M2 {_num(top)}V{_num(bottom)}", "stroke-width": 4})
    for span in spans:
        points = _clip_points(
            frame.x(span.start_s),
            frame.x(span.end_s),
            frame.width(span.fade_in_s),
            frame.width(span.fade_out_s),
            top,
            bottom,
        )
        attrs = {
            "class": "studio-clip",
            "data-track": track.name,
            "data-clip": span.index,
            "data-start-s": _secs(span.start_s),
            "data-end-s": _secs(span.end_s),
            "points": points,
        }
        inner += _element("polygon", attrs)
    group: dict[str, Any] = {"class": "studio-track", "fill": track.colour, "stroke": track.colour}
    if track.mute:
        group.update({"data-mute": 1, "opacity": ".35"})
    return _element("g", group, inner)


def _region(frame: _Frame, region: tuple[float, float]) -> str:
    """The loop region, shaded over every track."""
    start_s, end_s = region
    return _element(
        "rect",
        {
            "class": "studio-region",
            "data-start-s": _secs(start_s),
            "data-end-s": _secs(end_s),
            "x": _num(frame.x(start_s)),
            "y": _num(frame.top - 2),
            "width": _num(frame.width(end_s - start_s)),
            "height": _num(frame.bottom - frame.top + 4),
            "fill": _REGION_COLOUR,
            "fill-opacity": ".12",
            "stroke": _REGION_COLOUR,
            "stroke-dasharray": "4 3",
            "pointer-events": "none",
        },
    )


def arrangement_svg(
    session: Session,
    lengths_s: Mapping[str, float],
    *,
    region: tuple[float, float] | None = None,
    sections: Sequence[tuple[str, float, float]] = (),
    extent_s: float | None = None,
) -> str:
    """The arrangement as one SVG drawing (a string of a few kilobytes).

    Parameters
    ----------
    session : Session
        Its tracks, in order, with their colours, names and clips.
    lengths_s : mapping of str to float
        Each stem's length in seconds.
    region : (float, float), optional
        The loop region to shade, start and end in seconds.
    sections : sequence of (name, start_s, end_s)
        Markers of the song's form along the top.
    extent_s : float, optional
        The timeline's length; by default it reaches the end of the last clip, section
        or region.
    """
    spans = clip_spans(session, lengths_s)
    if extent_s is None:
        extent_s = timeline_extent_s(spans, region, sections)
    tracks = session.tracks
    frame = _Frame(
        extent_s=extent_s,
        top=_RULER_H + (_SECTION_H if sections else 0.0),
        row_h=20.0 if len(tracks) <= 16 else 14.0,
        n_rows=len(tracks),
    )
    by_track: dict[str, list[ClipSpan]] = {track.name: [] for track in tracks}
    for span in spans:
        by_track[span.track].append(span)
    names = "".join(_track_name(frame, i, track) for i, track in enumerate(tracks))
    rows = "".join(_track_row(frame, i, tr, by_track[tr.name]) for i, tr in enumerate(tracks))
    body = _ruler(frame) + (_sections(frame, sections) if sections else "")
    body += _element("g", {}, names) + _element("g", {"fill-opacity": ".75"}, rows)
    if region is not None:
        body += _region(frame, region)
    root = {
        "class": "studio-arrangement-svg",
        "viewBox": f"0 0 {_num(_WIDTH)} {_num(frame.bottom + 4.0)}",
        "width": "100%",
        "font-family": "sans-serif",
        "font-size": 11,
        "style": f"display:block;max-width:{_MAX_WIDTH}",
        "data-extent-s": _secs(extent_s),
        "data-tracks": len(tracks),
    }
    return _element("svg", root, body)


def timeline_extent_s(
    spans: Iterable[ClipSpan],
    region: tuple[float, float] | None = None,
    sections: Sequence[tuple[str, float, float]] = (),
) -> float:
    """How long the timeline is: to the last clip's, section's or region's end (1 s at least)."""
    ends = [span.end_s for span in spans]
    ends += [float(end) for _, _, end in sections]
    if region is not None:
        ends.append(region[1])
    return max([1.0, *ends])


# -- the view ----------------------------------------------------------------------------


def _check_region(region: Any) -> tuple[float, float]:
    try:
        start, end = (float(v) for v in region)
    except (TypeError, ValueError):
        raise ParameterError(
            "ArrangementView: the region is two times in seconds, (start_s, end_s); "
            f"got {region!r}."
        ) from None
    if not (math.isfinite(start) and math.isfinite(end) and 0.0 <= start < end):
        raise ParameterError(
            f"ArrangementView: the region must start at 0 s or later and end after it starts; "
            f"got {start:g}-{end:g} s."
        )
    return start, end


def _check_sections(sections: Iterable[Any] | None) -> tuple[tuple[str, float, float], ...]:
    checked = []
    for section in sections or ():
        try:
            name, start, end = section
            start, end = float(start), float(end)
        except (TypeError, ValueError):
            raise ParameterError(
                f"ArrangementView: each section is (name, start_s, end_s); got {section!r}."
            ) from None
        if not (math.isfinite(start) and math.isfinite(end) and 0.0 <= start <= end):
            raise ParameterError(
                f"ArrangementView: section {name!r} must start at 0 s or later and end no "
                f"earlier than it starts; got {start:g}-{end:g} s."
            )
        checked.append((str(name), start, end))
    return tuple(checked)


ClipKey = tuple[str, int]


class ArrangementView(widgets.VBox):
    """Tracks and clips on a timeline, the loop region, and a clip editor.

    Parameters
    ----------
    project : Project
        The session to show and edit. The view follows it: any change (from this view,
        from code, from another view, an undo) redraws it.
    region : (float, float)
        The loop region for previews, start and end in seconds.
    sections : sequence of (name, start_s, end_s), optional
        The song's form, drawn along the top (the demo has ``demo.sections``). Names are
        shown as given.

    Attributes
    ----------
    drawing : ipywidgets.HTML
        The SVG drawing (its markup is :attr:`svg`).
    region_slider : ipywidgets.FloatRangeSlider
        Sets the loop region.
    clip_choice : ipywidgets.Dropdown
        Which clip the editor edits; its values are ``(track name, clip number)``.
    controls : dict of str to ipywidgets.ValueWidget
        The clip editor's controls by parameter name (``"start_s"``, ``"fade_shape"``...).
    message : ipywidgets.HTML
        The model's message when it refuses a value (empty otherwise).

    Examples
    --------
    >>> view = ArrangementView(demo.project(), region=(8.0, 16.0),  # doctest: +SKIP
    ...                        sections=demo.sections)
    >>> view.on_region(lambda region: print("loop", region))  # doctest: +SKIP
    """

    def __init__(
        self,
        project: Project,
        *,
        region: tuple[float, float] = (0.0, 10.0),
        sections: Iterable[tuple[str, float, float]] | None = None,
    ) -> None:
        if not isinstance(project, Project):
            raise ParameterError(
                f"ArrangementView needs a studio.mixing.Project (e.g. demo.project()); "
                f"got {type(project).__name__}."
            )
        self.project = project
        self._sections = _check_sections(sections)
        self._region = _check_region(region)
        self._region_listeners: list[Callable[[tuple[float, float]], Any]] = []
        self._quiet = False
        self._kit = ControlKit()
        self._clip_key: ClipKey | None = None
        self._closed = False
        self._drawn: tuple[Any, ...] = ()  # what the view showed when last drawn

        # the texts share one layout and one style (each would be a widget model of its own)
        text: dict[str, Any] = {"layout": widgets.Layout(), "style": HTMLStyle()}
        heading = widgets.HTML(f"<b>{html.escape(t('arrange.arrangement.title'))}</b>", **text)
        self.message = widgets.HTML("", **text)
        self.message.add_class("studio-message")
        self.drawing = widgets.HTML("", layout=widgets.Layout(width="100%"), style=text["style"])
        self.drawing.add_class("studio-arrangement-drawing")
        self.region_slider = widgets.FloatRangeSlider(
            value=self._region,
            min=0.0,
            max=self._extent(),
            step=TIME_STEP_S,
            description=t("arrange.arrangement.region"),
            tooltip=t("arrange.arrangement.region_tooltip"),
            readout=False,  # said in the line below: the slider's track matches the timeline
            continuous_update=False,  # a preview renders once the region is let go
            style=widgets.SliderStyle(description_width=_REGION_LABEL_WIDTH),
            layout=widgets.Layout(width="100%", max_width=_MAX_WIDTH),
        )
        self.region_slider.add_class("studio-region-slider")
        self.region_text = widgets.HTML("", **text)
        self.region_text.add_class("studio-region-text")
        self.region_slider.observe(self._on_region_slider, names="value")

        # the clip editor
        self.clip_choice = widgets.Dropdown(
            options=self._clip_options(),
            description=t("arrange.clip_editor.choose"),
            tooltip=t("arrange.clip_editor.choose_tooltip"),
            style=self._kit.style("choice"),
            layout=self._kit.control_layout,
        )
        self.clip_choice.add_class("studio-clip-choice")
        self._clip_key = self.clip_choice.value
        self.clip_choice.observe(self._on_choice, names="value")
        self.controls: dict[str, widgets.ValueWidget] = {}
        self._specs: dict[str, ParamSpec] = {}
        rows = []
        for name in CLIP_FIELDS:
            spec = Clip.spec(name)
            if spec.kind == "number" and spec.unit == "s":
                spec = dataclasses.replace(spec, step=TIME_STEP_S)
            self._specs[name] = spec
            control = control_for(spec, spec.default, kit=self._kit)
            if hasattr(control, "continuous_update"):
                control.continuous_update = False  # one drag, one edit (one undo step)
            control.observe(
                lambda change, n=name: self._on_control(n, change["new"]), names="value"
            )
            self.controls[name] = control
            rows.append(control_row(spec, control, self._kit))
        self.clip_status = widgets.HTML("", **text)
        self.clip_status.add_class("studio-clip-status")
        editor_heading = widgets.HTML(
            f"<b>{html.escape(t('arrange.clip_editor.heading'))}</b>", **text
        )
        self.editor = widgets.VBox([editor_heading, self.clip_choice, *rows, self.clip_status])
        self.editor.add_class("studio-clip-editor")

        super().__init__(
            children=[
                heading,
                self.message,
                self.drawing,
                self.region_slider,
                self.region_text,
                self.editor,
            ]
        )
        self.add_class("studio-arrangement")
        self._refresh()
        project.observe(self._on_session)
        register_view(self)

    # -- what the view shows ----------------------------------------------------------------

    @property
    def svg(self) -> str:
        """The drawing's SVG markup, as the browser shows it."""
        return str(self.drawing.value)

    @property
    def sections(self) -> tuple[tuple[str, float, float], ...]:
        """The section markers, as ``(name, start_s, end_s)``."""
        return self._sections

    def spans(self) -> list[ClipSpan]:
        """Where every clip plays, in session order (what the drawing shows)."""
        return clip_spans(self.project.session, self._lengths())

    def _lengths(self) -> dict[str, float]:
        return {name: audio.duration_s for name, audio in self.project.sources.items()}

    def _extent(self) -> float:
        return timeline_extent_s(self.spans(), self._region, self._sections)

    def _clip_options(self) -> list[tuple[str, ClipKey]]:
        options = []
        for track in self.project.session.tracks:
            for i in range(len(track.clips)):
                label = (
                    track.name
                    if len(track.clips) == 1
                    else t("arrange.clip_editor.clip_of", track=track.name, number=i + 1)
                )
                options.append((label, (track.name, i)))
        return options

    def _on_session(self, session: Session) -> None:
        if not self._closed and self._seen(session) != self._drawn:
            self._refresh()

    def _seen(self, session: Session) -> tuple[Any, ...]:
        """What the view shows depends on: each track's name, colour, mute and clips."""
        return tuple((tr.name, tr.colour, tr.mute, tr.clips) for tr in session.tracks)

    def _refresh(self) -> None:
        """Redraw from the project's session: the drawing, the slider's end, the editor."""
        session = self.project.session
        self._drawn = self._seen(session)
        lengths = self._lengths()
        spans = clip_spans(session, lengths)
        extent = timeline_extent_s(spans, self._region, self._sections)
        if session.tracks:
            self.drawing.value = arrangement_svg(
                session, lengths, region=self._region, sections=self._sections, extent_s=extent
            )
        else:
            self.drawing.value = f"<i>{html.escape(t('arrange.arrangement.empty'))}</i>"
        self._quiet = True
        try:
            self.region_slider.max = max(extent, self._region[1])
            self.region_slider.value = self._region
            start_s, end_s = self._region
            line = t("arrange.arrangement.region_text", start_s=start_s, end_s=end_s)
            self.region_text.value = f"<small>{html.escape(line)}</small>"
            options = self._clip_options()
            if list(self.clip_choice.options) != options:
                keep = self._clip_key if self._clip_key in [v for _, v in options] else None
                self.clip_choice.options = options
                self.clip_choice.value = (
                    keep if keep is not None else (options[0][1] if options else None)
                )
                self._clip_key = self.clip_choice.value
        finally:
            self._quiet = False
        self._load_clip()

    def _load_clip(self) -> None:
        """Show the chosen clip's values in the editor (without editing anything)."""
        key = self._clip_key
        clip = self._clip(key)
        for control in self.controls.values():
            control.disabled = clip is None
        if clip is None or key is None:
            self.clip_status.value = f"<small>{html.escape(t('arrange.clip_editor.none'))}</small>"
            return
        stem_s = self._lengths().get(clip.source, 0.0)
        extent = self._extent()
        # sliders long enough for this clip: its start anywhere up to a stem's length past
        # the end of the song, trims and fades up to the stem's length
        his = {
            "start_s": extent + stem_s,
            "trim_in_s": stem_s,
            "trim_out_s": stem_s,
            "fade_in_s": min(stem_s, self._specs["fade_in_s"].hi or stem_s),
            "fade_out_s": min(stem_s, self._specs["fade_out_s"].hi or stem_s),
        }
        self._quiet = True
        try:
            for name, control in self.controls.items():
                value = getattr(clip, name)
                if name in his:
                    top = max(his[name], value, TIME_STEP_S)
                    if top > control.max:
                        control.max = top
                        control.value = value
                    else:
                        control.value = value
                        control.max = top
                else:
                    control.value = value
        finally:
            self._quiet = False
        span = clip_span(key[0], key[1], clip, stem_s)
        self.clip_status.value = "<small>{}</small>".format(
            html.escape(
                t(
                    "arrange.clip_editor.plays",
                    start_s=span.start_s,
                    end_s=span.end_s,
                    length_s=span.length_s,
                    source=clip.source,
                    fade_in_s=span.fade_in_s,
                    fade_out_s=span.fade_out_s,
                )
            )
        )

    def _clip(self, key: ClipKey | None) -> Clip | None:
        if key is None:
            return None
        track_name, index = key
        for track in self.project.session.tracks:
            if track.name == track_name and 0 <= index < len(track.clips):
                return track.clips[index]
        return None

    # -- the loop region ----------------------------------------------------------------------

    @property
    def region(self) -> tuple[float, float]:
        """The loop region for previews, ``(start_s, end_s)``.

        Setting it redraws the shading and calls every :meth:`on_region` callback.
        """
        return self._region

    @region.setter
    def region(self, value: tuple[float, float]) -> None:
        region = _check_region(value)
        if region == self._region:
            return
        self._region = region
        self._refresh()
        for callback in list(self._region_listeners):
            callback(region)

    def on_region(
        self, callback: Callable[[tuple[float, float]], Any], *, remove: bool = False
    ) -> None:
        """Call ``callback((start_s, end_s))`` whenever the loop region changes.

        ``remove=True`` stops calling it.
        """
        if remove:
            if callback in self._region_listeners:
                self._region_listeners.remove(callback)
        elif callback not in self._region_listeners:
            self._region_listeners.append(callback)

    def _on_region_slider(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        start, end = (float(v) for v in change["new"])
        old_start, old_end = self._region
        tol = TIME_STEP_S / 2
        if abs(start - old_start) < tol and abs(end - old_end) < tol:
            return  # the browser's rounding of the region in use, not a move
        try:
            self.region = (start, end)
        except StudioError as exc:
            self._show_error(str(exc))
            self._refresh()  # the slider shows the region in use again
            return
        self._show_error("")

    # -- the clip editor -----------------------------------------------------------------------

    @property
    def clip(self) -> ClipKey | None:
        """The clip the editor edits: ``(track name, clip number)``, or None."""
        return self._clip_key

    def select_clip(self, track: str, index: int = 0) -> None:
        """Edit clip ``index`` (from 0) of ``track``."""
        key = (track, index)
        if self._clip(key) is None:
            known = ", ".join(f"{name}[{i}]" for _, (name, i) in self._clip_options())
            raise ParameterError(
                f"ArrangementView: there is no clip {index} on track {track!r}; the clips are "
                f"{known or 'none'}."
            )
        self.clip_choice.value = key

    def edit(self, name: str, value: Any) -> None:
        """Move one of the clip editor's controls from code, exactly as a user would."""
        if name not in self.controls:
            raise ParameterError(
                f"ArrangementView: the clip editor has no control {name!r}; its controls are "
                f"{', '.join(self.controls)}."
            )
        self.controls[name].value = value

    def _on_choice(self, change: dict[str, Any]) -> None:
        if self._quiet:
            return
        self._clip_key = change["new"]
        self._show_error("")
        self._load_clip()

    def _on_control(self, name: str, value: Any) -> None:
        if self._quiet:
            return
        key = self._clip_key
        clip = self._clip(key)
        if clip is None or key is None:
            return
        current = getattr(clip, name)
        spec = self._specs[name]
        if spec.kind == "number" and isinstance(value, int | float) and not isinstance(value, bool):
            step = spec.step or TIME_STEP_S
            if abs(float(value) - float(current)) < step / 2:
                return  # the browser's rounding of the value in use, not a move
        path = ("tracks", key[0], "clips", key[1], name)
        try:
            self.project.set(path, value)
        except StudioError as exc:
            self._show_error(str(exc))
            self._load_clip()  # the control shows the value in use again
            return
        self._show_error("")

    def _show_error(self, text: str) -> None:
        self.message.value = (
            f'<span style="color:#c0392b">&#9888; {html.escape(text)}</span>' if text else ""
        )

    # -- closing ------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop following the project and close every widget of the view."""
        self._closed = True
        project = getattr(self, "project", None)  # absent when building the view failed
        if project is not None:
            project.unobserve(self._on_session)
        getattr(self, "_region_listeners", []).clear()
        close_tree(self, keep=[self])
        super().close()
