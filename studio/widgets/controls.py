"""One function turns a parameter declaration into a control.

Numbers become sliders (log sliders for frequencies, times and ratios), choices become
drop-downs and switches become check boxes. Every control shows its unit in its label,
explains itself in a tooltip and carries a small reset button back to its default.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_description import DescriptionStyle

from studio.params import ParamSpec
from studio.text import t

__all__ = ["ControlKit", "control_for", "control_row"]

_DESCRIPTION_STYLE = {"description_width": "112px"}


def _label(spec: ParamSpec) -> str:
    if not spec.unit:
        return spec.label
    unit = "x:1" if spec.unit == ":1" else spec.unit
    return f"{spec.label} ({unit})"


def _readout_format(spec: ParamSpec) -> str:
    if spec.scale == "log":
        # frequencies with SI prefixes ("80.0", "1.20k", "12.0k"), never "1.200e+4"
        if spec.unit == "Hz":
            return ".3s"
        return ".4g" if spec.hi is not None and spec.hi >= 1000 else ".3g"
    step = spec.step or 0.1
    decimals = max(0, -int(math.floor(math.log10(step)))) if step < 1 else 0
    return f".{decimals}f"


class ControlKit:
    """The layouts and styles that every control of one view shares.

    Each ipywidgets layout or style is a widget model of its own that travels to the
    browser; a panel of 70 controls made with fresh ones sends some 350 extra models.
    One view shares one kit (and closes it with itself: it is part of its tree).
    """

    def __init__(self) -> None:
        self.control_layout = widgets.Layout(width="100%", max_width="460px")
        self.row_layout = widgets.Layout(align_items="center", width="100%")
        self.reset_layout = widgets.Layout(width="40px", padding="0")
        self._styles: dict[str, widgets.Widget] = {}

    def style(self, kind: str) -> widgets.Widget:
        """The shared style for one kind of control (``"slider"``, ``"choice"``...)."""
        if kind not in self._styles:
            make = {
                "slider": widgets.SliderStyle,
                "choice": DescriptionStyle,
                "bool": CheckboxStyle,
                "button": widgets.ButtonStyle,
            }[kind]
            self._styles[kind] = make() if kind == "button" else make(**_DESCRIPTION_STYLE)
        return self._styles[kind]


def control_for(
    spec: ParamSpec,
    value: Any | None = None,
    *,
    sr: int | None = None,
    kit: ControlKit | None = None,
) -> widgets.ValueWidget:
    """Build the control for one declared parameter.

    Sliders are fine enough to set by hand: the readout takes a typed value, and the
    arrow keys move a focused slider by one step.

    Parameters
    ----------
    spec : ParamSpec
        The declaration (range, unit, scale, help...).
    value : optional
        Starting value; the declared default when omitted.
    sr : int, optional
        The sample rate the control is for: frequencies that must stay below Nyquist
        get a slider that ends just below it.
    kit : ControlKit, optional
        Layouts and styles shared with the other controls of the same view.

    Returns
    -------
    ipywidgets.ValueWidget
        A slider, drop-down or check box whose ``.value`` is in the parameter's unit.
        It carries the CSS classes ``studio-control`` and ``studio-param-<name>``.
    """
    value = spec.default if value is None else value
    kit = kit or ControlKit()
    kind = "slider" if spec.kind == "number" else spec.kind
    common: dict[str, Any] = {
        "description": _label(spec),
        "description_allow_html": False,
        "style": kit.style(kind),
        "layout": kit.control_layout,
        "tooltip": spec.help,
    }
    if spec.kind == "choice":
        control: widgets.ValueWidget = widgets.Dropdown(
            options=[(spec.choice_label(c), c) for c in spec.choices or ()], value=value, **common
        )
    elif spec.kind == "bool":
        control = widgets.Checkbox(value=bool(value), indent=False, **common)
    elif spec.scale == "log":
        low, high = spec.range_at(sr)
        lo, hi = math.log10(low), math.log10(high)
        # No step: with one, the browser snaps the value to its grid (100 Hz became
        # 99.66 Hz) and writes the snapped value back, changing the processor behind
        # the learner's back and re-rendering the audio for nothing.
        control = widgets.FloatLogSlider(
            value=value,
            base=10.0,
            min=lo,
            max=hi,
            step=None,
            readout_format=_readout_format(spec),
            continuous_update=True,
            **common,
        )
    else:
        low, high = spec.range_at(sr)
        step = spec.step or (high - low) / 200.0
        control = widgets.FloatSlider(
            value=value,
            min=low,
            max=high,
            step=step,
            readout_format=_readout_format(spec),
            continuous_update=True,
            **common,
        )
    control.add_class("studio-control")
    control.add_class(f"studio-param-{spec.name}")
    return control


def control_row(
    spec: ParamSpec, control: widgets.ValueWidget, kit: ControlKit | None = None
) -> widgets.HBox:
    """Put ``control`` beside a small button that resets it to the declared default."""
    kit = kit or ControlKit()
    reset = widgets.Button(
        icon="undo",
        tooltip=t("panel.reset_tooltip", label=spec.label, value=spec.format(spec.default)),
        layout=kit.reset_layout,
        style=kit.style("button"),
    )
    reset.add_class("studio-reset")

    def _reset(_: widgets.Button) -> None:
        control.value = spec.default

    reset.on_click(_reset)
    return widgets.HBox([control, reset], layout=kit.row_layout)
