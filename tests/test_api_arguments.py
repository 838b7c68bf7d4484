"""The Python API checks its arguments as the commands do, with messages that say what is
right, instead of failing deep inside (AttributeError, OverflowError) or reading a string
letter by letter."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import trialogic
from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.resources import facts_dir, rules_dir

ON = dt.date(2026, 11, 22)
PATIENTS = Path(__file__).parent.parent / "facts" / "patients"


@pytest.fixture(scope="module")
def trials() -> api.TrialSet:
    return api.load_trials()


@pytest.fixture(scope="module")
def patient() -> api.Patient:
    return api.read_patient({"id": "A1", "sex": "female", "birth_date": "1990-01-01"})


@pytest.mark.parametrize(
    "on, error, says",
    [
        (dt.date(1, 1, 1), ValueError, "0001-01-01 is outside the reference dates trialogic handles"),
        (dt.date(1800, 1, 1), ValueError, "1900-01-01 to 2999-12-31"),
        (dt.date(9999, 12, 31), ValueError, "1900-01-01 to 2999-12-31"),
        ("2026-11-22", TypeError, "on is a datetime.date, not str"),
    ],
)
def test_a_reference_date_the_commands_refuse_is_refused(
    trials: api.TrialSet, patient: api.Patient, on: Any, error: type[Exception], says: str
) -> None:
    for call in (
        lambda: api.check([patient], trials, on=on),
        lambda: api.why(patient, trials, on=on),
        lambda: api.fix(patient, trials, on=on),
        lambda: trialogic.to_json(api.check([patient], trials, on=ON), on),
    ):
        with pytest.raises(error, match=says):
            call()


def test_an_empty_list_of_trial_files_is_an_error_not_the_bundled_trials() -> None:
    """A glob that matches nothing must not screen against the seed trials unawares."""
    with pytest.raises(TrialogicError) as raised:
        api.load_trials([])
    assert [d.code for d in raised.value.diagnostics] == ["E000"]
    assert "the list is empty" in raised.value.render()


@pytest.mark.parametrize("wrong", [5, None, [PATIENTS / "p01.yaml", 5]])
def test_patient_paths_must_be_paths(wrong: Any) -> None:
    with pytest.raises(TypeError, match="paths is a file or folder"):
        api.load_patients(wrong)


@pytest.mark.parametrize("wrong", [5, [PATIENTS / "p01.yaml", 5]])
def test_trial_paths_must_be_paths_as_patient_paths_must(wrong: Any) -> None:
    """load_trials says what paths are, as load_patients does; it let Python say "'int'
    object is not iterable" or "expected str, bytes or os.PathLike object"."""
    with pytest.raises(TypeError, match="paths is a file or folder"):
        api.load_trials(wrong)


def test_trial_paths_may_be_any_iterable_of_paths(trials: api.TrialSet) -> None:
    """A generator of paths is read once: it was read by the search for files, then found
    empty (E000, "the list is empty")."""
    given = (path for path in [rules_dir() / "trials"])
    assert sorted(api.load_trials(given).trials) == sorted(trials.trials)


def test_complete_given_as_something_else_than_a_list_says_what_a_list_is() -> None:
    with pytest.raises(TrialogicError) as raised:
        api.read_patient({"id": "A1", "complete": ("drugs",)})
    assert "complete is a list of section names, e.g. [drugs, conditions]" in raised.value.render()


def test_a_datetime_is_its_day(trials: api.TrialSet, patient: api.Patient) -> None:
    at_noon = api.check([patient], trials, on=dt.datetime(2026, 11, 22, 12, 0))
    assert [r.status for r in at_noon] == [r.status for r in api.check([patient], trials, on=ON)]


@pytest.mark.parametrize("wrong", [None, "rules/trials", []])
def test_trials_must_be_a_trial_set(patient: api.Patient, wrong: Any) -> None:
    with pytest.raises(TypeError, match="trials is the TrialSet load_trials"):
        api.check([patient], wrong, on=ON)


def test_patients_must_be_read(trials: api.TrialSet) -> None:
    with pytest.raises(TypeError, match="patients are Patient records from read_patient"):
        api.check([{"id": "A1"}], trials, on=ON)  # type: ignore[list-item]


def test_one_path_or_trial_id_is_not_read_letter_by_letter(trials: api.TrialSet, patient: api.Patient) -> None:
    assert sorted(api.load_trials(str(rules_dir() / "trials")).trials) == sorted(trials.trials)
    assert sorted(api.load_trials(rules_dir() / "trials").trials) == sorted(trials.trials)
    (one,) = api.why(patient, trials, on=ON, trial_ids="NCT03580291")
    assert one.trial == "NCT03580291"
    (repair,) = api.fix(patient, trials, on=ON, trial_ids="NCT03580291")
    assert repair.trial == "NCT03580291"


def test_a_trial_asked_for_twice_is_answered_once(trials: api.TrialSet, patient: api.Patient) -> None:
    asked = ["NCT04318600", "NCT01539902", "NCT04318600"]
    assert [e.trial for e in api.why(patient, trials, on=ON, trial_ids=asked)] == ["NCT04318600", "NCT01539902"]
    assert [r.trial for r in api.fix(patient, trials, on=ON, trial_ids=asked)] == ["NCT04318600", "NCT01539902"]


def test_max_alternatives_is_not_negative(trials: api.TrialSet, patient: api.Patient) -> None:
    with pytest.raises(ValueError, match="max_alternatives is 0 .every alternative. or more, not -1"):
        api.fix(patient, trials, on=ON, max_alternatives=-1)


def test_a_patient_id_is_used_once_in_a_run(trials: api.TrialSet, patient: api.Patient) -> None:
    with pytest.raises(TrialogicError) as raised:
        api.check([patient, patient], trials, on=ON)
    (problem,) = raised.value.diagnostics
    assert problem.code == "P012" and "patient id 'A1' is used again" in problem.message


def test_load_patients_reads_what_the_commands_read(tmp_path: Path) -> None:
    """Folders and JSON lines, as `trialogic check` reads them; one path or several."""
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "J1", "sex": "male"}\n\n{"id": "J2", "sex": "female"}\n')
    assert [p.id for p in api.load_patients(stream)] == ["J1", "J2"]
    assert [p.id for p in trialogic.load_patients(str(stream))] == ["J1", "J2"]
    folder = sorted(p.id for p in api.load_patients(PATIENTS))
    assert folder == sorted(f"P{n:02d}" for n in range(1, 19))
    with pytest.raises(TrialogicError, match="P012"):
        api.load_patients([stream, stream])


def test_explanations_and_repairs_are_exported() -> None:
    assert trialogic.Repair is api.Repair and trialogic.TrialExplanation is api.TrialExplanation
    assert trialogic.CriterionExplanation is api.CriterionExplanation


def test_the_readme_python_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    block = readme.split("### Python API", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(Path(__file__).parent.parent)
    exec(compile(block, "README.md", "exec"), {})  # noqa: S102 - the project's own README
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    assert lines[0].split()[:2] == ["NCT01539902", "undetermined"]
    assert json.loads(printed[printed.index("\n{") :])["repairs"][0]["trial"] == "NCT03580291"


@pytest.mark.parametrize("command", ["check", "why", "fix"])
def test_to_json_writes_what_the_command_prints(command: str) -> None:
    """trialogic.to_json of the API's answers is the document `COMMAND --json` prints."""
    patient_file = str(facts_dir() / "patients" / "p05.yaml")
    printed = CliRunner().invoke(main, [command, patient_file, "--on", ON.isoformat(), "--json"])
    assert printed.exit_code == 0, printed.output
    (patient,) = trialogic.load_patients(patient_file)
    trials = trialogic.load_trials()
    if command == "check":
        answers: list[Any] = trialogic.check([patient], trials, on=ON)
    else:
        ask = trialogic.why if command == "why" else trialogic.fix
        answers = ask(patient, trials, on=ON)
    assert json.loads(trialogic.to_json(answers, on=ON)) == json.loads(printed.output)


def test_to_json_refuses_answers_of_two_kinds(trials: api.TrialSet, patient: api.Patient) -> None:
    mixed = [*api.check([patient], trials, on=ON)[:1], *api.fix(patient, trials, on=ON)[:1]]
    with pytest.raises(TypeError, match="the answers of one of check, why or fix, not Repair, TrialResult"):
        trialogic.to_json(mixed, on=ON)


def test_wrong_argument_types_say_what_is_right(trials: api.TrialSet, patient: api.Patient) -> None:
    calls: list[tuple[Any, type[Exception], str]] = [
        (lambda: api.why([patient], trials, on=ON), TypeError, "patient is one Patient"),
        (lambda: api.fix([patient], trials, on=ON), TypeError, "patient is one Patient"),
        (lambda: api.check(patient, trials, on=ON), TypeError, r"pass \[patient\]"),
        (lambda: api.why(patient, trials, on=ON, trial_ids=5), TypeError, "trial_ids is a trial id or a list"),
        (lambda: api.why(patient, trials, on=ON, trial_ids=b"NCT03580291"), TypeError, "trial_ids is"),
        (lambda: api.fix(patient, trials, on=ON, max_alternatives=1.5), TypeError, "max_alternatives is a whole"),
        (lambda: api.fix(patient, trials, on=ON, max_alternatives=True), TypeError, "max_alternatives is a whole"),
        (lambda: api.load_patients([]), ValueError, "at least one file or folder"),
    ]
    for call, error, says in calls:
        with pytest.raises(error, match=says):
            call()
    assert [p.id for p in api.load_patients(bytes(PATIENTS / "p01.yaml"))] == ["P01"]
