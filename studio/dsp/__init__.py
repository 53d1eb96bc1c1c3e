"""Pure DSP functions: numpy/scipy in, numpy out; no state, no I/O, no widgets.

Every function takes the signal first, shaped ``(channels, frames)``, then ``sr``, then
keyword-only parameters with their units in their names.
"""
