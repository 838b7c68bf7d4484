"""Results → text for people (rich tables) or JSON for programs (schema in README.md)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rich.console import Console
from rich.table import Table

from .api import TrialResult

STATUS_STYLE = {"eligible": "bold green", "ineligible": "bold red", "undetermined": "bold yellow"}


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


def print_results(results: list[TrialResult], reference: dt.date, console: Console) -> None:
    table = Table(title=f"Eligibility on {reference.isoformat()}")
    table.add_column("patient")
    table.add_column("trial")
    table.add_column("status")
    table.add_column("blocking / unknown", overflow="fold")
    for r in results:
        blocking, unknown = r.blocking(), r.unknown()
        detail = ", ".join(c.id for c in blocking) if blocking else ", ".join(c.id for c in unknown)
        table.add_row(r.patient, r.trial, f"[{STATUS_STYLE[r.status]}]{r.status}[/]", detail)
    console.print(table)
    for r in results:
        shown = r.blocking() + r.unknown()
        if not shown:
            continue
        console.print(f"\n[bold]{r.patient} × {r.trial}[/]: [{STATUS_STYLE[r.status]}]{r.status}[/]")
        for c in shown:
            mark = "[yellow]?[/]" if c.status == "unknown" else "[red]✗[/]"
            console.print(f"  {mark} {c.kind:9} {c.id:22} {c.status:8} [dim]{c.text}[/]", highlight=False)
