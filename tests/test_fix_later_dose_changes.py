"""`fix` and a drug still taken whose record holds a dose change after the reference date
(`--on` in the past; the record was written later): the drug was taken until that change,
so a plan stops it on the day of its last change at the earliest, and the washout runs
from that day. NCT03580291 excludes a potent immunosuppressant within 12 weeks: the window
[R - 84 days, R] no longer reaches a stop day D from D + 85 days on."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from test_fix import ends
from trialogic import api
from trialogic.cli import main
from trialogic.resources import rules_dir
from trialogic.whatif import Change, whatif

TODAY = dt.date(2026, 11, 22)
TRIAL = "NCT03580291"
TRIALS = api.load_trials([rules_dir() / "trials" / f"{TRIAL}.tl"])
WASHOUT = "immunosuppressants"
CLEAR = dt.timedelta(days=12 * 7 + 1)  # from a last day taken to the first day the window misses it
POTENT = ["tacrolimus", "cyclosporine", "mycophenolate_mofetil", "leflunomide"]

# Four ACR findings (the trial's acr_sle); nothing else known but the drugs, which are all listed.
BASE: dict[str, Any] = {
    "id": "L1", "birth_date": "1990-05-01", "sex": "female",
    "conditions": [
        {"code": code, "start": "2020-01-01"}
        for code in ["sle_renal_disorder", "sle_neurologic_disorder", "sle_hematologic_disorder", "sle_immunologic_disorder"]
    ],
    "complete": ["drugs"],
}  # fmt: skip


def washout_status(record: dict[str, Any], stops: list[tuple[str, str]], today: dt.date, on: dt.date) -> str:
    """The washout criterion's status on `on` once `whatif --stop` stopped each drug on its day
    (refused, it raises: the record would say the drug was still taken after its stop)."""
    changes = [Change("--stop", f"{code}@{day}") for code, day in stops]
    (flip,) = whatif(record, changes, TRIALS, today, later=on).flips
    (criterion,) = [c for c in flip.after.criteria if c.id == WASHOUT]
    return criterion.status


def test_a_drug_changed_after_the_reference_date_is_stopped_on_that_day_and_waited_out_from_it(
    tmp_path: Path,
) -> None:
    change = dt.date(2026, 12, 10)
    record = {
        **BASE,
        "drugs": [{"code": "tacrolimus", "start": "2026-01-01", "dose_changes": ["2026-10-01", change.isoformat()]}],
    }
    (repair,) = api.fix(api.read_patient(record), TRIALS, on=TODAY)
    assert repair.blocked_by == ()
    assert repair.eligible_on == change + CLEAR == dt.date(2027, 3, 5)
    assert repair.alternatives
    for alternative in repair.alternatives:
        stops = [(a.data["drug"], a.data["from"]) for a in alternative.actions if a.kind == "stop"]
        assert stops == [("tacrolimus", change.isoformat())]
    # to the day: stopped on the change, the window still reaches it on the day before
    stops = [("tacrolimus", change.isoformat())]
    assert washout_status(record, stops, TODAY, change + CLEAR - dt.timedelta(days=1)) == "met"
    assert washout_status(record, stops, TODAY, change + CLEAR) == "not_met"
    patient = tmp_path / "l1.yaml"
    patient.write_text(yaml.safe_dump(record))
    shown = CliRunner().invoke(main, ["fix", str(patient), TRIAL, "--on", TODAY.isoformat()])
    assert shown.exit_code == 0, shown.output
    assert "blocked for good" not in shown.output
    assert "eligible from 2027-03-05" in shown.output
    assert "stop tacrolimus on 2026-12-10 (drugs[0])" in shown.output


@st.composite
def later_changes(draw: st.DrawFn) -> tuple[dt.date, dict[str, Any], dt.date]:
    """A reference date, a record of potent immunosuppressants (still taken, or stopped on a
    day it lacks), the first with a dose change after that date, and the first day the
    washout can be over: for each drug, 85 days after the last day it was surely taken —
    its last dose change, its start, and for one still taken, the reference date at least."""
    today = draw(st.dates(dt.date(2024, 1, 1), dt.date(2028, 12, 31)))
    codes = draw(st.lists(st.sampled_from(POTENT), min_size=1, max_size=2, unique=True))
    drugs, earliest = [], today
    for index, code in enumerate(codes):
        start = today - dt.timedelta(days=draw(st.integers(0, 400)))
        offsets = draw(st.lists(st.integers(-200, 200), max_size=3))
        if index == 0:
            offsets.append(draw(st.integers(1, 200)))
        changes = sorted(d for d in {today + dt.timedelta(days=o) for o in offsets} if d >= start)
        entry: dict[str, Any] = {"code": code, "start": start.isoformat()}
        if changes:
            entry["dose_changes"] = [d.isoformat() for d in changes]
        still = draw(st.booleans())
        if not still:
            entry["status"] = "stopped"
        taken = max([start, *changes, *([today] if still else [])])
        earliest = max(earliest, taken + CLEAR)
        drugs.append(entry)
    return today, {**BASE, "drugs": drugs}, earliest


# Tacrolimus changed the day after today keeps the plan waiting past today: cyclosporine,
# stopped on a day the record lacks, was then 'blocked for good' (no bound after today).
TWO_STOPPED = {
    **BASE,
    "drugs": [
        {"code": "tacrolimus", "start": "2024-01-01", "dose_changes": ["2024-01-02"], "status": "stopped"},
        {"code": "cyclosporine", "start": "2023-12-31", "status": "stopped"},
    ],
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(later_changes())
@example((dt.date(2024, 1, 1), TWO_STOPPED, dt.date(2024, 1, 2) + CLEAR))
def test_every_plan_for_a_drug_changed_after_the_reference_date_works_from_the_first_day_it_can(
    drawn: tuple[dt.date, dict[str, Any], dt.date],
) -> None:
    today, record, earliest = drawn
    (repair,) = api.fix(api.read_patient(record), TRIALS, on=today)
    assert repair.blocked_by == ()
    assert repair.eligible_on == earliest
    for alternative in repair.alternatives:
        stops = [(a.data["drug"], a.data["from"]) for a in alternative.actions if a.kind == "stop"]
        # whatif takes each stop (the record allows it), and the washout is over on the plan's day
        assert washout_status(record, stops, today, alternative.eligible_on) != "met"
        for changed, on in ends(record, alternative, TRIAL, today):
            (result,) = api.check([api.read_patient(changed)], TRIALS, on=on)
            assert result.status == "eligible", (alternative, changed)
