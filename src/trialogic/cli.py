"""The `trialogic` command: a thin wrapper over `trialogic.api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import click
from rich.console import Console

from . import api
from .dates import reference_date
from .errors import Diagnostic, TrialogicError
from .examples import run_tests
from .fmt import format_source
from .importer import import_study_file
from .lint import lint
from .output import rewrite, write_whole
from .patient import Patient
from .positions import locate
from .progress import progress_bar
from .records import one_record, read_patients
from .render import (
    explanations_json,
    flips_json,
    plain,
    print_explanations,
    print_flips,
    print_repairs,
    print_results,
    print_scenarios,
    print_screen,
    repairs_json,
    results_json,
    scenarios_json,
)
from .scenario_file import read_scenarios
from .scenarios import run_scenarios
from .screen import run_screen
from .vocabulary import load_vocabulary
from .whatif import OPTIONS, USAGE, Change, change_trials, later_problem, not_yet, set_aside, whatif


class DateType(click.ParamType):  # type: ignore[type-arg]
    name = "DATE"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        try:
            return reference_date(value, "YYYY-MM-DD, e.g. 2026-11-22")
        except ValueError as e:
            self.fail(str(e), param, ctx)


trials_option = click.option(
    "--trials",
    "trial_paths",
    multiple=True,
    type=click.Path(exists=True),
    help="Trial files or folders (default: the bundled seed trials).",
)
MAX_JOBS = 256  # worker processes screen may start: each holds its own clingo and trials
on_option = click.option("--on", "reference", type=DateType(), help="Reference date (default: today).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print one JSON document (schema in README.md).")
# patient files, folders of them, or `-`: standard input (JSON lines, or one YAML or JSON document)
patient_path = click.Path(exists=True, allow_dash=True)


def stdin_once(ctx: click.Context, param: click.Parameter, paths: tuple[str, ...]) -> tuple[str, ...]:
    """PATIENTS may name `-` once: standard input can be read once."""
    if paths.count("-") > 1:
        raise click.BadParameter("`-` (standard input) is given twice; it can be read once", ctx, param)
    return paths


def named_file(ctx: click.Context, param: click.Parameter, path: str | None) -> str | None:
    """--out names a file: an empty name is a mistake of the command line (it wrote nothing)."""
    if path == "":
        raise click.BadParameter("is empty; give the name of the file to write", ctx, param)
    return path


def trials_given(trial_paths: tuple[str, ...]) -> api.TrialSet:
    """The trials given with --trials (default: the bundled seed trials); none is an error."""
    trials = api.load_trials(list(trial_paths) or None)
    if not trials.trials:
        where = ", ".join(trial_paths)
        message = 'no trial in the files given; a trial file holds `trial NCT00000000 "title" { ... }`'
        raise TrialogicError([Diagnostic(where, 0, 0, "E000", message)])
    return trials


def trials_and_patients(trial_paths: tuple[str, ...], patients: Sequence[str]) -> tuple[api.TrialSet, list[Patient]]:
    """The trials given and the patients read against them, the errors of both raised together
    (broken trial files do not hide a record's errors). Without trials, records are read with
    the bundled vocabulary and assessments are not matched to criteria (P013)."""
    problems: list[Diagnostic] = []
    trials = None
    try:
        trials = trials_given(trial_paths)
    except TrialogicError as e:
        problems += e.diagnostics
    try:
        read = read_patients(patients, trials.vocabulary if trials else load_vocabulary(), trials)
    except TrialogicError as e:
        problems += e.diagnostics
    if problems or trials is None:
        raise TrialogicError(problems)
    return trials, read


def console() -> Console:
    """Where the reports for people are printed. The text they hold is escaped (render.safe);
    rich's `:name:` emoji codes are off, so that `:smile:` in an id prints as written."""
    return Console(emoji=False)


def echo(text: str, **options: Any) -> None:
    """click.echo, with control characters but line breaks and tabs shown as signs (render.plain)."""
    click.echo(plain(text, keep="\t\n"), **options)


NOTES_SHOWN = 20  # screen prints at most this many notes, and how many there were


def print_notes(notes: Sequence[Diagnostic], most: int | None = None) -> None:
    """What the records' sources held that the records do not say (docs/fhir.md), on the
    error stream after the answer; the exit code stays the answer's."""
    shown = notes if most is None else notes[:most]
    for note in shown:
        echo(note.render(), err=True)
    if len(shown) < len(notes):
        echo(f"... and {len(notes) - len(shown)} more notes ({len(notes)} in all); "
             "`trialogic check` on one record prints all of its notes", err=True)  # fmt: skip


class Reported(click.ClickException):
    """Diagnostics, printed as they are (each already says `file:line:col: error[CODE]`),
    but for control characters, shown as signs."""

    def show(self, file: IO[Any] | None = None) -> None:
        echo(self.format_message(), file=file, err=True)


@contextmanager
def reported() -> Iterator[None]:
    """Our errors become click errors: the diagnostics, and exit code 1."""
    try:
        yield
    except TrialogicError as e:
        raise Reported(TrialogicError(locate(e.diagnostics)).render()) from None


@click.group()
@click.version_option(package_name="trialogic")
def main() -> None:
    """Decide, explain and repair clinical-trial eligibility."""


@main.command("check")
@click.argument("patients", nargs=-1, required=True, type=patient_path, callback=stdin_once)
@trials_option
@on_option
@json_option
def check_command(
    patients: tuple[str, ...], trial_paths: tuple[str, ...], reference: dt.date | None, as_json: bool
) -> None:
    """Which trials does each patient qualify for? PATIENTS are files, folders, or - for standard input."""
    reference = reference or dt.date.today()
    with reported():
        trials, read = trials_and_patients(trial_paths, patients)
        results = api.check(read, trials, on=reference)
    if as_json:
        click.echo(results_json(results, reference))
    else:
        print_results(results, reference, console())
    print_notes([note for p in read for note in p.notes])


@main.command("compile")
@click.argument("trial_ids", nargs=-1)
@trials_option
def compile_command(trial_ids: tuple[str, ...], trial_paths: tuple[str, ...]) -> None:
    """Print the ASP facts a trial compiles to (all trials when none is named)."""
    with reported():
        trials = trials_given(trial_paths)
        chosen = api.chosen_trials(trials, trial_ids)  # each once; E000 as why and fix
    click.echo(trials.program(chosen if trial_ids else None), nl=False)


@main.command("why")
@click.argument("patient", type=patient_path)
@click.argument("trial_ids", nargs=-1)
@trials_option
@on_option
@click.option("--all", "show_all", is_flag=True, help="Every criterion, met ones with their evidence too.")
@json_option
def why_command(
    patient: str,
    trial_ids: tuple[str, ...],
    trial_paths: tuple[str, ...],
    reference: dt.date | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """Why is a patient (not) eligible? Criterion by criterion, with the evidence. PATIENT is a file, a
    folder, or - for standard input."""
    reference = reference or dt.date.today()
    with reported():
        trials, patients = trials_and_patients(trial_paths, [patient])
        explanations = [e for p in patients for e in api.why(p, trials, on=reference, trial_ids=list(trial_ids))]
    if as_json:
        click.echo(explanations_json(explanations, reference))
    else:
        print_explanations(explanations, reference, show_all, console())
    print_notes([note for p in patients for note in p.notes])


@main.command("fix")
@click.argument("patient", type=patient_path)
@click.argument("trial_ids", nargs=-1)
@trials_option
@on_option
@click.option(
    "--max",
    "max_alternatives",
    type=click.IntRange(min=0),
    default=10,
    show_default=True,
    help="At most this many alternatives per trial (0: all of them).",
)
@json_option
def fix_command(
    patient: str,
    trial_ids: tuple[str, ...],
    trial_paths: tuple[str, ...],
    reference: dt.date | None,
    max_alternatives: int,
    as_json: bool,
) -> None:
    """The smallest changes that would make a patient eligible, and from when. PATIENT is a file, a
    folder, or - for standard input."""
    reference = reference or dt.date.today()
    with reported():
        trials, read = trials_and_patients(trial_paths, [patient])
        repairs = []
        with progress_bar("fixing", total=len(read)) as done:
            for number, p in enumerate(read, 1):
                repairs += api.fix(
                    p, trials, on=reference, trial_ids=list(trial_ids), max_alternatives=max_alternatives
                )
                done(number)
    if as_json:
        click.echo(repairs_json(repairs, reference))
    else:
        print_repairs(repairs, reference, trials.trials, console())
    print_notes([note for p in read for note in p.notes])


@main.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--check", "check_only", is_flag=True, help="Change nothing; exit 1 if a file would change.")
def fmt_command(paths: tuple[str, ...], check_only: bool) -> None:
    """Rewrite criteria files in the canonical layout (comments kept)."""
    problems: list[Diagnostic] = []
    files = api.criteria_files(paths)
    if not files:
        problems.append(api.no_criteria_files(paths))
    changed = []
    for path in files:
        text = api.criteria_text(path, problems)
        if text is None:
            continue
        try:
            formatted = format_source(text, str(path))
        except TrialogicError as e:
            problems.extend(e.diagnostics)
            continue
        if formatted == text:
            continue
        try:
            if not check_only:
                rewrite(path, formatted)
            changed.append(path)
        except TrialogicError as e:
            problems.extend(e.diagnostics)
    if problems:
        raise Reported(TrialogicError(locate(problems)).render())
    verb = "would reformat" if check_only else "reformatted"
    for path in changed:
        echo(f"{verb} {path}")
    already = f"{len(files)} file{'s' * (len(files) != 1)} already formatted"
    click.echo(f"{len(changed)} of {len(files)} files {verb}" if changed else already)
    if check_only and changed:
        raise SystemExit(1)


@main.command("import")
@click.argument("study", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--out", type=click.Path(dir_okay=False), callback=named_file, help="Write the trial file here (default: print it)."
)
def import_command(study: str, out: str | None) -> None:
    """Turn a ClinicalTrials.gov API v2 study JSON into a skeleton trial file."""
    with reported():
        text = import_study_file(Path(study))
    if out:
        with reported():
            write_whole(Path(out), text)
        echo(f"wrote {out}")
    else:
        click.echo(text, nl=False)


@main.command("lint")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def lint_command(paths: tuple[str, ...]) -> None:
    """Every problem in criteria files: names, units, values, and contradictions the solver proves."""
    diagnostics = lint(list(paths))
    for diagnostic in diagnostics:
        echo(diagnostic.render())
    errors = sum(d.severity == "error" for d in diagnostics)
    warnings = len(diagnostics) - errors
    click.echo(f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}")
    if errors:
        raise SystemExit(1)


@main.command("test")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
def test_command(paths: tuple[str, ...]) -> None:
    """Run the example patients declared beside trials (X.examples.yaml next to X.tl)."""
    with reported():
        outcomes = run_tests([Path(p) for p in paths])
    for outcome in outcomes:
        mark = click.style("PASSED", fg="green") if outcome.passed else click.style("FAILED", fg="red")
        click.echo(f"{plain(outcome.file)}::{plain(outcome.trial)}::{plain(outcome.name)} {mark}")
        for difference in outcome.differences:
            echo(f"    {difference}")
    failed = sum(not o.passed for o in outcomes)
    if not outcomes:
        click.echo("no examples found (write X.examples.yaml beside X.tl)")
    click.echo(f"{len(outcomes) - failed} passed, {failed} failed")
    if failed:
        raise SystemExit(1)


WHATIF_OPTIONS = OPTIONS


def _parameter(option: str) -> str:
    """The keyword click passes an option's values under (`--set` is `set_`)."""
    name = option.lstrip("-").replace("-", "_")
    return "set_" if name == "set" else name


class ChangesInOrder(click.Command):
    """A command that remembers the order its change options were given in (click hands
    each option's values over on their own), as `ctx.meta["change_order"]`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with_value = {
            name
            for p in self.params
            if isinstance(p, click.Option) and not p.is_flag and not p.count
            for name in p.opts
        }
        order: list[str] = []
        tokens = iter(args)
        for token in tokens:
            if token == "--":
                break
            name, has_value, _ = token.partition("=") if token.startswith("--") else (token, "", "")
            if name in OPTIONS:
                order.append(name)
            if name in with_value and not has_value:
                next(tokens, None)  # the option's value, whatever it looks like
        ctx.meta["change_order"] = order
        return super().parse_args(ctx, args)


def changes_in_order(options: dict[str, tuple[str, ...]]) -> list[Change]:
    """The change options' values in the order given on the command line."""
    given = {option: list(options[_parameter(option)]) for option in WHATIF_OPTIONS}
    order = click.get_current_context().meta.get("change_order", [])
    changes = [Change(option, given[option].pop(0)) for option in order if given[option]]
    return changes + [Change(option, text) for option in WHATIF_OPTIONS for text in given[option]]


@main.command("whatif", cls=ChangesInOrder)
@click.argument("patient", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--set", "set_", multiple=True, metavar=USAGE["--set"], help="A new result.")
@click.option("--unset", multiple=True, metavar=USAGE["--unset"], help="Remove every result of ATTR.")
@click.option("--add-condition", multiple=True, metavar=USAGE["--add-condition"], help="A new active condition.")
@click.option("--remove-condition", multiple=True, metavar=USAGE["--remove-condition"], help="Remove a condition.")
@click.option("--start", multiple=True, metavar=USAGE["--start"], help="Start a drug.")
@click.option("--stop", multiple=True, metavar=USAGE["--stop"], help="Stop a drug still taken.")
@click.option("--assess", multiple=True, metavar=USAGE["--assess"], help="Settle a manual criterion.")
@click.option("--drop", multiple=True, metavar=USAGE["--drop"], help="Remove a criterion.")
@click.option("--relax", multiple=True, metavar=USAGE["--relax"], help="Replace a criterion's expression.")
@on_option
@click.option("--later", type=DateType(), help="Check the changed patient on this date instead.")
@click.option(
    "--scenarios",
    "scenarios_file",
    type=click.Path(exists=True, dir_okay=False),
    help="A YAML file of named scenarios, each a list of changes (format in README.md); replaces the change options.",
)
@trials_option
@json_option
def whatif_command(
    patient: str,
    reference: dt.date | None,
    later: dt.date | None,
    scenarios_file: str | None,
    trial_paths: tuple[str, ...],
    as_json: bool,
    **options: tuple[str, ...],
) -> None:
    """What if a value, a drug, a condition, the date or a criterion changed? Changes apply
    in the order given; with --scenarios, many what-ifs from a file."""
    reference = reference or dt.date.today()
    if scenarios_file is not None:
        given = [option for option in WHATIF_OPTIONS if options[_parameter(option)]] + (["--later"] if later else [])
        if given:
            raise click.UsageError(f"{', '.join(given)} cannot go with --scenarios: write the changes in the file")
        with reported():
            trials = trials_given(trial_paths)
            record, source, notes = one_record(patient)
            scenarios, problems = read_scenarios(scenarios_file)
            outcomes = run_scenarios(record, scenarios, trials, reference, source, problems)
        if as_json:
            click.echo(scenarios_json(outcomes, reference))
        else:
            print_scenarios(outcomes, reference, console())
        print_notes(notes)
        return
    late = later_problem(reference, later)
    if late:
        raise click.BadParameter(late, param_hint="--later")
    changes = changes_in_order(options)
    with reported():
        trials = trials_given(trial_paths)
        record, source, notes = one_record(patient)
        answer = whatif(record, changes, trials, reference, later, source)
        flips = answer.flips
        changed = [f.trial for f in flips if f.changed]
        explained = api.why(answer.patient, answer.trials, on=later or reference, trial_ids=changed) if changed else []
    explanations = {e.trial: e for e in explained}
    if as_json:
        click.echo(flips_json(flips, explanations, reference, later or reference))
    else:
        print_flips(flips, explanations, console(), (reference, later or reference))
        for change in not_yet(changes, later or reference):
            echo(f"note: {change.option} {change.text} is dated after {later or reference}, the day checked: "
                       "it does not count yet (check a later day with --later)")  # fmt: skip
        for change, latest in set_aside(changes, answer.patient, answer.trials, reference, later or reference):
            echo(f"note: {change.option} {change.text} is not the latest {latest.attribute} by {later or reference} "
                 f"(the record holds one of {latest.date}, {latest.recorded}), and criteria read the latest")  # fmt: skip
    print_notes(notes)


@main.command("screen")
@click.argument("patients", nargs=-1, required=True, type=patient_path, callback=stdin_once)
@trials_option
@on_option
@click.option(
    "--jobs", type=click.IntRange(1, MAX_JOBS), help=f"Worker processes (default: all cores; at most {MAX_JOBS})."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    callback=named_file,
    help="Write the matrix to FILE.csv, FILE.json (attrition inside) or FILE.jsonl; beside a .csv or .jsonl, "
    "attrition goes to FILE.attrition.csv or FILE.attrition.jsonl.",
)
@click.option("--drop", multiple=True, metavar="TRIAL:CRITERION", help="What if this criterion were removed?")
@click.option("--relax", multiple=True, metavar="TRIAL:CRITERION=EXPR", help="What if it read so?")
def screen_command(
    patients: tuple[str, ...],
    trial_paths: tuple[str, ...],
    reference: dt.date | None,
    jobs: int | None,
    out: str | None,
    drop: tuple[str, ...],
    relax: tuple[str, ...],
) -> None:
    """Screen a cohort (files, folders, JSONL streams, - for standard input): status matrix and attrition
    per criterion."""
    reference = reference or dt.date.today()
    changes = [Change("--drop", d) for d in drop] + [Change("--relax", r) for r in relax]
    with reported():
        trials = change_trials(trials_given(trial_paths), changes)
        report = run_screen(patients, list(trial_paths), trials, reference, jobs, out, changes)
    print_screen(report, console())
    print_notes(report.notes, most=NOTES_SHOWN)
