"""`trialogic test`: examples beside a trial, reported like a test runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from trialogic.cli import main

TRIAL = 'trial NCT00000099 "t" {\n  include adult "Adults": age >= 18 years\n  exclude opinion "x": manual\n}\n'
EXAMPLES = """reference_date: 2026-11-22
examples:
  - name: adult, assessed
    patient: {id: E1, birth_date: 1990-01-01, assessments: [{trial: NCT00000099, criterion: opinion, result: not_met, date: 2026-11-01}]}
    expect: eligible
  - name: child
    patient: {id: E2, birth_date: 2015-01-01}
    expect: ineligible
    blocking: [adult]
    unknown: []
"""


def test_failures_show_what_differs(tmp_path: Path) -> None:
    (tmp_path / "t.tl").write_text(TRIAL)
    (tmp_path / "t.examples.yaml").write_text(EXAMPLES)
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "::NCT00000099::adult, assessed PASSED" in result.output
    assert "::NCT00000099::child FAILED" in result.output
    assert "    unknown: expected [], got ['opinion'] (missing [], extra ['opinion'])" in result.output
    assert result.output.splitlines()[-1] == "1 passed, 1 failed"


def test_a_bad_examples_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.tl").write_text(TRIAL)
    (tmp_path / "t.examples.yaml").write_text("examples:\n  - name: x\n    patient: {id: E1}\n    expect: maybe\n")
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "examples[0].expect: error[X001]: expect must be one of eligible, ineligible, undetermined" in result.output


def test_every_problem_of_an_examples_file_at_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "t.tl").write_text(TRIAL)
    (tmp_path / "t.examples.yaml").write_text(
        "reference_date: 2026-13-01\n"
        "examples:\n"
        "  - name: one\n"
        "    patient_file: missing.yaml\n"
        "    expect: eligible\n"
        "  - name: one\n"
        "    patient: {id: E2, birth_date: 1990-01-01}\n"
        "    expect: eligible\n"
        "    blockng: [adult]\n"
    )
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    examples = tmp_path / "t.examples.yaml"
    for expected in (
        f"{examples}:1:1: reference_date: error[X001]: '2026-13-01' is not a date",
        f"{examples}:4:5: examples[0].patient_file: error[X001]: there is no patient file",
        f"{examples}:6:5: examples[1].name: error[X001]: a second example named 'one' (first: examples[0])",
        f"{examples}:9:5: examples[1].blockng: error[X001]: unknown key 'blockng'; did you mean 'blocking'?",
    ):
        assert expected in result.output
    assert "PASSED" not in result.output and "Traceback" not in result.output


def run_test(tmp_path: Path, examples: str) -> tuple[Path, str, int]:
    (tmp_path / "t.tl").write_text(TRIAL)
    path = tmp_path / "t.examples.yaml"
    path.write_text(examples)
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return path, result.output, result.exit_code


ONE = "examples:\n  - name: a\n    patient: {id: E1, birth_date: 2015-01-01}\n    expect: ineligible\n"


def test_criterion_ids_must_be_names(tmp_path: Path) -> None:
    path, output, code = run_test(tmp_path, ONE + "    blocking: [1, null]\n    unknown: [{x: 1}]\n")
    assert code == 1
    for expected in (
        f"{path}:5:16: examples[0].blocking[0]: error[X001]: a criterion id is a name, as in [age], not 1",
        f"{path}:5:19: examples[0].blocking[1]: error[X001]: a criterion id is a name, as in [age], not null",
        f"{path}:6:15: examples[0].unknown[0]: error[X001]: a criterion id is a name, as in [age], not {{'x': 1}}",
    ):
        assert expected in output
    assert "PASSED" not in output and "FAILED" not in output


def test_an_id_listed_twice_is_an_error(tmp_path: Path) -> None:
    path, output, code = run_test(tmp_path, ONE + "    blocking: [adult, adult]\n")
    assert code == 1
    assert (
        f"{path}:5:23: examples[0].blocking[1]: error[X001]: 'adult' is listed twice (first: examples[0].blocking[0]); "
        "list each id once"
    ) in output
    assert "FAILED" not in output


def test_an_id_that_is_not_a_criterion_is_an_error(tmp_path: Path) -> None:
    path, output, code = run_test(tmp_path, ONE + "    blocking: [adlt]\n    unknown: [zzz]\n")
    assert code == 1
    assert (
        f"{path}:5:16: examples[0].blocking[0]: error[X001]: 'adlt' is not a criterion of NCT00000099; "
        "did you mean 'adult'?"
    ) in output
    assert (
        f"{path}:6:15: examples[0].unknown[0]: error[X001]: 'zzz' is not a criterion of NCT00000099; "
        "its criteria are adult, opinion"
    ) in output
    assert "FAILED" not in output


def test_an_invalid_patient_is_placed_in_the_examples_file(tmp_path: Path) -> None:
    path, output, code = run_test(
        tmp_path,
        "examples:\n  - name: a\n    patient:\n      id: E1\n      sex: femal\n    expect: ineligible\n",
    )
    assert code == 1
    assert output.startswith(f"{path}:5:7: examples[0].patient.sex: error[P0"), output


def test_a_trial_file_without_examples_that_does_not_load_is_reported(tmp_path: Path) -> None:
    """`test` loads every criteria file it is given: a syntax error is never passed over as
    'no examples found'."""
    (tmp_path / "bad.tl").write_text('trial NCT00000001 "x" {\n  include a "a": age >=\n}\n')
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{tmp_path / 'bad.tl'}:2:24: error[E001]: the line ends too early" in result.output
    assert "no examples found" not in result.output


TWO_TRIALS = (
    'trial NCT00000001 "adults" {\n  include adult "Adults": age >= 18 years\n}\n'
    'trial NCT00000002 "women" {\n  include woman "Women": sex = female\n}\n'
)
A_MAN = "    patient: {id: E1, birth_date: 1990-01-01, sex: male}\n"


def run_two_trials(tmp_path: Path, examples: str) -> Result:
    """`trialogic test` on a file of two trials with these examples beside it."""
    (tmp_path / "two.tl").write_text(TWO_TRIALS)
    (tmp_path / "two.examples.yaml").write_text(examples)
    return CliRunner().invoke(main, ["test", str(tmp_path)])


def test_an_example_names_its_trial_when_the_file_holds_several(tmp_path: Path) -> None:
    """Each example runs against its own trial only (it ran against every trial of the file,
    so that no examples file beside two trials could pass); examples may share an id."""
    result = run_two_trials(
        tmp_path,
        "reference_date: 2026-11-22\nexamples:\n"
        f"  - name: a man, adult\n    trial: NCT00000001\n{A_MAN}    expect: eligible\n    blocking: []\n"
        f"  - name: a man, not a woman\n    trial: NCT00000002\n{A_MAN}    expect: ineligible\n    blocking: [woman]\n",
    )
    assert result.exit_code == 0, result.output
    assert "::NCT00000001::a man, adult PASSED" in result.output
    assert "::NCT00000002::a man, not a woman PASSED" in result.output
    assert result.output.splitlines()[-1] == "2 passed, 0 failed"


def test_an_example_without_its_trial_or_with_another_is_an_error(tmp_path: Path) -> None:
    result = run_two_trials(
        tmp_path,
        "examples:\n"
        f"  - name: which?\n{A_MAN}    expect: eligible\n"
        f"  - name: a typo\n    trial: NCT00000003\n{A_MAN}    expect: eligible\n",
    )
    assert result.exit_code == 1
    assert (
        "examples[0]: error[X001]: the trial file holds 2 trials (NCT00000001, NCT00000002); "
        "say which this example is for with trial: ID" in result.output
    )
    assert (
        "examples[1].trial: error[X001]: 'NCT00000003' is not a trial of the file beside; did you mean" in result.output
    )


def test_an_assessment_of_a_criterion_the_trial_lacks_is_p013_in_an_example(tmp_path: Path) -> None:
    """As the commands: a misspelt criterion would otherwise leave the manual one unknown."""
    (tmp_path / "p.yaml").write_text(
        "id: F1\nbirth_date: 1990-01-01\n"
        "assessments: [{trial: NCT00000099, criterion: opinon, result: not_met, date: 2026-11-01}]\n"
    )
    path, output, code = run_test(
        tmp_path,
        "examples:\n  - name: a\n    patient: {id: E1, birth_date: 1990-01-01, assessments: "
        "[{trial: NCT00000099, criterion: opinon, result: not_met, date: 2026-11-01}]}\n    expect: undetermined\n"
        "  - name: b\n    patient_file: p.yaml\n    expect: undetermined\n",
    )
    assert code == 1
    assert (
        f"{path}:3:82: examples[0].patient.assessments[0].criterion: error[P013]: NCT00000099 has no criterion "
        "'opinon'; did you mean 'opinion'?"
    ) in output
    assert f"{tmp_path / 'p.yaml'}:3:36: assessments[0].criterion: error[P013]: NCT00000099 has no criterion" in output
    assert "PASSED" not in output and "FAILED" not in output


def test_an_example_with_a_patient_and_a_patient_file_is_an_error(tmp_path: Path) -> None:
    """Which one was checked was not said: the record written was silently passed over."""
    (tmp_path / "p.yaml").write_text("id: F1\nbirth_date: 1990-01-01\n")
    path, output, code = run_test(tmp_path, ONE + "    patient_file: p.yaml\n")
    assert code == 1
    assert (
        f"{path}:2:5: examples[0]: error[X001]: an example has `patient:` (a record) or `patient_file:` (a path), "
        "not both"
    ) in output
    assert "PASSED" not in output and "FAILED" not in output


def test_an_examples_file_given_itself_names_its_trial_file(tmp_path: Path) -> None:
    """It was read as criteria: "unexpected 'examples'", and no word of the file to give."""
    path, _, _ = run_test(tmp_path, ONE)
    result = CliRunner().invoke(main, ["test", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"{path}: error[X001]: an examples file is run with the trial beside it: give {tmp_path / 't.tl'}\n"
    )


def test_a_misspelt_expected_status_is_named_with_the_status_meant(tmp_path: Path) -> None:
    path, output, code = run_test(tmp_path, ONE.replace("expect: ineligible", "expect: inelligible"))
    assert code == 1
    assert (
        f"{path}:4:5: examples[0].expect: error[X001]: expect must be one of eligible, ineligible, undetermined; "
        "did you mean 'ineligible'?"
    ) in output
    assert "FAILED" not in output


def test_an_empty_list_of_examples_is_an_error(tmp_path: Path) -> None:
    """It passed, saying "no examples found (write X.examples.yaml beside X.tl)" of a file that is there."""
    path, output, code = run_test(tmp_path, "reference_date: 2026-11-22\nexamples: []\n")
    assert code == 1
    assert output == f"{path}:2:1: examples: error[X001]: the list of examples is empty; write one or more\n" + (
        "    examples: []\n    ^\n"
    )


def test_an_expected_status_its_own_lists_contradict_is_an_error(tmp_path: Path) -> None:
    """`expect: eligible` with a blocking criterion can never pass, whatever the patient: the
    examples file is wrong, and is told so before anything runs."""
    text = EXAMPLES.replace("expect: eligible", "expect: eligible\n    blocking: [adult]")
    text = text.replace("blocking: [adult]\n    unknown: []", "blocking: []\n    unknown: []")
    path, output, code = run_test(tmp_path, text)
    assert code == 1
    assert (
        f"{path}:6:5: examples[0].blocking: error[X001]: an eligible patient has no blocking criteria: "
        "empty the list, or change expect"
    ) in output
    assert (
        f"{path}:10:5: examples[1].blocking: error[X001]: an ineligible patient has some blocking criterion: "
        "list it, or change expect"
    ) in output
    assert "FAILED" not in output and "PASSED" not in output

    undetermined = EXAMPLES.replace(
        "expect: ineligible\n    blocking: [adult]", "expect: undetermined\n    blocking: [adult]"
    )
    path, output, code = run_test(tmp_path, undetermined)
    assert "examples[1].blocking: error[X001]: an undetermined patient has no blocking criteria" in output
    assert "examples[1].unknown: error[X001]: an undetermined patient has some unknown criterion" in output


def test_a_wrong_status_without_lists_says_what_decided_it(tmp_path: Path) -> None:
    """An example giving only `expect` is told which criteria made the status it got, so the
    author sees whether the trial or the expectation is wrong without running `check`."""
    path, output, code = run_test(tmp_path, ONE.replace("expect: ineligible", "expect: eligible"))
    assert code == 1
    assert "    status: expected eligible, got ineligible (blocking ['adult'], unknown ['opinion'])" in output
    listed = ONE.replace("expect: ineligible", "expect: undetermined\n    blocking: []\n    unknown: [opinion]")
    path, output, code = run_test(tmp_path, listed)
    assert "    status: expected undetermined, got ineligible\n" in output  # the lists say the rest
    assert "    blocking: expected [], got ['adult'] (missing [], extra ['adult'])" in output
