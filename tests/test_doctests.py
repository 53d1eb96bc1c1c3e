"""The examples in the docstrings run, so they cannot drift from the code."""

import doctest
import importlib
import pkgutil

import pytest

import studio

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(studio.__path__, "studio.")
    if not info.name.split(".")[-1].startswith("_")
)


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in finder.find(module, name):
        runner.run(test)
    results = runner.summarize(verbose=False)
    assert results.failed == 0, f"{results.failed} docstring examples failed in {name}"


def test_the_examples_are_found():
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = sum(
        len(t.examples)
        for name in MODULES
        for t in finder.find(importlib.import_module(name), name)
    )
    assert found > 100  # a finder that finds nothing would pass every module
