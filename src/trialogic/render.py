"""Results → text for people (rich tables) or JSON for programs (schema in README.md)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from .api import CriterionResult, TrialResult, blocks, reference_day
from .explain import CriterionExplanation, Fact, Part, TrialExplanation
from .repair import Action, Repair
from .scenarios import Outcome
from .screen import Report
from .whatif import Flip

# a wrapped body keeps at least this many columns beside its prefix, else it goes below it
MIN_BODY_WIDTH = 12

STATUS_STYLE = {"eligible": "bold green", "ineligible": "bold red", "undetermined": "bold yellow"}

# control characters, and the marks that reorder text on the screen (bidirectional overrides and isolates)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _sign(character: str) -> str:
    """A control character as the sign Unicode has for it (U+2400–U+2421), else U+FFFD."""
    code = ord(character)
    if code < 0x20:
        return chr(0x2400 + code)
    return "\u2421" if code == 0x7F else "\ufffd"


def plain(text: object, keep: str = "\t") -> str:
    r"""The text with every control character but those in `keep` shown as a sign, one
    character for one (a caret under a source line stays in place): a patient id or a
    sentence can neither drive the terminal nor reorder what is printed around it.

    >>> plain("P\x1b[31m1\x00")
    'P␛[31m1␀'
    """
    return _CONTROL.sub(lambda m: m.group() if m.group() in keep else _sign(m.group()), str(text))


def hanging(console: Console, prefix: str, body: str) -> None:
    """One line of a report whose body, when it wraps, goes on under itself rather than
    under the prefix (the mark, id or bullet that leads it). Both are rich markup."""
    lead, text = Text.from_markup(prefix, emoji=False), Text.from_markup(body, emoji=False)
    if not text.plain.strip():
        lead.rstrip()
        console.print(lead, soft_wrap=True)
        return
    indent = len(prefix) - len(prefix.lstrip(" "))
    if console.width - lead.cell_len < MIN_BODY_WIDTH and prefix.strip():
        # too wide a lead to leave room: the lead on its own lines, the body below it
        hanging(console, prefix[:indent], prefix[indent:].rstrip())
        hanging(console, " " * (indent + 4), body)
        return
    width = max(console.width - lead.cell_len, MIN_BODY_WIDTH)
    lines = text.wrap(console, width, justify="default", overflow="fold")
    for number, line in enumerate(lines):
        line.rstrip()
        console.print(Text.assemble(lead if number == 0 else " " * lead.cell_len, line), soft_wrap=True)


def pair_heading(console: Console, patient: str, trial: str, status: str, tail: str = "") -> None:
    """A blank line, then `PATIENT × TRIAL: status` (and `tail`) leading a pair's part of a report."""
    console.print()
    hanging(console, f"[bold]{safe(patient)} × {safe(trial)}[/]: ", f"[{STATUS_STYLE[status]}]{status}[/]{tail}")


def safe(text: object) -> str:
    r"""Record, trial or command-line text to print through rich: control characters (tabs
    too) shown as signs and markup escaped, so that it shows as written (`[/]`, `[link=...]`).

    >>> safe("[bold]B1[/bold]")
    '\\[bold]B1\\[/bold]'
    """
    return escape(plain(text, keep=""))  # a tab too: in a table it would split a cell in two


def results_json(results: list[TrialResult], reference: dt.date) -> str:
    document: dict[str, Any] = {
        "reference_date": reference.isoformat(),
        "results": [
            {
                "patient": r.patient,
                "trial": r.trial,
                "status": r.status,
                "blocking": [c.id for c in r.blocking()],
                "unknown": [c.id for c in r.unknown()],
                "criteria": [{"id": c.id, "kind": c.kind, "status": c.status, "text": c.text} for c in r.criteria],
            }
            for r in results
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def to_json(answers: Sequence[TrialResult | TrialExplanation | Repair], on: dt.date) -> str:
    """The JSON document `check`, `why` or `fix --json` prints for these answers (all of one
    kind, as `trialogic.check`, `why` or `fix` returns them) on the reference date `on`."""
    kinds = {type(answer) for answer in answers}
    writers: dict[type, Callable[[Any, dt.date], str]] = {
        TrialResult: results_json,
        TrialExplanation: explanations_json,
        Repair: repairs_json,
    }
    if len(kinds) > 1 or not kinds <= writers.keys():
        names = ", ".join(sorted(k.__name__ for k in kinds))
        raise TypeError(f"to_json takes the answers of one of check, why or fix, not {names}")
    (kind,) = kinds or {TrialResult}
    if on is None:
        raise TypeError("on is the datetime.date the answers were found on")
    return writers[kind](list(answers), reference_day(on))


def print_results(results: list[TrialResult], reference: dt.date, console: Console) -> None:
    table = Table(title=f"Eligibility on {reference.isoformat()}")
    table.add_column("patient")
    table.add_column("trial")
    table.add_column("status")
    table.add_column("reason", overflow="fold")
    for r in results:
        blocking, unknown = r.blocking(), r.unknown()
        if blocking:
            detail = f"{blocking[0].id}: {blocking[0].text}"
        else:
            detail = ("unknown: " + ", ".join(c.id for c in unknown)) if unknown else ""
        table.add_row(safe(r.patient), safe(r.trial), f"[{STATUS_STYLE[r.status]}]{r.status}[/]", safe(detail))
    console.print(table)
    for r in results:
        shown = r.blocking() + r.unknown()
        if not shown:
            continue
        pair_heading(console, r.patient, r.trial, r.status)
        for c in shown:
            mark = "[yellow]?[/]" if c.status == "unknown" else "[red]✗[/]"
            hanging(console, f"  {mark} {c.kind:9} {safe(c.id):22} {c.status:8} ", f"[dim]{safe(c.text)}[/]")


TRUTH_MARK = {"true": "[green]✓[/]", "false": "[red]✗[/]", "unknown": "[yellow]?[/]"}


def criterion_mark(criterion: CriterionExplanation) -> str:
    if criterion.status == "unknown":
        return "[yellow]?[/]"
    return "[red]✗[/]" if criterion.blocks else "[green]✓[/]"


def fact_json(fact: Fact) -> dict[str, Any]:
    return {"text": fact.text, **fact.data}


def part_json(part: Part) -> dict[str, Any]:
    return {
        "written": part.written,
        "truth": part.truth,
        "summary": part.summary,
        "evidence": [fact_json(f) for f in part.evidence],
        "missing": [fact_json(f) for f in part.missing],
        "parts": [part_json(p) for p in part.parts],
    }


def explanations_json(explanations: list[TrialExplanation], reference: dt.date) -> str:
    document = {
        "reference_date": reference.isoformat(),
        "explanations": [
            {
                "patient": e.patient,
                "trial": e.trial,
                "title": e.title,
                "status": e.status,
                "criteria": [
                    {
                        "id": c.id,
                        "kind": c.kind,
                        "status": c.status,
                        "text": c.text,
                        "written": c.written,
                        "evidence": [fact_json(f) for f in c.part.all_evidence()],
                        "missing": [fact_json(f) for f in c.part.all_missing()],
                        "parts": part_json(c.part),
                    }
                    for c in e.criteria
                ],
            }
            for e in explanations
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def _print_part(part: Part, depth: int, console: Console, show_written: bool = True) -> None:
    pad = "  " * depth
    if show_written:
        headline = part.written if not part.summary or not part.parts else f"{part.written} — {part.summary}"
        if part.parts and len(part.written) > 70:
            headline = part.summary or part.written
        hanging(console, f"{pad}{TRUTH_MARK[part.truth]} ", safe(headline))
    for fact in part.evidence:
        hanging(console, f"{pad}    [dim]·[/] ", safe(fact.text))
    for fact in part.missing:
        hanging(console, f"{pad}    [yellow]needs[/] ", safe(fact.text))
    for child in part.parts:
        _print_part(child, depth + 1, console)


def print_explanations(
    explanations: list[TrialExplanation], reference: dt.date, show_all: bool, console: Console
) -> None:
    for e in explanations:
        pair_heading(console, e.patient, e.trial, e.status, f" on {reference}")
        hanging(console, "  ", f"[dim]{safe(e.title)}[/]")
        shown = [c for c in e.criteria if show_all or c.blocks or c.status == "unknown"]
        if not shown:
            hanging(console, "  ", "every criterion is decided in the patient's favour (use --all to see the evidence)")
        for c in shown:
            hanging(console, f"  {criterion_mark(c)} {c.kind} ", f"[bold]{safe(c.id)}[/] ({c.status})")
            hanging(console, "      ", f"“{safe(c.text)}”")
            hanging(console, "      [dim]as written:[/] ", safe(c.written))
            _print_part(c.part, 3, console)


def action_json(action: Action) -> dict[str, Any]:
    """An action: its kind, level and text, then its details. A detail named `kind` (an
    absence's event kind: drug, condition, ...) is written `event_kind`, so that `kind`
    is always the action's own."""
    details = {("event_kind" if key == "kind" else key): value for key, value in action.data.items()}
    return {"kind": action.kind, "level": action.level, "text": action.text, **details}


def repairs_json(repairs: list[Repair], reference: dt.date) -> str:
    document = {
        "reference_date": reference.isoformat(),
        "repairs": [
            {
                "patient": r.patient,
                "trial": r.trial,
                "status": r.status,
                "eligible_on": r.eligible_on.isoformat() if r.eligible_on else None,
                "blocked_by": list(r.blocked_by),
                "unknown_now": list(r.unknown_now),
                "in_the_way": [{"id": c, "kind": kind, "status": status} for c, kind, status in r.in_the_way],
                "alternatives_total": max(r.alternatives_total, len(r.alternatives)),
                "alternatives": [
                    {
                        "eligible_on": a.eligible_on.isoformat(),
                        "actions": [action_json(x) for x in a.actions],
                    }
                    for a in r.alternatives
                ],
            }
            for r in repairs
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def print_repairs(repairs: list[Repair], reference: dt.date, trials: dict[str, Any], console: Console) -> None:
    for r in repairs:
        pair_heading(console, r.patient, r.trial, r.status, f" on {reference}")
        if r.status == "eligible":
            console.print("  already eligible: nothing to change")
            continue
        # what to settle, beside what no action settles too: the record must say it, and then the rest is done
        hanging(console, "  ", f"in the way today: {standing(r.in_the_way)}")
        if not r.alternatives:
            texts = {c.id: c.text for c in trials[r.trial].criteria}
            failing = [c for c in r.blocked_by if c not in r.unknown_now]
            if failing:
                hanging(console, "  ", "[red]no change can make this patient eligible[/]; blocked for good by:")
                now = {c for c, _, _ in r.in_the_way}
                for criterion in failing:
                    # one that passes today blocks with another: it no longer passes by the time that one does
                    later = "" if criterion in now else " (passes today, but not by any day the others pass)"
                    hanging(console, "    ✗ ", f"{safe(criterion)}{later}: [dim]{safe(texts.get(criterion, ''))}[/]")
            if r.unknown_now:
                hanging(
                    console,
                    "  ",
                    "no action in the catalogue settles these; the record must say (ask, or look them up):",
                )
                for criterion in r.unknown_now:
                    hanging(console, "    ? ", f"{safe(criterion)}: [dim]{safe(texts.get(criterion, ''))}[/]")
            hanging(console, "  ", "(see `trialogic why` for the evidence)")
            continue
        total = max(r.alternatives_total, len(r.alternatives))
        plural = "s" if total > 1 else ""
        cut = f"; the first {len(r.alternatives)} shown (--max 0 for all)" if total > len(r.alternatives) else ""
        hanging(console, "  ", f"eligible from [bold]{r.eligible_on}[/]; {total} equally small change{plural}{cut}:")
        for number, alternative in enumerate(r.alternatives, 1):
            console.print(f"  {number}. eligible on {alternative.eligible_on}")
            for action in alternative.actions:
                hanging(console, "     - ", f"{safe(action.text)} [dim]({safe(action.level)})[/]")
        if any(_assumes_a_number(a) for alternative in r.alternatives for a in alternative.actions):
            # a number assumed is one next to a threshold of the trial: it reads as the result expected
            # (where the rules do not give the results it stands for: a pair's, one against the lab's
            # own ULN, one a clearance is computed from, one alone on its limit)
            hanging(
                console,
                "  ",
                "[dim](a number assumed lies at a limit the trial sets: it stands for any result on the same side of every limit)[/]",
            )


def _assumes_a_number(action: Action) -> bool:
    """Whether a test action assumes a number (a pair's too) whose range it does not give,
    not only categories, ratios and numbers shown with the results they stand for."""
    results = action.data.get("results", []) if action.kind == "test" else []
    values = [str(r.get("value", "")) for r in results if "range" not in r]
    return any(re.fullmatch(r"[-+]?[0-9.]+(/[0-9.]+)?", v) for v in values)


def flips_json(
    flips: list[Flip], explanations: dict[str, TrialExplanation], reference: dt.date, checked_on: dt.date
) -> str:
    """`before` is on the reference date, `after` (the changed record) on `checked_on`."""

    def criterion(result: CriterionResult | None) -> dict[str, Any] | None:
        return None if result is None else {"id": result.id, "kind": result.kind, "status": result.status}

    document = {
        "reference_date": reference.isoformat(),
        "checked_on": checked_on.isoformat(),
        "trials": [
            {
                "trial": f.trial,
                "before": f.before.status,
                "after": f.after.status,
                "flipped": [
                    {
                        "before": criterion(old),
                        "after": criterion(new),
                        "evidence": [
                            fact_json(x)
                            for c in (explanations[f.trial].criteria if f.trial in explanations else ())
                            if new is not None and c.id == new.id
                            for x in c.part.all_evidence() + c.part.all_missing()
                        ],
                    }
                    for old, new in f.flipped
                ],
                "in_the_way": [criterion(c) for c in in_the_way(f.after)],
            }
            for f in flips
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def standing(criteria: Sequence[tuple[str, str, str]]) -> str:
    """Criteria (id, kind, status) that keep a trial from eligible, in a line:
    "✗ inclusion age (not_met), ? exclusion hiv (unknown)"."""
    return ", ".join(
        f"{'?' if status == 'unknown' else '✗'} {kind} {safe(c)} ({status})" for c, kind, status in criteria
    )


def in_the_way(result: TrialResult) -> list[CriterionResult]:
    """The criteria that keep a trial from eligible: failing or unknown, in the trial's order."""
    return [c for c in result.criteria if c.status == "unknown" or blocks(c.kind, c.status)]


def print_flips(
    flips: list[Flip], explanations: dict[str, TrialExplanation], console: Console, dates: tuple[dt.date, dt.date]
) -> None:
    """Trials whose status or criteria changed; `dates`: before on the first, after on the second."""
    if dates[0] != dates[1]:
        hanging(console, "before: ", f"on {dates[0]}; after the changes: on {dates[1]}")
    unchanged = [f.trial for f in flips if not f.changed]
    for f in flips:
        if not f.changed:
            continue
        arrow = f"[{STATUS_STYLE[f.before.status]}]{f.before.status}[/] → [{STATUS_STYLE[f.after.status]}]{f.after.status}[/]"
        console.print(f"\n[bold]{safe(f.trial)}[/]: {arrow}")
        by_id = {c.id: c for c in explanations[f.trial].criteria} if f.trial in explanations else {}
        for old, new in f.flipped:
            either = new or old
            name = either.id if either else "?"
            before = old.status if old else "(absent)"
            after = new.status if new else "(dropped)"
            console.print(f"  {safe(name)}: {before} → {after}", highlight=False)
            if new is not None and new.id in by_id:
                for fact in by_id[new.id].part.all_evidence() + by_id[new.id].part.all_missing():
                    hanging(console, "      [dim]·[/] ", safe(fact.text))
        # what else keeps it from eligible after the changes: the status is not read without it
        moved = {c.id for pair in f.flipped for c in pair if c is not None}
        rest = [c for c in in_the_way(f.after) if c.id not in moved]
        if rest:
            hanging(console, "  ", f"still in the way: {standing([(c.id, c.kind, c.status) for c in rest])}")
    if unchanged:
        console.print()
        hanging(console, "unchanged: ", safe(", ".join(unchanged)))


def _criterion(result: CriterionResult | None) -> dict[str, Any] | None:
    return None if result is None else {"id": result.id, "kind": result.kind, "status": result.status}


def scenarios_json(outcomes: list[Outcome], reference: dt.date) -> str:
    """One entry per scenario: its changes, the date checked, every trial before → after."""
    document = [
        {
            "scenario": o.scenario.name,
            "changes": [f"{c.option} {c.text}" for c in o.scenario.changes]
            + ([f"--later {o.scenario.later}"] if o.scenario.later else []),
            "reference_date": reference.isoformat(),
            "checked_on": o.checked_on.isoformat(),
            "trials": [
                {
                    "trial": f.trial,
                    "before": f.before.status,
                    "after": f.after.status,
                    "flipped": [{"before": _criterion(old), "after": _criterion(new)} for old, new in f.flipped],
                    "in_the_way": [_criterion(c) for c in in_the_way(f.after)],
                }
                for f in o.flips
            ],
        }
        for o in outcomes
    ]
    return json.dumps(document, indent=2, ensure_ascii=False)


def _flipped(old: CriterionResult | None, new: CriterionResult | None) -> str:
    either = new or old
    name = either.id if either else "?"
    return f"{name}: {old.status if old else '(absent)'} → {new.status if new else '(dropped)'}"


def print_scenarios(outcomes: list[Outcome], reference: dt.date, console: Console) -> None:
    """Compact: per scenario, one line per trial that changed, its flipped criteria on the line."""
    for number, o in enumerate(outcomes, start=1):
        changes = "; ".join(f"{c.option} {c.text}" for c in o.scenario.changes)
        when = f" on {o.checked_on}" if o.checked_on != reference else ""
        console.print()
        hanging(
            console,
            f"[bold]{number}.[/] ",
            f"[bold]{safe(o.scenario.name)}[/]{when}" + (f" [dim]({safe(changes)})[/]" if changes else ""),
        )
        for f in o.flips:
            if not f.changed:
                continue
            arrow = f"[{STATUS_STYLE[f.before.status]}]{f.before.status}[/] → [{STATUS_STYLE[f.after.status]}]{f.after.status}[/]"
            criteria = ", ".join(_flipped(old, new) for old, new in f.flipped)
            hanging(console, f"  {safe(f.trial)}: {arrow}  ", f"[dim]{safe(criteria)}[/]")
        unchanged = [f.trial for f in o.flips if not f.changed]
        if len(unchanged) == len(o.flips):
            console.print("  no trial changes", highlight=False)
        elif unchanged:
            hanging(console, "  unchanged: ", safe(", ".join(unchanged)))


def print_screen(report: Report, console: Console) -> None:
    if report.changes:
        said = "; ".join(f"{c.option} {c.text}" for c in report.changes)
        hanging(
            console,
            "what-if: ",
            f"{safe(said)} (counts after the change; gained and lost against the trials as written)",
        )
    changed = {c.text.partition(":")[0] for c in report.changes}
    for attrition in report.attrition.values():
        summary = attrition.as_dict()
        counts = ", ".join(f"{n} {s}" for s, n in summary["statuses"].items())
        table = Table(title=f"{safe(attrition.trial)}: {attrition.patients} patients — {counts}")
        for column in ("criterion", "excludes", "excludes alone", "unknown", "remaining"):
            table.add_column(column, justify="left" if column == "criterion" else "right")
        for row in summary["criteria"]:
            table.add_row(safe(row["id"]), str(row["excluded"]), str(row["excluded_alone"]), str(row["unknown"]),
                          str(row["remaining"]))  # fmt: skip
        console.print(table)
        gained, lost = report.gained.get(attrition.trial, []), report.lost.get(attrition.trial, [])
        moved = report.moved.get(attrition.trial, Counter())
        if gained or lost or moved or attrition.trial in changed:

            def named(ids: list[str]) -> str:
                return f" ({safe(', '.join(ids[:20]))}{', …' if len(ids) > 20 else ''})" if ids else ""

            # the other moves too: a criterion relaxed may turn exclusions into unknowns, and no one eligible
            others = "".join(f"; {n} {before} → {after}" for (before, after), n in sorted(moved.items()))
            said = f"{len(gained)} gained{named(gained)}, {len(lost)} lost{named(lost)}{others}"
            hanging(console, "  what-if: ", said)
    if report.out:  # a path is not wrapped: it stays whole to copy
        console.print(
            f"wrote {report.patients} patients × {len(report.attrition)} trials to {safe(report.out)}",
            soft_wrap=True,
            highlight=False,
        )
    if report.attrition_out:
        console.print(f"wrote attrition per criterion to {safe(report.attrition_out)}", soft_wrap=True, highlight=False)
