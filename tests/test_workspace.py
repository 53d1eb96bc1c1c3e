"""make lab opens learners' own copies of the notebooks, never the repository's."""

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("workspace", REPO / "tools" / "workspace.py")
workspace = importlib.util.module_from_spec(spec)
spec.loader.exec_module(workspace)


def test_copies_follow_updates_unless_the_learner_edited_them(tmp_path):
    source, work = tmp_path / "notebooks", tmp_path / "workspace" / "notebooks"
    source.mkdir()
    (source / "a.ipynb").write_text("v1")
    (source / "b.ipynb").write_text("v1")
    assert workspace.sync(source, work) == ["copied a.ipynb", "copied b.ipynb"]
    assert workspace.sync(source, work) == []  # nothing changed, nothing done

    (work / "b.ipynb").write_text("my answers")  # the learner works in b
    (source / "a.ipynb").write_text("v2")  # a git pull brings new versions of both
    (source / "b.ipynb").write_text("v2")
    done = workspace.sync(source, work)
    assert done == ["updated a.ipynb", "kept your edited b.ipynb; the new version is b (new).ipynb"]
    assert (work / "a.ipynb").read_text() == "v2"
    assert (work / "b.ipynb").read_text() == "my answers"
    assert (work / "b (new).ipynb").read_text() == "v2"
    assert (source / "b.ipynb").read_text() == "v2"  # the repository's copy is untouched


def test_a_lost_manifest_does_not_make_unedited_copies_look_edited(tmp_path):
    source, work = tmp_path / "notebooks", tmp_path / "workspace"
    source.mkdir()
    (source / "a.ipynb").write_text("v1")
    workspace.sync(source, work)
    (work / workspace.MANIFEST).write_text("not json")
    assert workspace.sync(source, work) == []
    assert not (work / "a (new).ipynb").exists()


def test_workspace_is_ignored_by_git():
    assert "workspace/" in (REPO / ".gitignore").read_text().splitlines()
