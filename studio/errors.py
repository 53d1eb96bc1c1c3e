"""One exception family with plain messages.

Every error the studio raises on purpose is a :class:`StudioError`, so a notebook can
catch them all with one ``except`` and show the message to the learner. The messages
name the thing that went wrong (the file, the processor, the parameter) and what was
expected, in words a beginner can act on.
"""


class StudioError(Exception):
    """Base class of every error the studio raises on purpose."""


class AudioFileError(StudioError, OSError):
    """A file could not be read or written as audio; the message names file and problem.

    It is also an :class:`OSError`, so code written for file errors in general
    (``except OSError``) catches it as well.
    """


class AudioDataError(StudioError, ValueError):
    """Samples are unusable: wrong shape, empty, or not finite (NaN or Inf)."""


class ParameterError(StudioError, ValueError):
    """A processor parameter is outside its declared range or of the wrong kind."""


class PresetError(StudioError):
    """A preset file or dictionary does not describe a known processor."""


class TextError(StudioError, LookupError):
    """The text catalogue has no such entry, or a text is missing one of its fields."""


class StudioWarning(UserWarning):
    """Something worth knowing that does not stop the work (headroom, truncation...)."""
