"""screen: the same answers as check, attrition counted right, streams, errors, trial what-ifs."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialogic import api
from trialogic.cli import main
from trialogic.parser import parse, parse_file
from trialogic.patient import load_records
from trialogic.resources import facts_dir, rules_dir
from trialogic.screen import Attrition, Row, _Writer, run_screen, screen
from trialogic.vocabulary import load_vocabulary
from trialogic.whatif import Change, change_trials

from oracle import evaluate
from strategies import patient_records, reference_dates

TODAY = dt.date(2026, 11, 22)
PATIENTS = facts_dir() / "patients"


def screened(tmp_path: Path, jobs: int, changes: list[Change] | None = None) -> tuple[list[dict[str, object]], object]:
    out = tmp_path / f"out{jobs}.jsonl"
    trials = change_trials(api.load_trials(), changes or [])
    report = run_screen([str(PATIENTS)], [], trials, TODAY, jobs, str(out), changes or [])
    return [json.loads(line) for line in out.read_text().splitlines()], report


def test_screen_equals_check_one_by_one(tmp_path: Path) -> None:
    rows, report = screened(tmp_path, jobs=2)
    trials = api.load_trials()
    expected = []
    for path in sorted(PATIENTS.iterdir()):
        for r in api.check(api.load_patients(path), trials, on=TODAY):
            expected.append({"patient": r.patient, "trial": r.trial, "status": r.status,
                             "blocking": [c.id for c in r.blocking()], "unknown": [c.id for c in r.unknown()]})  # fmt: skip
    assert rows == expected
    assert report.patients == len(list(PATIENTS.iterdir()))
    assert screened(tmp_path, jobs=1)[0] == rows


@pytest.mark.parametrize("jobs", [1, 2])
def test_small_chunks_give_the_answers_of_one_patient_at_a_time(jobs: int) -> None:
    # Patients are numbered from 0 in every chunk, and each worker keeps the answers it has
    # decoded from one chunk to the next: chunks of 4 cross those boundaries many times.
    trials = api.load_trials()
    rows = [row for chunk in screen([str(PATIENTS)], None, TODAY, jobs, chunk_size=4) for row in chunk.rows]
    expected = [
        (r.patient, r.trial, r.status, tuple(c.id for c in r.blocking()), tuple(c.id for c in r.unknown()))
        for path in sorted(PATIENTS.iterdir())
        for patient in api.load_patients(path)
        for r in api.check([patient], trials, on=TODAY)
    ]
    assert [(r.patient, r.trial, r.status, r.blocking, r.unknown) for r in rows] == expected
    assert len({r.patient for r in rows}) > 4 * 3  # more than three chunks


SEED_MODULES = [parse_file(rules_dir() / "library.tl")] + [
    parse_file(p) for p in sorted((rules_dir() / "trials").glob("*.tl"))
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_patients_grounded_together_get_the_answers_they_get_alone(data: st.DataObject) -> None:
    # Many patients share one grounding: no rule may let one patient's facts reach another's answer.
    today = data.draw(reference_dates())
    records = data.draw(st.lists(patient_records(SEED_MODULES, today), min_size=2, max_size=6))
    patients = [api.read_patient({**record, "id": f"B{index}"}) for index, record in enumerate(records)]
    trials = api.load_trials()

    def outcome(results: list[api.TrialResult]) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
        return [(r.patient, r.trial, r.status, [(c.id, c.status) for c in r.criteria]) for r in results]

    together = outcome(api.check(patients, trials, on=today))
    alone = [row for patient in patients for row in outcome(api.check([patient], trials, on=today))]
    assert together == alone


def test_attrition_matches_a_direct_count(tmp_path: Path) -> None:
    rows, report = screened(tmp_path, jobs=1)
    for trial in api.load_trials().trials.values():
        attrition = report.attrition[trial.id].as_dict()
        mine = [r for r in rows if r["trial"] == trial.id]
        excluded = Counter(c for r in mine for c in r["blocking"])
        alone = Counter(r["blocking"][0] for r in mine if len(r["blocking"]) == 1)
        unknown = Counter(c for r in mine for c in r["unknown"])
        for position, entry in enumerate(attrition["criteria"]):
            assert entry["excluded"] == excluded[entry["id"]]
            assert entry["excluded_alone"] == alone[entry["id"]]
            assert entry["unknown"] == unknown[entry["id"]]
            first = {c.id for c in trial.criteria[: position + 1]}
            still_in = sum(not (first & (set(r["blocking"]) | set(r["unknown"]))) for r in mine)
            assert entry["remaining"] == still_in
        counted = Counter(r["status"] for r in mine)
        assert attrition["statuses"] == {s: counted[s] for s in ("eligible", "ineligible", "undetermined")}


def test_attrition_statuses_are_all_three_in_one_order() -> None:
    attrition = Attrition("T", ["a"])
    assert list(attrition.as_dict()["statuses"].items()) == [("eligible", 0), ("ineligible", 0), ("undetermined", 0)]
    attrition.add(Row("1", "T", "undetermined", (), ("a",)))
    attrition.add(Row("2", "T", "ineligible", ("a",), ()))
    assert list(attrition.as_dict()["statuses"].items()) == [("eligible", 0), ("ineligible", 1), ("undetermined", 1)]


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_attrition_statuses_in_every_output_format(suffix: str, tmp_path: Path) -> None:
    stream = tmp_path / "one.jsonl"
    stream.write_text('{"id": "U1"}\n')  # nothing known: undetermined for every trial
    out = tmp_path / f"m{suffix}"
    command = ["screen", str(stream), "--on", "2026-11-22", "--jobs", "1", "--out", str(out)]
    result = CliRunner().invoke(main, command, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    if suffix == ".json":
        attrition = json.loads(out.read_text())["attrition"]
    else:
        attrition = [json.loads(line) for line in (tmp_path / "m.attrition.jsonl").read_text().splitlines()]
    assert len(attrition) == 5
    for entry in attrition:
        assert list(entry["statuses"].items()) == [("eligible", 0), ("ineligible", 0), ("undetermined", 1)]
    assert result.output.count("1 patients — 0 eligible, 0 ineligible, 1 undetermined") == 5


@pytest.mark.parametrize("suffix", [".CSV", ".Json", ".JSONL"])
def test_an_out_suffix_in_capitals_writes_its_format(suffix: str, tmp_path: Path) -> None:
    stream = tmp_path / "one.jsonl"
    stream.write_text('{"id": "U1"}\n')
    out = tmp_path / f"m{suffix}"
    result = CliRunner().invoke(main, ["screen", str(stream), "--on", "2026-11-22", "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    if suffix == ".CSV":
        assert text.splitlines()[0] == "patient,trial,status,blocking,unknown"
        assert (tmp_path / f"m.attrition{suffix}").read_text().startswith("trial,patients,criterion,")
    elif suffix == ".Json":
        assert len(json.loads(text)["results"]) == 5
    else:
        assert [json.loads(line)["patient"] for line in text.splitlines()] == ["U1"] * 5
        assert len((tmp_path / f"m.attrition{suffix}").read_text().splitlines()) == 5


def test_funnel_by_hand() -> None:
    attrition = Attrition("T", ["a", "b", "c"])
    attrition.add(Row("1", "T", "eligible", (), ()))
    attrition.add(Row("2", "T", "ineligible", ("b",), ("c",)))
    attrition.add(Row("3", "T", "ineligible", ("a", "c"), ()))
    assert attrition.funnel == [2, 1, 1]
    assert attrition.excluded == {"b": 1, "a": 1, "c": 1}
    assert attrition.excluded_alone == {"b": 1}
    assert attrition.unknown == {"c": 1}


def test_jsonl_stream_csv_and_json_outputs(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    records = [record for path in sorted(PATIENTS.iterdir()) for record, _ in load_records(path)]
    stream.write_text("\n".join(json.dumps(r, default=str) for r in records) + "\n")
    csv_out, json_out = tmp_path / "m.csv", tmp_path / "m.json"
    runner = CliRunner()
    first = runner.invoke(main, ["screen", str(stream), "--on", "2026-11-22", "--jobs", "1", "--out", str(csv_out)])
    assert first.exit_code == 0, first.output
    matrix = list(csv.DictReader(csv_out.open()))
    assert len(matrix) == len(records) * 5
    second = runner.invoke(main, ["screen", str(stream), "--on", "2026-11-22", "--jobs", "1", "--out", str(json_out)])
    assert second.exit_code == 0, second.output
    document = json.loads(json_out.read_text())
    assert [(r["patient"], r["trial"], r["status"]) for r in document["results"]] == [
        (m["patient"], m["trial"], m["status"]) for m in matrix
    ]
    assert {a["trial"] for a in document["attrition"]} == set(api.load_trials().trials)
    assert "excludes alone" in second.output
    # beside a .csv matrix, attrition as a table: the same counts as the .json holds
    table = [
        (a["trial"], a["patients"], c["id"], c["excluded"], c["excluded_alone"], c["unknown"], c["remaining"])
        for a in document["attrition"]
        for c in a["criteria"]
    ]
    written = list(csv.reader((tmp_path / "m.attrition.csv").open()))
    assert written[0] == ["trial", "patients", "criterion", "excluded", "excluded_alone", "unknown", "remaining"]
    assert written[1:] == [[str(cell) for cell in row] for row in table]
    assert f"wrote attrition per criterion to {tmp_path / 'm.attrition.csv'}" in first.output.replace("\n", "")
    # beside a .jsonl matrix, one trial's attrition a line
    third = runner.invoke(
        main, ["screen", str(stream), "--on", "2026-11-22", "--jobs", "1", "--out", str(tmp_path / "m.jsonl")]
    )
    assert third.exit_code == 0, third.output
    lines = (tmp_path / "m.attrition.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == document["attrition"]


def test_a_bad_record_writes_nothing_and_keeps_an_earlier_run(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "A", "sex": "female"}\n')
    out = tmp_path / "m.csv"
    assert CliRunner().invoke(main, ["screen", str(good), "--jobs", "1", "--out", str(out)]).exit_code == 0
    earlier = {p.name: p.read_text() for p in tmp_path.glob("m.*")}
    assert sorted(earlier) == ["m.attrition.csv", "m.csv"]
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A", "sex": "female"}\n{"id": "B", "birth_date": "1990-02-30"}\n')
    result = CliRunner().invoke(main, ["screen", str(stream), "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert f"{stream}:2:13: birth_date: error[P004]" in result.output
    assert {p.name: p.read_text() for p in tmp_path.glob("m.*")} == earlier  # the earlier run's, untouched
    assert not list(tmp_path.glob(".*partial*"))


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_an_earlier_run_s_files_keep_their_owner_and_group(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    command = ["screen", str(PATIENTS / "p01.yaml"), "--jobs", "1", "--out", str(out)]
    assert CliRunner().invoke(main, command).exit_code == 0
    written = [out, tmp_path / "m.attrition.csv"]
    for path in written:
        os.chown(path, 4321, 8765)
    assert CliRunner().invoke(main, command).exit_code == 0
    assert [(p.stat().st_uid, p.stat().st_gid) for p in written] == [(4321, 8765)] * 2


def test_an_out_file_with_another_name_is_refused_before_the_run(tmp_path: Path) -> None:
    """Replaced whole, a hard-linked matrix kept the earlier run's rows under its other name."""
    out = tmp_path / "m.jsonl"
    out.write_text("earlier\n")
    os.link(out, tmp_path / "kept.jsonl")
    result = CliRunner().invoke(main, ["screen", str(PATIENTS / "p01.yaml"), "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"{out}: error[S002]: cannot write the --out file: the file has 1 other name (hard link)"
    )
    assert out.read_text() == (tmp_path / "kept.jsonl").read_text() == "earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.jsonl", "m.jsonl"]


def test_a_malformed_line_is_named_by_file_and_line_and_the_rest_still_checked(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A", "sex": "female"}\n{"id": "B", "sex": \n{"id": "C", "sex": "mal"}\n')
    out = tmp_path / "m.jsonl"
    result = CliRunner().invoke(main, ["screen", str(stream), "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 1
    assert f"{stream}:2:20: error[P000]: not valid JSON" in result.output
    assert f"{stream}:3:13: sex: error[P005]" in result.output
    assert not out.exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_an_unreadable_file_is_reported_with_every_other_problem_and_never_hangs(jobs: str, tmp_path: Path) -> None:
    """A file that does not parse travels like a bad record: with workers too (it used to
    kill a worker and hang the run), and the files after it are still read and checked."""
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "a.yaml").write_text("id: A\nsex: female\n")
    (folder / "b.yaml").write_text("id: B\nmeasurements: [ {attribute: wbc, value: 3\n")
    (folder / "c.json").write_text('{"id": "C", "sex": "femal"}')
    (folder / "d.jsonl").write_text('\ufeff{"id": "D", "sex": "male"}\n')  # a byte-order mark is no error
    out = tmp_path / "m.csv"
    command = [sys.executable, "-m", "trialogic", "screen", str(folder), "--jobs", jobs, "--out", str(out)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stderr
    assert (
        f"{folder / 'b.yaml'}:3:1: error[P000]: not valid YAML: while parsing a flow mapping did not find expected ',' or '}}'"
        in result.stderr
    )
    assert f"{folder / 'c.json'}:1:13: sex: error[P005]" in result.stderr
    assert "d.jsonl" not in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


@pytest.mark.parametrize("out", ["p.yaml", "m.jsonl"])
def test_an_output_among_the_inputs_is_refused_and_the_cohort_kept(out: str, tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text("id: P1\n")
    result = CliRunner().invoke(main, ["screen", str(tmp_path), "--jobs", "1", "--out", str(tmp_path / out)])
    assert result.exit_code == 1
    assert "error[S001]" in result.output if out == "p.yaml" else "error[S003]" in result.output
    assert (tmp_path / "p.yaml").read_text() == "id: P1\n" and not (tmp_path / "m.jsonl").exists()
    single = CliRunner().invoke(main, ["screen", str(tmp_path / "p.yaml"), "--out", str(tmp_path / "p.jsonl")])
    assert single.exit_code == 0, single.output  # beside the file screened, not among the inputs: fine


def test_csv_cells_with_commas_and_quotes_are_quoted_and_ids_with_line_breaks_refused(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    ids = ["A, B", 'E,"F"', "G"]
    stream.write_text("".join(json.dumps({"id": i}) + "\n" for i in ids))
    out = tmp_path / "m.csv"
    result = CliRunner().invoke(main, ["screen", str(stream), "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as rows:
        patients = [row["patient"] for row in csv.DictReader(rows)]
    assert patients == [i for i in ids for _ in range(5)]
    # a line break in an id would print as two lines: refused, before a row is written
    out.unlink()
    stream.write_text("".join(json.dumps({"id": i}) + "\n" for i in ["A\rB", "C\nD", "G"]))
    result = CliRunner().invoke(main, ["screen", str(stream), "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert f"{stream}:1:2: id: error[P006]: the id 'A\\rB' holds U+000D (a control character)" in result.output
    assert f"{stream}:2:2: id: error[P006]: the id 'C\\nD' holds U+000A (a control character)" in result.output
    assert not out.exists()


def test_relaxing_a_criterion_changes_cohort_counts_as_the_oracle_says(tmp_path: Path) -> None:
    change = Change("--relax", "NCT01539902:newly_diagnosed=condition lupus_nephritis")
    rows, report = screened(tmp_path, jobs=1, changes=[change])
    assert report.gained["NCT01539902"], "the relaxation should gain patients"
    # the oracle on the same cohort, with the criterion rewritten in the source
    source = (rules_dir() / "trials" / "NCT01539902.tl").read_text()
    relaxed = source.replace(
        "    manual\n\n  exclude pregnant_nursing", "    condition lupus_nephritis\n\n  exclude pregnant_nursing"
    )
    assert relaxed != source
    modules = [parse_file(rules_dir() / "library.tl"), parse(relaxed, "relaxed.tl")]
    vocabulary = load_vocabulary()
    patients = [p for path in sorted(PATIENTS.iterdir()) for p in api.load_patients(path)]
    oracle_eligible = sorted(
        p.id for p in patients if evaluate(modules, p, TODAY, vocabulary)["NCT01539902"][0] == "eligible"
    )
    screen_eligible = sorted(r["patient"] for r in rows if r["trial"] == "NCT01539902" and r["status"] == "eligible")
    assert screen_eligible == oracle_eligible
    before = sorted(r["patient"] for r in rows if r["trial"] == "NCT01539902" and r["before"] == "eligible")
    assert sorted(set(screen_eligible) - set(before)) == sorted(report.gained["NCT01539902"])


def test_a_screen_under_a_what_if_says_so_and_what_it_changed() -> None:
    change = "NCT01539902:creatinine=serum_creatinine > 300 umol/L"
    result = CliRunner().invoke(main, ["screen", str(PATIENTS), "--jobs", "1", "--on", "2026-11-22", "--relax", change])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"what-if: --relax {change} (counts after the change" in text
    assert text.count("what-if: ") == 2  # the heading, and the changed trial's gained/lost (none here)


def test_a_screen_under_a_what_if_counts_every_status_it_moved(tmp_path: Path) -> None:
    """Dropping a criterion may turn exclusions into unknowns without making anyone eligible:
    the changed trial's line says how many moved so (before → after), as the matrix's
    `before` and `status` columns have them, not only "0 gained, 0 lost"."""
    out = tmp_path / "m.csv"
    args = ["screen", str(PATIENTS), "--jobs", "1", "--on", "2026-11-22", "--drop", "NCT01539902:creatinine"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as rows:
        moves = Counter(
            (row["before"], row["status"])
            for row in csv.DictReader(rows)
            if row["trial"] == "NCT01539902" and row["before"] != row["status"]
        )
    assert moves and not any("eligible" in move for move in moves)  # P05: ineligible → undetermined
    said = "".join(f"; {n} {before} → {after}" for (before, after), n in sorted(moves.items()))
    assert f"what-if: 0 gained, 0 lost{said}\n" in result.output


def test_an_output_that_cannot_be_put_in_place_is_s002_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    (tmp_path / "q.attrition.csv").mkdir()  # the attrition file's place is taken by a folder
    result = CliRunner().invoke(main, ["screen", str(PATIENTS / "p01.yaml"), "--jobs", "1", "--out", str(out)])
    assert result.exit_code == 1
    assert f"{out}: error[S002]: cannot write the --out file: Is a directory" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["q.attrition.csv"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_screen_reports_what_check_reports_about_a_cohort(jobs: str, tmp_path: Path) -> None:
    """An id used again after an invalid record (P012), and an assessment of a criterion
    the trial lacks (P013), as `check` reports them: every problem, nothing written."""
    cohort = tmp_path / "c.jsonl"
    assessed = '{"trial": "NCT05631717", "criterion": "infecton", "result": "met", "date": "2026-11-01"}'
    cohort.write_text(
        f'{{"id": "X", "sex": "femal"}}\n{{"id": "Y"}}\n{{"id": "X"}}\n{{"id": "Z", "assessments": [{assessed}]}}\n'
    )
    out = tmp_path / "m.csv"
    codes = {}
    for command in (["screen", str(cohort), "--jobs", jobs, "--out", str(out)], ["check", str(cohort)]):
        result = CliRunner().invoke(main, [*command, "--on", "2026-11-22"])
        assert result.exit_code == 1, result.output
        codes[command[0]] = sorted(
            line.split("error[")[1][:4] for line in result.output.splitlines() if "error[" in line
        )
    assert codes["screen"] == codes["check"] == ["P005", "P012", "P013"]
    assert not out.exists()


def test_the_csv_matrix_under_a_what_if_has_a_before_column_as_the_json(tmp_path: Path) -> None:
    change = "NCT01539902:creatinine=serum_creatinine > 300 umol/L"
    outputs = {}
    for suffix in (".csv", ".jsonl"):
        out = tmp_path / f"m{suffix}"
        args = ["screen", str(PATIENTS), "--jobs", "1", "--on", "2026-11-22", "--relax", change, "--out", str(out)]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        outputs[suffix] = out
    with outputs[".csv"].open(newline="", encoding="utf-8") as rows:
        table = [(r["patient"], r["trial"], r["status"], r["before"]) for r in csv.DictReader(rows)]
    lines = [json.loads(line) for line in outputs[".jsonl"].read_text(encoding="utf-8").splitlines()]
    assert table == [(r["patient"], r["trial"], r["status"], r["before"]) for r in lines]
    assert any(status != before for _, _, status, before in table), "the change should move some patient"


def test_two_runs_writing_the_same_out_file_do_not_write_into_each_other(tmp_path: Path) -> None:
    """Both wrote `.m.partial.csv`: the second emptied the first's rows and, on its error,
    deleted the file the first was to put in place (a mixed matrix, or S002 after a good run)."""
    out = tmp_path / "m.csv"
    attrition = {"NCT01539902": Attrition("NCT01539902", ["age"])}
    first = _Writer(str(out), TODAY, [])
    first.write(Row("A", "NCT01539902", "ineligible", ("age",), ()))
    second = _Writer(str(out), TODAY, [])  # another run, started meanwhile, which meets an error
    second.write(Row("B", "NCT01539902", "eligible", (), ()))
    second.discard()
    attrition["NCT01539902"].add(Row("A", "NCT01539902", "ineligible", ("age",), ()))
    first.close(attrition)
    assert out.read_text() == "patient,trial,status,blocking,unknown\nA,NCT01539902,ineligible,age,\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.attrition.csv", "m.csv"]
