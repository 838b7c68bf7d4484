"""What a defined name means where it is written (lexical scope): a trial's own `define`
counts in the trial's own text, never inside a file's definition that uses the same name.
Checked through the solver, the reference evaluator, explanations, assessments and lint."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trialogic import api
from trialogic.parser import parse
from trialogic.patient import read_patient
from trialogic.vocabulary import load_vocabulary

from oracle import evaluate

R = dt.date(2026, 6, 1)
# 46 years old on R: passes `age >= 18 years`, fails `age >= 99 years`
RECORD = {"id": "p", "birth_date": "1980-01-01", "sex": "female"}

SHADOWED = """define base = age >= 18 years
define uses_base = base
trial NCT00000001 "t" {
  define base = age >= 99 years
  include through_file "the file's definition": uses_base
  include own "the trial's own definition": base
}
"""


def load(tmp_path: Path, source: str) -> api.TrialSet:
    path = tmp_path / "t.tl"
    path.write_text(source)
    return api.load_trials([path])


def statuses(tmp_path: Path, source: str) -> dict[str, str]:
    trials = load(tmp_path, source)
    [result] = api.check([read_patient(RECORD)], trials, on=R)
    return {c.id: c.status for c in result.criteria}


def oracle_statuses(source: str) -> dict[str, str]:
    results = evaluate([parse(source, "t.tl")], read_patient(RECORD), R, load_vocabulary())
    return results["NCT00000001"][1]


def test_a_file_definition_keeps_its_meaning_where_a_trial_reuses_a_name(tmp_path: Path) -> None:
    expected = {"through_file": "met", "own": "not_met"}
    assert statuses(tmp_path, SHADOWED) == expected
    assert oracle_statuses(SHADOWED) == expected


def test_a_trial_definition_through_a_file_definition_of_its_own_name_is_no_cycle(tmp_path: Path) -> None:
    # the trial's `base` uses the file's `uses_base`, which uses the file's `base`: no loop
    source = """define base = age >= 18 years
define uses_base = base
trial NCT00000001 "t" {
  define base = uses_base and sex = male
  include own "x": base
  include file "y": uses_base
}
"""
    expected = {"own": "not_met", "file": "met"}
    assert statuses(tmp_path, source) == expected
    assert oracle_statuses(source) == expected


def test_why_shows_the_definition_the_name_means_there(tmp_path: Path) -> None:
    trials = load(tmp_path, SHADOWED)
    [explanation] = api.why(read_patient(RECORD), trials, on=R)
    through, own = explanation.criteria
    inner = through.part.parts[0]  # uses_base -> base (the file's)
    assert inner.written == "base"
    assert inner.parts[0].written == "age >= 18 years"
    assert inner.truth == "true"
    assert own.part.parts[0].written == "age >= 99 years"
    assert own.part.truth == "false"


def test_an_assessment_settles_only_a_criterion_whose_own_meaning_holds_a_manual(tmp_path: Path) -> None:
    source = """define base = age >= 18 years
define uses_base = base
trial NCT00000001 "t" {
  define base = manual
  include through_file "x": uses_base
  include own "y": base
}
"""
    trials = load(tmp_path, source)
    assert trials.assessable("NCT00000001") == ["own"]
    program = trials.program(["NCT00000001"])
    assert program.count("manual(") == 1  # the trial's `base` alone is an assessment


def test_lint_follows_the_definition_a_name_means_there(tmp_path: Path) -> None:
    # the file's `base` compares with a ULN multiple of an attribute without a usual limit
    # (L005); the trial's own `base` does not, and the trial uses the file's through uses_base
    source = """define base = total_bilirubin > 1.5 x ULN
define uses_base = base
trial NCT00000001 "t" {
  define base = age >= 18 years
  include k "x": uses_base
}
"""
    path = tmp_path / "t.tl"
    path.write_text(source)
    from trialogic.lint import lint

    codes = [(d.code, d.line) for d in lint([path])]
    assert ("L005", 1) in codes
