"""One function turns a parameter declaration into a control.

Numbers become sliders (log sliders for frequencies, times and ratios), choices become
drop-downs and switches become check boxes. Every control shows its unit in its label,
explains itself in a tooltip and carries a small reset button back to its default.
"""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets

from studio.params import ParamSpec
from studio.text import t

__all__ = ["control_for", "control_row"]

_DESCRIPTION_STYLE = {"description_width": "128px"}


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


def control_for(
    spec: ParamSpec, value: Any | None = None, *, sr: int | None = None
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

    Returns
    -------
    ipywidgets.ValueWidget
        A slider, drop-down or check box whose ``.value`` is in the parameter's unit.
        It carries the CSS classes ``studio-control`` and ``studio-param-<name>``.
    """
    value = spec.default if value is None else value
    common: dict[str, Any] = {
        "description": _label(spec),
        "description_allow_html": False,
        "style": _DESCRIPTION_STYLE,
        "layout": widgets.Layout(width="100%", max_width="460px"),
        "tooltip": spec.help,
    }
    if spec.kind == "choice":
        control: widgets.ValueWidget = widgets.Dropdown(
            options=[(c.replace("_", " "), c) for c in spec.choices or ()], value=value, **common
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


def control_row(spec: ParamSpec, control: widgets.ValueWidget) -> widgets.HBox:
    """Put ``control`` beside a small button that resets it to the declared default."""
    reset = widgets.Button(
        icon="undo",
        tooltip=t("panel.reset_tooltip", label=spec.label, value=spec.format(spec.default)),
        layout=widgets.Layout(width="40px", padding="0"),
    )
    reset.add_class("studio-reset")

    def _reset(_: widgets.Button) -> None:
        control.value = spec.default

    reset.on_click(_reset)
    return widgets.HBox([control, reset], layout=widgets.Layout(align_items="center", width="100%"))
