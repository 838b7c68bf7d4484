"""Checker edge cases: cycles of definitions and concept sets, set names that are
vocabulary codes, ages and windows beyond a lifetime, thresholds at the edge of the
possible values, exception statuses per kind, and where duplicate names are reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from trialogic import TrialogicError, api
from trialogic.errors import Diagnostic


def diagnostics(tmp_path: Path, source: str, name: str = "t.tl") -> list[tuple[str, int, int, str]]:
    """Every diagnostic the file gives, as (code, line, column, message); [] when it loads."""
    path = tmp_path / name
    path.write_text(source)
    try:
        api.load_trials([path])
    except TrialogicError as e:
        return [(d.code, d.line, d.column, d.message) for d in e.diagnostics]
    return []


def trial(criteria: str, head: str = "") -> str:
    return f'{head}trial NCT00000001 "t" {{\n{criteria}\n}}\n'


# ----- cycles: E115 ------------------------------------------------------------------


CYCLES = {
    "two definitions": (
        "define a = b or sex = female\ndefine b = a and age >= 18 years\n" + trial('  include k "x": a'),
        [("E115", 1, 12, "'a' is defined in terms of itself (a → b → a)")],
    ),
    "three definitions": (
        "define a = b\ndefine b = c\ndefine c = a\n" + trial('  include k "x": a'),
        [("E115", 1, 12, "'a' is defined in terms of itself (a → b → c → a)")],
    ),
    "trial definitions": (
        trial('  define a = b\n  define b = not a\n  include k "x": a'),
        [("E115", 2, 14, "'a' is defined in terms of itself (a → b → a)")],
    ),
    "a definition used by a cycle is not on it": (
        "define c = a\ndefine a = b\ndefine b = a\n" + trial('  include k "x": c'),
        [("E115", 2, 12, "'a' is defined in terms of itself (a → b → a)")],
    ),
    "two concept sets": (
        "concept ca = {cb}\nconcept cb = {ca}\n" + trial('  include k "x": drug ca'),
        [("E115", 1, 1, "'ca' is defined in terms of itself (ca → cb → ca)")],
    ),
    "a concept set holding itself": (
        "concept ca = {ca, rituximab}\n" + trial('  include k "x": drug ca'),
        [("E115", 1, 1, "'ca' is defined in terms of itself")],
    ),
}


@pytest.mark.parametrize("source, expected", CYCLES.values(), ids=CYCLES.keys())
def test_every_cycle_is_one_e115(tmp_path: Path, source: str, expected: list[tuple[str, int, int, str]]) -> None:
    assert diagnostics(tmp_path, source) == expected


# ----- a concept set named like a code: E118 ----------------------------------------


def test_a_concept_set_may_not_take_a_vocabulary_code_s_name(tmp_path: Path) -> None:
    source = "concept rituximab = {belimumab}\n" + trial('  include k "x": drug rituximab')
    ((code, line, column, message),) = diagnostics(tmp_path, source)
    assert (code, line, column) == ("E118", 1, 1)
    assert "'rituximab' is already a drug code" in message and "choose another name" in message


# ----- ages and windows beyond a lifetime: E110, E113 ------------------------------


TOO_LONG = {
    "age in years": ("age >= 99999999999 years", "E110", "an age is at most 150 years"),
    "age in days": ("age <= 2147483648 days", "E110", "an age is at most 54800 days (150 years)"),
    "age in singular months": ("age <= 1801 month", "E110", "an age is at most 1800 months (150 years)"),
    "age range": ("age between 18 and 7831 weeks", "E110", "an age is at most 7830 weeks (150 years)"),
    "event window": ("drug rituximab within 99999999999 days", "E113", "a window is at most 54800 days (150 years)"),
    "measurement window": ("serum_creatinine > 100 umol/L within 5000 years", "E113", "a window is at most 150 years"),
}


@pytest.mark.parametrize("expr, code, limit", TOO_LONG.values(), ids=TOO_LONG.keys())
def test_an_age_or_window_beyond_a_lifetime_is_refused(tmp_path: Path, expr: str, code: str, limit: str) -> None:
    ((got, line, _, message),) = diagnostics(tmp_path, trial(f'  include k "x": {expr}'))
    assert (got, line) == (code, 2)
    assert message.endswith(limit)


def test_the_longest_age_and_window_are_decided(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    criteria = [
        "age <= 150 years",
        "age <= 54800 days",
        "age between 1 and 7830 weeks",
        "drug rituximab within 54800 days",
        "condition malignancy within 150 years",
        "serum_creatinine > 100 umol/L within 1800 months",
    ]
    path.write_text(trial("\n".join(f'  include k{i} "x": {c}' for i, c in enumerate(criteria))))
    trials = api.load_trials([path])
    patient = api.read_patient({"id": "P1", "birth_date": "1950-01-01"}, "p.yaml")
    (result,) = api.check([patient], trials, on=dt.date(2026, 11, 22))
    assert [c.status for c in result.criteria][:3] == ["met", "met", "met"]


# ----- thresholds and the possible values: E116 -------------------------------------


def test_a_threshold_below_every_value_names_its_number_and_what_it_means(tmp_path: Path) -> None:
    ((code, _, _, message),) = diagnostics(tmp_path, trial('  include k "x": hemoglobin >= 0 g/L'))
    assert code == "E116"
    assert message.startswith("0 g/L lies outside the possible values of hemoglobin (10 to 250 g/L)")
    assert "every result has hemoglobin >= 0 g/L" in message and "no patient" not in message


def test_a_comparison_every_result_meets_is_not_called_impossible(tmp_path: Path) -> None:
    ((code, _, _, message),) = diagnostics(tmp_path, trial('  include k "x": serum_creatinine > 0 umol/L'))
    assert code == "E116"
    assert "every result has serum_creatinine > 0 umol/L" in message and "no patient" not in message


def test_a_range_reaching_past_one_end_is_accepted(tmp_path: Path) -> None:
    assert diagnostics(tmp_path, trial('  include k "x": hemoglobin between 5 and 100 g/L')) == []


RANGES = {
    "holds nothing": ("hemoglobin between 300 and 400 g/L", "300 to 400 g/L lies outside", "no patient can have it"),
    "holds everything": ("hemoglobin between 5 and 300 g/L", "5 to 300 g/L holds all", "narrow the range"),
}


@pytest.mark.parametrize("expr, start, end", RANGES.values(), ids=RANGES.keys())
def test_a_range_that_decides_nothing_is_refused(tmp_path: Path, expr: str, start: str, end: str) -> None:
    ((code, _, _, message),) = diagnostics(tmp_path, trial(f'  include k "x": {expr}'))
    assert code == "E116" and message.startswith(start) and message.endswith(end)


def test_a_pair_in_a_wrong_unit_is_reported_once(tmp_path: Path) -> None:
    got = diagnostics(tmp_path, trial('  include k "x": blood_pressure > 160/100 umol/L'))
    assert [code for code, *_ in got] == ["E102"]


def test_age_in_a_set_of_values_says_how_an_age_is_written(tmp_path: Path) -> None:
    ((code, _, _, message),) = diagnostics(tmp_path, trial('  include k "x": age in {18, 19}'))
    assert code == "E110"
    assert "age is a age" not in message and "e.g. age >= 18 years" in message


# ----- exception statuses per kind: E111 --------------------------------------------


STATUSES = {
    "condition ongoing": (
        "condition malignancy except basal_cell_carcinoma[ongoing]",
        "a condition is active or resolved",
    ),
    "drug resolved": ("drug rituximab except rituximab[resolved]", "a drug is ongoing or stopped"),
    "planned active": ("planned drug rituximab except rituximab[active]", "a planned drug has no status"),
    "procedure stopped": ("procedure major_surgery except major_surgery[stopped]", "a procedure has no status"),
}


@pytest.mark.parametrize("expr, says", STATUSES.values(), ids=STATUSES.keys())
def test_an_exception_status_fits_the_kind(tmp_path: Path, expr: str, says: str) -> None:
    ((code, _, _, message),) = diagnostics(tmp_path, trial(f'  exclude k "x": {expr}'))
    assert code == "E111" and message.startswith(says)


def test_the_statuses_a_kind_has_are_accepted(tmp_path: Path) -> None:
    criteria = [
        "condition malignancy except basal_cell_carcinoma[resolved]",
        "condition malignancy except basal_cell_carcinoma[active]",
        "drug immunosuppressant except tacrolimus[ongoing]",
        "drug immunosuppressant except tacrolimus[stopped]",
        "planned drug rituximab except rituximab",
    ]
    source = trial("\n".join(f'  exclude k{i} "x": {c}' for i, c in enumerate(criteria)))
    assert diagnostics(tmp_path, source) == []


# ----- duplicates: E112 at the user's own line ---------------------------------------


SHARED = "; the names a file defines outside a trial are shared by every file loaded with it"
MOVE_INSIDE = "rename one, or define it inside the trial that uses it"


def test_a_name_the_library_defines_is_reported_at_the_user_s_definition(tmp_path: Path) -> None:
    library = tmp_path / "library.tl"
    library.write_text("concept cs = {rituximab}\n\ndefine wocbp = sex = female\n")
    source = "use library\nconcept cs = {belimumab}\ndefine wocbp = sex = female\n" + trial('  include k "x": wocbp')
    assert diagnostics(tmp_path, source) == [
        ("E112", 2, 1, f"concept 'cs' is defined twice (also in {library}:1){SHARED}: rename one"),
        ("E112", 3, 1, f"'wocbp' is defined twice (also in {library}:3){SHARED}: {MOVE_INSIDE}"),
    ]


def test_a_file_sees_only_its_own_names_and_its_libraries(tmp_path: Path) -> None:
    """Loaded beside a file that uses the library, a file that does not still cannot use
    the library's names: whether a file loads never depends on the files loaded with it."""
    alone = tmp_path / "NCT00000015.tl"
    alone.write_text('trial NCT00000015 "no use line" {\n  include k "x": wocbp and drug b_cell_depletion\n}\n')
    user = tmp_path / "NCT00000016.tl"
    user.write_text('use library\ntrial NCT00000016 "uses it" {\n  include k "x": wocbp\n}\n')
    with pytest.raises(TrialogicError) as raised:
        api.load_trials([alone, user])
    codes = [(Path(d.file).name, d.line, d.code) for d in raised.value.diagnostics]
    assert codes == [("NCT00000015.tl", 2, "E107"), ("NCT00000015.tl", 2, "E106")]
    assert api.load_trials([user]).trials  # the one that uses the library loads


def test_a_name_defined_in_two_files_is_one_error_not_also_undefined(tmp_path: Path) -> None:
    def write(inside: bool) -> list[Path]:
        define = "define adult = age >= 18 years\n"
        for number, name in enumerate(("one", "two"), start=1):
            (tmp_path / f"{name}.tl").write_text(
                ("" if inside else define)
                + f'trial NCT0000001{number} "{name}" {{\n'
                + (f"  {define}" if inside else "")
                + '  include k "x": adult\n}\n'
            )
        return [tmp_path / "one.tl", tmp_path / "two.tl"]

    with pytest.raises(TrialogicError) as raised:
        api.load_trials(write(inside=False))
    assert [(Path(d.file).name, d.code) for d in raised.value.diagnostics] == [("two.tl", "E112")]
    assert raised.value.diagnostics[0].message.endswith(MOVE_INSIDE)
    assert sorted(api.load_trials(write(inside=True)).trials) == ["NCT00000011", "NCT00000012"]  # the remedy works


def the_one_problem(path: Path) -> Diagnostic:
    """The one diagnostic loading the file gives."""
    with pytest.raises(TrialogicError) as raised:
        api.load_trials([path])
    (problem,) = raised.value.diagnostics
    return problem


def test_definitions_nested_too_deep_are_e006_not_a_recursion_error(tmp_path: Path) -> None:
    chain = ["define d0 = sex = female"] + [f"define d{i} = d{i - 1} and sex = female" for i in range(1, 400)]
    path = tmp_path / "chain.tl"
    path.write_text("\n".join(chain) + '\ntrial NCT00000001 "x" {\n  include k "x": d399\n}\n')
    problem = the_one_problem(path)
    assert (problem.code, problem.line) == ("E006", 101)
    assert "'d100' uses definitions 101 deep (at most 100)" in problem.message
    fits = tmp_path / "fits.tl"  # 100 deep, each used twice: loads (it once took time exponential in the depth)
    doubled = ["define d0 = sex = female"] + [f"define d{i} = d{i - 1} and d{i - 1}" for i in range(1, 100)]
    fits.write_text("\n".join(doubled) + '\ntrial NCT00000001 "x" {\n  include k "x": d99\n}\n')
    (result,) = api.check([api.read_patient({"id": "A", "sex": "female"})], api.load_trials([fits]))
    assert result.status == "eligible"


def test_a_trials_own_definitions_nested_too_deep_are_e006_counting_the_files_they_use(tmp_path: Path) -> None:
    """Inside a trial as in a file (a trial's chain of 1,500 was a RecursionError), and a
    trial's chain continues into the file's definitions it names."""
    local = [f"  define t{i} = t{i - 1} and sex = female" for i in range(1, 1500)]
    path = tmp_path / "chain.tl"
    path.write_text(
        "define f0 = sex = female\n"
        + "".join(f"define f{i} = f{i - 1}\n" for i in range(1, 60))  # 60 deep in the file
        + 'trial NCT00000001 "x" {\n  define t0 = f59\n'
        + "\n".join(local)
        + '\n  include k "x": t1499\n}\n'
    )
    problem = the_one_problem(path)
    assert problem.code == "E006"
    assert "'t40' uses definitions 101 deep (at most 100)" in problem.message  # 60 in the file + t0..t40
    assert problem.line == 60 + 2 + 40


def test_concept_sets_nested_too_deep_are_e006_not_a_recursion_error(tmp_path: Path) -> None:
    sets = ["concept c0 = {rituximab}"] + [f"concept c{i} = {{c{i - 1}}}" for i in range(1, 1500)]
    path = tmp_path / "sets.tl"
    path.write_text("\n".join(sets) + '\ntrial NCT00000001 "x" {\n  include k "x": drug c1499\n}\n')
    problem = the_one_problem(path)  # once, not again where the set is used
    assert (problem.code, problem.line) == ("E006", 101)
    assert "'c100' holds concept sets 101 deep (at most 100)" in problem.message
    fits = tmp_path / "fits.tl"
    fits.write_text("\n".join(sets[:100]) + '\ntrial NCT00000001 "x" {\n  include k "x": drug c99\n}\n')
    record = {"id": "A", "drugs": [{"code": "rituximab", "start": "2026-01-01"}]}
    (result,) = api.check([api.read_patient(record)], api.load_trials([fits]), on=dt.date(2026, 6, 1))
    assert result.status == "eligible"


def test_a_file_definition_cannot_reach_a_trials_own_so_no_cycle_through_it(tmp_path: Path) -> None:
    path = tmp_path / "scopes.tl"
    path.write_text(
        "define p = sex = female and tr_local\n"
        'trial NCT00000001 "x" {\n  define tr_local = p\n  include k "x": tr_local\n}\n'
    )
    with pytest.raises(TrialogicError) as raised:
        api.load_trials([path])
    assert [(d.line, d.code) for d in raised.value.diagnostics] == [(1, "E107")]


def test_a_newer_creatinine_supersedes_a_measured_clearance(tmp_path: Path) -> None:
    """An old measured clearance (100 mL/min) must not hide a recent creatinine that gives
    about 29.99 mL/min: the clearance is computed from the newer creatinine, and `why` says
    from what; with no weight to compute it, it is unknown and `why` names the weight."""
    path = tmp_path / "crcl.tl"
    path.write_text('trial NCT00000099 "crcl" {\n  exclude low "CrCl < 30": creatinine_clearance < 30 mL/min\n}\n')
    trials = api.load_trials([path])
    on = dt.date(2026, 11, 22)
    measurements = [
        {"attribute": "creatinine_clearance", "value": 100, "unit": "mL/min", "date": "2025-03-01"},
        {"attribute": "serum_creatinine", "value": 246, "unit": "umol/L", "date": "2026-11-20"},
        {"attribute": "weight", "value": 60, "unit": "kg", "date": "2026-11-20"},
    ]
    man = {"id": "C1", "sex": "male", "birth_date": "1986-05-31"}  # 40: (100 x 60 x 1.23) / 246 = 30 -> 29.99 below
    record = {**man, "measurements": measurements}
    record["measurements"][1]["value"] = 246.1
    (result,) = api.check([api.read_patient(record)], trials, on=on)
    assert [c.status for c in result.criteria] == ["met"]
    (explained,) = api.why(api.read_patient(record), trials, on=on)
    assert any("computed" in f.text for f in explained.criteria[0].part.all_evidence())
    no_weight = {**man, "measurements": measurements[:2]}
    (unknown,) = api.check([api.read_patient(no_weight)], trials, on=on)
    assert [c.status for c in unknown.criteria] == ["unknown"]
    (why_unknown,) = api.why(api.read_patient(no_weight), trials, on=on)
    assert any("weight" in f.text for f in why_unknown.criteria[0].part.all_missing())
    older = {**man, "measurements": [measurements[1], measurements[2], {**measurements[0], "date": "2026-11-21"}]}
    (measured,) = api.check([api.read_patient(older)], trials, on=on)
    assert [c.status for c in measured.criteria] == ["not_met"]  # the clearance measured after it stands


def test_an_event_named_without_its_kind_is_told_its_kind(tmp_path: Path) -> None:
    """`malar_rash` alone reads as a define's name; the vocabulary knows it as a condition."""
    source = trial('  include acr "x": at least 1 of [malar_rash, tacrolimus, nephritis_flare]')
    assert diagnostics(tmp_path, source) == [
        (
            "E107",
            2,
            35,
            "'malar_rash' is not defined (no `define malar_rash = ...` in this trial or the library); "
            "malar_rash is a condition in the vocabulary: write `condition malar_rash`",
        ),
        (
            "E107",
            2,
            47,
            "'tacrolimus' is not defined (no `define tacrolimus = ...` in this trial or the library); "
            "tacrolimus is a drug in the vocabulary: write `drug tacrolimus`",
        ),
        (
            "E107",
            2,
            59,
            "'nephritis_flare' is not defined (no `define nephritis_flare = ...` in this trial or the library)",
        ),
    ]
    fixed = source.replace("[malar_rash, tacrolimus,", "[condition malar_rash, drug tacrolimus,")
    assert [d[3] for d in diagnostics(tmp_path, fixed)] == [
        "'nephritis_flare' is not defined (no `define nephritis_flare = ...` in this trial or the library)"
    ]
