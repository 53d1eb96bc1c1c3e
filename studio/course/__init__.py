"""The course: exercises' answers and their scoring, as data and pure functions.

A notebook asks a learner to find a setting by ear; one call tells them how close they
are, in plain words, without giving the answer away before they try::

    studio.course.check_mud_cut(eq_panel.processor)

Each check returns a :class:`Feedback` (a verdict, a score and one line per point),
shown as HTML in a notebook and as text in a terminal. No widgets here.
"""

from studio.course.exercises import (
    Feedback,
    check_harsh_cut,
    check_mud_cut,
    check_voice_leveling,
)

__all__ = ["Feedback", "check_harsh_cut", "check_mud_cut", "check_voice_leveling"]
