"""docs/errors.md is made from the error tables the tests run (tests/fixtures/bad_criteria.yaml,
bad_patients.yaml, lint_cases.yaml, bad_scenarios.yaml, bad_runs.yaml): one table, two uses. Regenerate with
`python tests/errors_doc.py`; tests/test_bad_input.py checks that the file is current."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

from trialogic.patient import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures"
DOC = Path(__file__).parent.parent / "docs" / "errors.md"

INTRO = """# Error codes

Every message trialogic prints for bad input carries a stable code. Criteria errors read
`file:line:col: error[CODE]: message`, then the source line and a caret; patient errors
read `file:line:col: field: error[CODE]: message` with the line and a caret under the
field (`[2].drugs[0].code` for the third record of a list file; a JSONL stream's line is
the record's); scenario-file errors name the file, the line, the scenario
and the change (a patient code such as P001 there means the change made the record
invalid). Every error in every file is reported at once, and the exit code is 1.

This page is made from the tables the test suite runs (`tests/fixtures/*.yaml`), so each
example below is checked to give exactly this message.
"""


def _criteria_sections(cases: list[dict[str, Any]]) -> list[tuple[str, str]]:
    sections = []
    for case in cases:
        if "fix" not in case:
            continue
        code, line, column, message = case["errors"][0]
        body = (
            f"```\n{case['source'].rstrip()}\n```\n\n"
            f"gives `{line}:{column}: error[{code}]: {message}`\n\n**Fix:** {case['fix']}\n"
        )
        sections.append((code, f"### {code} — {case['name']}\n\n{body}"))
    return sections


def _patient_sections(cases: list[dict[str, Any]]) -> list[tuple[str, str]]:
    sections = []
    for case in cases:
        code = case["error"].split("error[")[1].split("]")[0]
        record = json.dumps({"id": "P1", **case["record"]}, default=str)
        body = f"```json\n{record}\n```\n\ngives `{case['error']}`\n\n**Fix:** {case['fix']}\n"
        sections.append((code, f"### {code} — {case['name']}\n\n{body}"))
    return sections


LINT_FILE = "contradictory.tl"


def lint_source(case: dict[str, Any]) -> str:
    """A lint case's criteria in the trial they are linted in (NCT00000098, or the case's
    `trial`), after the file-level statements of its `head` (the trial's header is the line
    after them)."""
    rows = "".join(f"  {row}\n" for row in case["criteria"].splitlines())
    return f'{case.get("head", "")}trial {case.get("trial", "NCT00000098")} "contradictory" {{\n{rows}}}\n'


def run_lint(source: str) -> tuple[str, int]:
    """What `trialogic lint contradictory.tl` prints for a lint case, and its exit code."""
    from click.testing import CliRunner

    from trialogic.cli import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / LINT_FILE
        path.write_text(source)
        result = CliRunner().invoke(main, ["lint", str(path)])
    return result.output.replace(str(path), LINT_FILE), result.exit_code


def _lint_sections(cases: list[dict[str, Any]]) -> list[tuple[str, str]]:
    sections = []
    levels: dict[str, set[str]] = {}
    for case in cases:
        if "fix" not in case:
            continue
        code = case["expected"][0][0]
        source = lint_source(case)
        output, exit_code = run_lint(source)
        for level, printed in re.findall(r": (error|warning)\[(L\d+)\]", output):
            levels.setdefault(printed, set()).add(level)
        body = (
            f"```\n{source.rstrip()}\n```\n\n"
            f"`trialogic lint {LINT_FILE}` prints (exit code {exit_code}):\n\n"
            f"```\n{output.rstrip()}\n```\n\n**Fix:** {case['fix']}\n"
        )
        sections.append((code, f"### {code} — {case['name']}\n\n{body}"))
    words = ", ".join(f"{code} is {' or '.join(sorted(levels[code]))}" for code in sorted(levels))
    intro = (
        f"Each finding is an error or a warning: {words}.\n"
        "`trialogic lint` exits with code 1 when it prints an error, else 0; its last line counts both.\n"
    )
    return [("L", intro), *sections]  # "L" sorts first: the levels lead the section


def _scenario_sections(cases: list[dict[str, Any]]) -> list[tuple[str, str]]:
    sections = []
    for case in cases:
        first = case["errors"][0].replace("FILE", "scenarios.yaml")
        code = first.split("error[")[1].split("]")[0]
        more = len(case["errors"]) - 1
        also = f" (and {more} more: every problem is reported)" if more else ""
        body = f"```yaml\n{case['scenarios'].rstrip()}\n```\n\ngives `{first}`{also}\n\n**Fix:** {case['fix']}\n"
        sections.append((code, f"### {code} — {case['name']}\n\n{body}"))
    return sections


def _run_sections(cases: list[dict[str, Any]]) -> list[tuple[str, str]]:
    sections = []
    for case in cases:
        code = case["error"].split("error[")[1].split("]")[0]
        files = "\n".join(f"{name}:\n{text.rstrip()}" for name, text in case["files"].items())
        links = [f"ln {target} {name}" for name, target in case.get("links", {}).items()]
        command = " && ".join([*links, "trialogic " + " ".join(case["args"])])
        body = f"```\n{files}\n```\n\n`{command}` gives `{case['error']}`\n\n**Fix:** {case['fix']}\n"
        sections.append((code, f"### {code} — {case['name']}\n\n{body}"))
    return sections


IMPORT_FIXES = {
    "invalid.json": "Give the file exactly as the registry's API returns it (one study's JSON).",
    "not_a_study.json": "Pass one study record, not a search response or another document.",
    "bad_age.json": 'Ages read like "18 Years", "6 Months" or "N/A".',
}


def _import_sections() -> list[tuple[str, str]]:
    from trialogic import TrialogicError
    from trialogic.importer import import_study_file

    sections = []
    for name, fix in IMPORT_FIXES.items():
        path = FIXTURES / "ctgov" / name
        try:
            import_study_file(path)
        except TrialogicError as e:
            diagnostic = e.diagnostics[0]
        else:
            raise AssertionError(f"{name} imported without an error")
        message = diagnostic.render().splitlines()[0].replace(str(path), name)
        sample = path.read_text().strip()
        body = f"```json\n{sample}\n```\n\ngives `{message}`\n\n**Fix:** {fix}\n"
        sections.append((diagnostic.code, f"### {diagnostic.code} — {name}\n\n{body}"))
    sections.append(_age_too_fine())
    return sections


def _age_too_fine() -> tuple[str, str]:
    from trialogic import TrialogicError
    from trialogic.importer import import_study

    study = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT90000009", "briefTitle": "t"},
            "eligibilityModule": {"minimumAge": "12 Hours"},
        }
    }
    try:
        import_study(study, "study.json")
    except TrialogicError as e:
        diagnostic = e.diagnostics[0]
    else:
        raise AssertionError("an age in hours imported without an error")
    body = (
        f"```json\n{json.dumps(study)}\n```\n\ngives `{diagnostic.render().splitlines()[0]}`\n\n"
        "**Fix:** The language compares whole days, weeks, months or years: write the age by hand in the skeleton.\n"
    )
    return diagnostic.code, f"### {diagnostic.code} — an age the language cannot hold\n\n{body}"


def _fhir_section() -> str:
    """The F codes, as docs/fhir.md's table lists them (examples are in tests/test_fhir.py)."""
    rows = [line for line in (DOC.parent / "fhir.md").read_text().splitlines() if re.match(r"\| F\d{3} \|", line)]
    return (
        "## FHIR R4 Bundles read as patient records (F…)\n\n"
        "A Bundle's errors and notes name the FHIR element (`entry[3].resource.valueQuantity.unit`) "
        "with its line; notes (warnings) are printed after the answer and leave the exit code as it is. "
        "See [fhir.md](fhir.md) for what is read and how.\n\n"
        "| code | severity | meaning |\n|------|----------|---------|\n" + "\n".join(rows) + "\n"
    )


def render() -> str:
    criteria = yaml.safe_load((FIXTURES / "bad_criteria.yaml").read_text())
    patients = parse_yaml((FIXTURES / "bad_patients.yaml").read_text())
    lint = yaml.safe_load((FIXTURES / "lint_cases.yaml").read_text())
    scenarios = yaml.safe_load((FIXTURES / "bad_scenarios.yaml").read_text())
    runs = yaml.safe_load((FIXTURES / "bad_runs.yaml").read_text())
    parts = [INTRO]
    for title, sections in (
        ("Criteria files (E…)", _criteria_sections(criteria)),
        ("Patient records (P…)", _patient_sections(patients)),
        ("Contradictions found by `trialogic lint` (L…)", _lint_sections(lint)),
        ("Registry records given to `trialogic import` (I…)", _import_sections()),
        ("What-if scenario files, `trialogic whatif PATIENT --scenarios FILE` (W…)", _scenario_sections(scenarios)),
        (
            "Runs: the cohort, the trial set, the examples and the output of a command (P000, P012, E000, S…, X001)",
            _run_sections(runs),
        ),
    ):
        parts.append(f"## {title}\n")
        parts.extend(text for _, text in sorted(sections, key=lambda s: s[0]))
    parts.append(_fhir_section())
    return "\n".join(parts)


if __name__ == "__main__":
    DOC.write_text(render())
    print(f"wrote {DOC}")
