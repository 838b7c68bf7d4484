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
