"""The starting-balance assistant as a view: what it proposes, why, and how much of it.

The suggestion (:func:`studio.mixing.balance.suggest_balance`) is shown as a table with a
reason per track; an amount slider sets every fader and pan that share of the way from
where they were to where the assistant would put them. The result is ordinary settings
(the console shows them at once); a whole drag of the slider is one undo step.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets

from studio.errors import StudioError
from studio.mixing.project import Project
from studio.text import t
from studio.widgets.lifecycle import close_tree, register_view

__all__ = ["BalanceAssistant"]


class BalanceAssistant(widgets.VBox):
    """Propose a starting balance for a project and apply any amount of it.

    Parameters
    ----------
    project : Project
        The session to balance.
    suggestion : BalanceSuggestion, optional
        A suggestion made already (``project.suggest_balance(...)``); made here if not.

    Attributes
    ----------
    amount : ipywidgets.FloatSlider
        0 % leaves the faders where they were, 100 % is the suggestion.
    """

    def __init__(self, project: Project, suggestion: Any | None = None) -> None:
        if not isinstance(project, Project):
            raise StudioError(f"BalanceAssistant needs a studio.mixing.Project; got {project!r}.")
        self.project = project
        self.suggestion = suggestion if suggestion is not None else project.suggest_balance()
        table = widgets.HTML(self.suggestion._repr_html_())
        table.add_class("studio-balance-table")
        self.amount = widgets.FloatSlider(
            value=0.0,
            min=0.0,
            max=100.0,
            step=1.0,
            description=t("assist.amount"),
            tooltip=t("assist.amount_tooltip"),
            readout_format=".0f",
            continuous_update=False,
            style={"description_width": "initial"},
            layout=widgets.Layout(width="420px"),
        )
        self.amount.add_class("studio-balance-amount")
        self.status = widgets.HTML("")
        self.amount.observe(lambda change: self._apply(change["new"]), names="value")
        super().__init__([table, self.amount, self.status])
        self.add_class("studio-balance-assistant")
        register_view(self)

    def _apply(self, amount_pct: float) -> None:
        try:
            self.project.apply_balance(self.suggestion, amount_pct, join=True)
        except StudioError as exc:
            self.status.value = f'<span style="color:#c0392b">{html.escape(str(exc))}</span>'
            return
        self.status.value = f"<small>{html.escape(t('assist.applied', amount=amount_pct))}</small>"

    def close(self) -> None:
        """Close the table, the slider and the status line."""
        close_tree(self, keep=[self])
        super().close()
