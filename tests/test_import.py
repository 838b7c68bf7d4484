"""`trialogic import`: ClinicalTrials.gov API v2 study JSON → a skeleton trial file that loads and lints clean."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trialogic import api, ast
from trialogic.cli import main
from trialogic.errors import TrialogicError
from trialogic.format import source
from trialogic.importer import blocks_of, import_study, import_study_file
from trialogic.lint import lint
from trialogic.parser import parse

FIXTURES = Path(__file__).parent / "fixtures" / "ctgov"
STUDIES = sorted(FIXTURES.glob("NCT*.json"))
IDS = [p.stem for p in STUDIES]
# Independent of the importer: a bullet line is `*`, `-` or `1.` / `2)` followed by text, not
# indented (the fixtures' sub-bullets, indented under a bullet, are listed in its placeholder).
MARKER = re.compile(r"^(?:[*-]|\(?\d+[.)])\s+")
BULLET = re.compile(MARKER.pattern + r"\S")
HEADING = re.compile(r"^\s*(?:key\s+)?(inclusion|exclusion)\s+criteria\b", re.IGNORECASE)
ELIGIBILITY = "protocolSection.eligibilityModule"


def criteria_text(study: Path) -> str:
    data = json.loads(study.read_text(encoding="utf-8"))
    return str(data["protocolSection"].get("eligibilityModule", {}).get("eligibilityCriteria", ""))


def trial_of(text: str) -> ast.Trial:
    (trial,) = parse(text, "<import>").trials
    return trial


def record(**eligibility: Any) -> dict[str, Any]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT00000001", "briefTitle": "t"},
            "eligibilityModule": eligibility,
        }
    }


def expressions(text: str) -> dict[str, str]:
    return {c.id: source(c.expr) for c in trial_of(text).criteria}


def diagnostics(data: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    with pytest.raises(TrialogicError) as raised:
        import_study(data, "s.json")
    return [(d.code, d.message, d.field) for d in raised.value.diagnostics]


# ----- every fixture ------------------------------------------------------------------


@pytest.mark.parametrize("study", STUDIES, ids=IDS)
def test_golden_output(study: Path) -> None:
    assert import_study_file(study) == study.with_suffix(".tl").read_text(encoding="utf-8")


NOTHING_TO_IMPORT = {"NCT06485648"}  # no ages, no sex, no criteria text


@pytest.mark.parametrize("study", STUDIES, ids=IDS)
def test_output_loads_formats_and_lints_clean(study: Path, tmp_path: Path) -> None:
    path = tmp_path / f"{study.stem}.tl"
    path.write_text(import_study_file(study), encoding="utf-8")
    check = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert check.exit_code == 0, check.output
    errors = [d for d in lint([path]) if d.severity == "error"]
    if study.stem in NOTHING_TO_IMPORT:  # a skeleton without criteria: the author writes one first (E117)
        assert [(d.line, d.code) for d in errors] == [(3, "E117")]
        return
    trials = api.load_trials([path])
    assert list(trials.trials) == [study.stem]
    assert [d.render() for d in errors] == []


@pytest.mark.parametrize("study", STUDIES, ids=IDS)
def test_one_placeholder_per_bullet(study: Path) -> None:
    bullets = [line for line in criteria_text(study).splitlines() if BULLET.match(line)]
    trial = trial_of(import_study_file(study))
    placeholders = [c for c in trial.criteria if isinstance(c.expr, ast.Manual)]
    assert len(placeholders) == len(bullets)
    assert {c.id for c in trial.criteria if not isinstance(c.expr, ast.Manual)} <= {"min_age", "max_age", "sex"}


@pytest.mark.parametrize("study", STUDIES, ids=IDS)
def test_inclusion_and_exclusion_kept_apart(study: Path) -> None:
    """Each placeholder's kind is the heading above its bullet in the registry text."""
    sections: dict[str, list[str]] = {"inclusion": [], "exclusion": []}
    headed = any(HEADING.match(line) for line in criteria_text(study).splitlines())
    current = None if headed else "inclusion"  # without any heading, every bullet is an inclusion
    for line in criteria_text(study).splitlines():
        heading = HEADING.match(line)
        if heading:
            current = heading.group(1).lower()
        elif current and BULLET.match(line):
            sections[current].append(line)
    trial = trial_of(import_study_file(study))
    for kind, bullets in sections.items():
        placeholders = [c for c in trial.criteria if c.kind == kind and isinstance(c.expr, ast.Manual)]
        assert [c.id for c in placeholders] == [f"{kind}_{n}" for n in range(1, len(bullets) + 1)]
        for criterion, bullet in zip(placeholders, bullets, strict=True):
            first_words = " ".join(re.sub(r"\\(.)", r"\1", MARKER.sub("", bullet)).split()[:4])
            assert criterion.text.startswith(first_words), (criterion.text, bullet)


@pytest.mark.parametrize("study", STUDIES, ids=IDS)
def test_escapes_undone_and_lines_joined(study: Path) -> None:
    trial = trial_of(import_study_file(study))
    for text in [trial.title, *(c.text for c in trial.criteria), *(n.text for n in trial.notes)]:
        assert not re.search(r"\\[<>*_()\[\]]", text), text
        assert "\n" not in text and "  " not in text and text == text.strip()


def test_registry_escapes_and_wrapping_in_detail() -> None:
    texts = {c.id: c.text for c in trial_of(import_study_file(FIXTURES / "NCT04318600.json")).criteria}
    assert texts["exclusion_4"].startswith("Patients with blood leukocyte count <2.5 × 109/L, hemoglobin <90 g/L,")
    assert "(blood pressure >160/100 mm Hg)" in texts["exclusion_5"]
    # "8." inside a line is not a new bullet
    assert texts["exclusion_7"] == (
        "Patients with tumors or abnormal tumor marker levels; 8. Patients with blood-borne diseases "
        "(i.e., HIV, syphilis, hepatitis B, and hepatitis C);"
    )
    synthetic = {c.id: c.text for c in trial_of(import_study_file(FIXTURES / "NCT90000001.json")).criteria}
    assert synthetic["inclusion_2"] == 'Parent or guardian gives "written" consent'
    assert synthetic["inclusion_3"] == "Born at >= 37 weeks of gestation with a birth weight recorded"
    assert synthetic["inclusion_4"] == "Oxygen saturation < 92% on room air; see *Appendix A* (score_1 [0-3])"
    assert synthetic["exclusion_3"] == "Results filed under C:\\trial\\data"
    # a continuation line that starts with a number ("1.5 times") is not a bullet
    wrapped = {c.id: c.text for c in trial_of(import_study_file(FIXTURES / "NCT03580291.json")).criteria}
    assert (
        "more than 1.5 times the upper limit of normal lab value; creatinine clearance rate (Ccr) < 30ml/min"
        in (wrapped["exclusion_7"])
    )


def test_text_outside_the_headings_and_introductions_are_notes() -> None:
    notes = [n.text for n in trial_of(import_study_file(FIXTURES / "NCT05631717.json")).notes]
    assert (
        "Only patients with active lupus nephritis who meet all of the following criteria are eligible for "
        "inclusion in this study:"
    ) in notes
    assert "Patients who met any of the following criteria could not be enrolled in this study:" in notes
    synthetic = [n.text for n in trial_of(import_study_file(FIXTURES / "NCT90000001.json")).notes]
    assert "Participants are recruited at two sites." in synthetic


def test_text_without_headings_is_all_inclusion_placeholders() -> None:
    """Never a skeleton that calls everyone of the right age eligible: each bullet and paragraph
    becomes a manual inclusion (an introduction ending in a colon stays a note)."""
    unheaded = trial_of(import_study_file(FIXTURES / "NCT90000003.json"))
    assert [(c.kind, c.id, c.text) for c in unheaded.criteria] == [
        ("inclusion", "inclusion_1", "Healthy adults"),
        ("inclusion", "inclusion_2", "No chronic disease"),
    ]
    assert "is imported as an inclusion placeholder" in unheaded.notes[-1].text
    text = "Adults with lupus. Must consent.\n\nPatients must have:\n* Weight > 50 kg. Second sentence.\n* Another"
    trial = trial_of(import_study(record(minimumAge="18 Years", eligibilityCriteria=text), "s.json"))
    assert [(c.id, c.text, source(c.expr)) for c in trial.criteria] == [
        ("min_age", "Minimum eligible age: 18 Years", "age >= 18 years"),
        ("inclusion_1", "Adults with lupus. Must consent.", "manual"),
        ("inclusion_2", "Weight > 50 kg. Second sentence.", "manual"),
        ("inclusion_3", "Another", "manual"),
    ]
    assert trial.notes[-1].text == "Patients must have:"


def test_a_record_without_criteria_text_still_gives_a_skeleton() -> None:
    trial = trial_of(import_study_file(FIXTURES / "NCT06485648.json"))
    assert trial.criteria == ()
    assert trial.notes[-1].text == "The record has no eligibility criteria text: it gives no ages or sex either."
    with_ages = import_study(record(minimumAge="18 Years"), "s.json")
    assert "The record has no eligibility criteria text: only its ages and sex are imported." in with_ages


def test_criteria_text_of_headings_alone_says_what_it_holds() -> None:
    """It said the record has no criteria text, of a text the author can see."""
    text = "Inclusion Criteria:\n\nExclusion Criteria:\n\n*\n"
    trial = trial_of(import_study(record(minimumAge="18 Years", eligibilityCriteria=text), "s.json"))
    assert trial.notes[-1].text == (
        'The eligibility criteria text holds headings or empty bullets but no criteria ("Inclusion Criteria:", '
        '"Exclusion Criteria:", "*"): only its ages and sex are imported.'
    )
    many = trial_of(import_study(record(eligibilityCriteria="Inclusion:\n-\n-\nExclusion:\n-\n"), "s.json"))
    assert many.notes[-1].text == (
        'The eligibility criteria text holds headings or empty bullets but no criteria ("Inclusion:", "-", "-" '
        "and 2 more lines): it gives no ages or sex either."
    )
    blank = trial_of(import_study(record(eligibilityCriteria=" \n\n"), "s.json"))
    assert blank.notes[-1].text == "The record has no eligibility criteria text: it gives no ages or sex either."


def test_every_output_has_the_import_note_and_healthy_volunteers_note() -> None:
    trial = trial_of(import_study_file(FIXTURES / "NCT04318600.json"))
    assert trial.notes[0].text.startswith("Imported from ClinicalTrials.gov record NCT04318600 (API v2)")
    assert "every `manual` criterion is a placeholder" in trial.notes[0].text
    assert any(
        "does not accept healthy volunteers" in n.text and "no healthy-volunteer attribute" in n.text
        for n in trial.notes
    )
    accepts = trial_of(import_study(record(healthyVolunteers=True), "s.json"))
    assert not any("healthy" in n.text for n in accepts.notes)


# ----- structured fields --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18 Years", "age >= 18 years"),
        ("1 Year", "age >= 1 year"),
        ("  18   years ", "age >= 18 years"),
        ("6 Months", "age >= 6 months"),
        ("2 Weeks", "age >= 2 weeks"),
        ("28 Days", "age >= 28 days"),
        ("1.5 Years", "age >= 18 months"),  # no decimals in the language: a smaller unit
        ("1.25 Years", "age >= 15 months"),
        ("0.5 Years", "age >= 6 months"),
        ("2.0 Weeks", "age >= 2 weeks"),
        ("1.5 Weeks", None),  # 10.5 days
        ("2.5 Months", None),
        ("12 Hours", None),
        ("48 Hours", "age >= 2 days"),
        ("1440 Minutes", "age >= 1 day"),
        ("0 Years", ""),  # a minimum of zero is no limit
        ("N/A", ""),
        ("", ""),
    ],
)
def test_minimum_age(value: str, expected: str | None) -> None:
    if expected is None:
        assert diagnostics(record(minimumAge=value)) == [
            (
                "I004",
                f'the age "{value}" is not a whole number of years, months, weeks or days, as the language needs',
                f"{ELIGIBILITY}.minimumAge",
            )
        ]
        return
    got = expressions(import_study(record(minimumAge=value), "s.json"))
    assert got == ({"min_age": expected} if expected else {})


def test_maximum_age_and_its_sentence() -> None:
    trial = trial_of(import_study(record(minimumAge="14 Years", maximumAge="60 Years"), "s.json"))
    assert [(c.kind, c.id, c.text, source(c.expr)) for c in trial.criteria] == [
        ("inclusion", "min_age", "Minimum eligible age: 14 Years", "age >= 14 years"),
        ("inclusion", "max_age", "Maximum eligible age: 60 Years", "age <= 60 years"),
    ]
    assert expressions(import_study(record(maximumAge="1.5 Years"), "s.json")) == {"max_age": "age <= 18 months"}
    assert expressions(import_study(record(maximumAge="0 Years"), "s.json")) == {"max_age": "age <= 0 years"}


def test_missing_bounds_give_no_criterion() -> None:
    assert expressions(import_study(record(), "s.json")) == {}
    assert expressions(import_study(record(minimumAge="18 Years"), "s.json")) == {"min_age": "age >= 18 years"}
    bare = {"protocolSection": {"identificationModule": {"nctId": "NCT00000001"}}}
    assert trial_of(import_study(bare, "s.json")).title == "NCT00000001"


@pytest.mark.parametrize(
    ("youngest", "oldest", "apart"),
    [
        ("18 Years", "6 Months", True),
        ("19 Years", "18 Years", True),
        ("18 Years", "18 Years", False),
        ("13 Months", "1 Year", False),  # age <= 1 year holds until 2 years
        ("14 Days", "1 Week", True),
        ("2 Weeks", "13 Days", True),
        ("1 Month", "27 Days", True),
        ("1 Month", "30 Days", False),  # a month of age may be 28 days
        ("2 Years", "700 Days", True),
        ("28 Days", "18 Years", False),
    ],
)
def test_a_minimum_age_above_the_maximum_is_noted_as_lint_finds_it(
    youngest: str, oldest: str, apart: bool, tmp_path: Path
) -> None:
    """It was imported without a word; lint reported the conflict later (L001)."""
    eligibility = {"minimumAge": youngest, "maximumAge": oldest, "eligibilityCriteria": "* Adults"}
    text = import_study(record(**eligibility), "s.json")
    note = (
        f"The registry's minimum age ({youngest}) is above its maximum age ({oldest}): nobody is eligible "
        "(lint reports the two criteria as a conflict, L001); check the record."
    )
    assert (note in [n.text for n in trial_of(text).notes]) == apart
    path = tmp_path / "s.tl"
    path.write_text(text, encoding="utf-8")
    assert any(d.code == "L001" for d in lint([path])) == apart


def test_healthy_volunteers_not_true_or_false_is_i003() -> None:
    """ "No" was read as saying nothing: the skeleton lost the note that healthy volunteers are not taken."""
    field = f"{ELIGIBILITY}.healthyVolunteers"
    assert diagnostics(record(healthyVolunteers="No")) == [
        ("I003", "healthyVolunteers is the text 'No'; the registry writes true or false", field)
    ]
    assert diagnostics(record(healthyVolunteers=0)) == [
        ("I003", "healthyVolunteers is the number 0; the registry writes true or false", field)
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("FEMALE", {"sex": "sex = female"}),
        ("MALE", {"sex": "sex = male"}),
        ("ALL", {}),
        ("female", {"sex": "sex = female"}),
    ],
)
def test_sex(value: str, expected: dict[str, str]) -> None:
    assert expressions(import_study(record(sex=value), "s.json")) == expected


def test_the_gender_description_is_a_manual_inclusion() -> None:
    """It was dropped: the skeleton said `sex = female` alone of a study whose eligibility
    the registry describes by gender identity."""
    description = "Participants who identify as women,\n including transgender women"
    for sex, before in (("FEMALE", [("sex", "sex = female")]), ("ALL", []), (None, [])):
        eligibility = {"sex": sex, "genderBased": True, "genderDescription": description}
        trial = trial_of(import_study(record(**{k: v for k, v in eligibility.items() if v is not None}), "s.json"))
        assert [(c.id, source(c.expr)) for c in trial.criteria] == [*before, ("gender", "manual")]
        assert trial.criteria[-1].text == f"Gender eligibility: {' '.join(description.split())}"


def test_sex_sentence() -> None:
    (criterion,) = trial_of(import_study(record(sex="FEMALE"), "s.json")).criteria
    assert (criterion.kind, criterion.text) == ("inclusion", "Eligible sex: FEMALE")


# ----- the criteria text ----------------------------------------------------------------


def test_blocks_of_bullets_paragraphs_and_headings() -> None:
    text = (
        "INCLUSION CRITERIA\n"
        "Adults who can consent\n"  # a paragraph under a heading is a criterion too
        "\n"
        "* First bullet\n"
        "\n"
        "  continued after a blank line (indented)\n"
        "\\* an escaped star is not a bullet\n"
        "  - sub-bullet\n"  # indented under the bullet: listed in it
        "Inclusion Criteria for Part B:\n"
        "a) lettered\n"
        "Exclusion Criteria: Pregnancy\n"
    )
    assert [(b.section, b.bullet, b.text) for b in blocks_of(text)] == [
        ("inclusion", False, "Adults who can consent"),
        (
            "inclusion",
            True,
            "First bullet continued after a blank line (indented) * an escaped star is not a bullet: sub-bullet",
        ),
        ("inclusion", True, "lettered"),
        ("exclusion", False, "Pregnancy"),
    ]
    trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
    assert [(c.kind, c.id) for c in trial.criteria] == [
        ("inclusion", "inclusion_1"),
        ("inclusion", "inclusion_2"),
        ("inclusion", "inclusion_3"),
        ("exclusion", "exclusion_1"),
    ]


def test_a_line_that_only_mentions_the_criteria_is_not_a_heading() -> None:
    blocks = blocks_of("Inclusion Criteria:\n* Exclusion criteria of the parent study do not apply.\n")
    assert [(b.section, b.text) for b in blocks] == [
        ("inclusion", "Exclusion criteria of the parent study do not apply.")
    ]


@pytest.mark.parametrize(
    ("inclusion", "exclusion"),
    [
        ("Inclusion Criteria:", "Exclusion Criteria:"),
        ("Key Inclusion Criteria", "Key Exclusion Criteria"),
        ("key inclusion criteria:", "key exclusion criteria:"),
        ("INCLUSION CRITERIA", "EXCLUSION CRITERIA"),
        ("Inclusion:", "Exclusion:"),
        ("inclusion", "exclusion"),
        ("INCLUSION :", "EXCLUSION :"),
        ("**Inclusion:**", "**Exclusion:**"),
        ("Inclusion Criterion:", "Exclusion Criterion:"),
        # these were notes, the exclusions after them imported as inclusions
        ("Inclusion criteria:", "Non-inclusion criteria:"),
        ("Inclusion criteria", "NON INCLUSION CRITERIA"),
        ("Criteria for inclusion:", "Criteria for exclusion:"),
        ("Inclusion Criteria -", "Exclusion Criteria \u2014"),
    ],
)
def test_heading_variants(inclusion: str, exclusion: str) -> None:
    text = f"Notes first\n{inclusion}\n* a\n{exclusion}\n* b\n"
    assert [(b.section, b.text) for b in blocks_of(text)] == [
        (None, "Notes first"),
        ("inclusion", "a"),
        ("exclusion", "b"),
    ]


def test_headings_without_criteria_on_their_own_line() -> None:
    text = "Key Inclusion Criteria\n* a\n\nKey exclusion criteria:\n* b\n\nInclusion:\n* d\nExclusion:\n* e\n"
    trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
    assert [(c.kind, c.text) for c in trial.criteria] == [
        ("inclusion", "a"),
        ("exclusion", "b"),
        ("inclusion", "d"),
        ("exclusion", "e"),
    ]
    assert not any(n.text in ("Inclusion:", "Exclusion:") for n in trial.notes)
    # a sentence that starts with the word is no heading
    blocks = blocks_of("Exclusion:\n* a\nExclusion of smokers\nInclusion: adults\n")
    assert [(b.section, b.text) for b in blocks] == [("exclusion", "a Exclusion of smokers Inclusion: adults")]


@pytest.mark.parametrize("exclusion", ["Exclusion:", "Key exclusion:", "Non-inclusion:", "**Exclusion:**"])
def test_a_bare_heading_after_a_sentence_on_its_line_starts_its_section(exclusion: str) -> None:
    """ "Inclusion criteria: adults. Exclusion: pregnancy." put the pregnancy in an inclusion
    placeholder: a bare heading with a colon after a sentence's end starts a section too."""
    text = f"Inclusion criteria: age 18 or older. {exclusion} pregnancy. Breastfeeding.\n* smokers\n"
    assert kinds_and_texts(text) == [
        ("inclusion", "age 18 or older."),
        ("exclusion", "pregnancy. Breastfeeding."),
        ("exclusion", "smokers"),
    ]
    # not inside a sentence, nor without its colon
    assert [
        k for k, _ in kinds_and_texts("Inclusion criteria: adults, see exclusion: none. Exclusion of smokers\n")
    ] == ["inclusion"]


def test_text_after_a_heading_and_a_dash_is_its_first_criterion() -> None:
    blocks = blocks_of("Inclusion Criteria - adults\n* consent\nExclusion criteria \u2013 smokers\n* pregnant\n")
    assert [(b.section, b.text) for b in blocks] == [
        ("inclusion", "adults"),
        ("inclusion", "consent"),
        ("exclusion", "smokers"),
        ("exclusion", "pregnant"),
    ]


def kinds_and_texts(text: str) -> list[tuple[str, str]]:
    return [(c.kind, c.text) for c in trial_of(import_study(record(eligibilityCriteria=text), "s.json")).criteria]


def test_a_wrapped_line_that_starts_with_the_criteria_words_is_text_not_a_heading() -> None:
    """Registry texts are hard-wrapped: a bullet wrapped before "exclusion criteria:" lost its
    words to a heading, and the inclusions after it became exclusions."""
    numbered = (  # as NCT03580291 is written: numbered, a blank line apart, wrapped lines not indented
        "Inclusion Criteria:\n\n"
        "1. Adults aged 18 to 65 years at the time of signing the informed consent form;\n\n"
        "2. Participants who do not have any of the conditions listed in the\n"
        "exclusion criteria: active infection, pregnancy or surgery in the last 4\n"
        "weeks;\n\n"
        "3. Body mass index between 18 and 35 kg/m2.\n\n"
        "Exclusion Criteria:\n\n"
        "1. Known allergy to the study drug.\n"
    )
    assert kinds_and_texts(numbered) == [
        ("inclusion", "Adults aged 18 to 65 years at the time of signing the informed consent form;"),
        (
            "inclusion",
            "Participants who do not have any of the conditions listed in the exclusion criteria: active infection, "
            "pregnancy or surgery in the last 4 weeks;",
        ),
        ("inclusion", "Body mass index between 18 and 35 kg/m2."),
        ("exclusion", "Known allergy to the study drug."),
    ]
    dashed = (  # as NCT05631717 is written; the wrapped words end the bullet
        "Inclusion Criteria:\n\n"
        "- Women of childbearing potential who use one of the methods of contraception listed in\n"
        "exclusion criteria:\n\n"
        "- Patients who fulfil all protocol-defined\n"
        "inclusion criteria\n"
        "and sign the consent form\n\n"
        "- Signed informed consent\n\n"
        "Exclusion Criteria:\n\n"
        "- Pregnancy\n"
    )
    assert kinds_and_texts(dashed) == [
        (
            "inclusion",
            "Women of childbearing potential who use one of the methods of contraception listed in exclusion criteria:",
        ),
        ("inclusion", "Patients who fulfil all protocol-defined inclusion criteria and sign the consent form"),
        ("inclusion", "Signed informed consent"),
        ("exclusion", "Pregnancy"),
    ]
    output = import_study(record(eligibilityCriteria=numbered + dashed), "s.json")
    assert "may end the sentence above it" not in output


def test_a_wrapped_line_after_a_blank_line_is_text_where_a_line_of_text_would_continue() -> None:
    """After a blank line, an indented line continues a bullet; one that read as a heading was
    taken as one, and the inclusions after it became exclusions."""
    text = (
        "Inclusion Criteria:\n\n"
        "* Participants who have none of the conditions listed in the\n\n"
        "  exclusion criteria: active infection or pregnancy\n\n"
        "* Signed consent\n\n"
        "Exclusion Criteria:\n\n"
        "* Known allergy to the study drug\n"
    )
    assert kinds_and_texts(text) == [
        (
            "inclusion",
            "Participants who have none of the conditions listed in the exclusion criteria: active infection or "
            "pregnancy",
        ),
        ("inclusion", "Signed consent"),
        ("exclusion", "Known allergy to the study drug"),
    ]
    # not indented, a line after a blank line starts a paragraph of its own: a heading stays one
    assert kinds_and_texts(text.replace("  exclusion", "exclusion")) == [
        ("inclusion", "Participants who have none of the conditions listed in the"),
        ("exclusion", "active infection or pregnancy"),
        ("exclusion", "Signed consent"),
        ("exclusion", "Known allergy to the study drug"),
    ]
    # indented throughout, a heading after a finished bullet is a heading
    indented = "  Inclusion Criteria:\n\n  * adults aged 18 or over\n\n  exclusion criteria:\n\n  * pregnant\n"
    assert kinds_and_texts(indented) == [("inclusion", "adults aged 18 or over"), ("exclusion", "pregnant")]


def test_a_heading_after_an_unfinished_sentence_is_kept_in_it_too_with_a_note() -> None:
    """Capitalised as a heading is, after a line no sentence ends with: either may be meant."""
    text = "Inclusion Criteria:\n\n* Adults aged 18 or over with none of the\nExclusion Criteria:\n\n* Pregnancy\n"
    trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
    assert [(c.kind, c.text) for c in trial.criteria] == [
        ("inclusion", "Adults aged 18 or over with none of the Exclusion Criteria:"),
        ("exclusion", "Pregnancy"),
    ]
    assert trial.notes[-1].text == (
        'Line 4 of the criteria text, "Exclusion Criteria:", may end the sentence above it ("…over with none '
        'of the") or be a heading: it is kept in that sentence and taken as the heading of what follows; check that '
        "the criteria after it are exclusions."
    )
    # a sentence that ends, or a heading in the layout of one, is a heading as it was
    closed = (
        "Inclusion Criteria:\n- Adults with lupus nephritis\nExclusion Criteria:\nPatients with any of these:\n- a\n"
    )
    assert kinds_and_texts(closed) == [("inclusion", "Adults with lupus nephritis"), ("exclusion", "a")]
    assert kinds_and_texts("Inclusion:\n* adults aged 18 or over\nexclusion\n* pregnant\n") == [
        ("inclusion", "adults aged 18 or over"),
        ("exclusion", "pregnant"),
    ]


def test_a_heading_after_a_sentence_on_the_same_line_starts_its_section() -> None:
    """The whole text on one line was a single inclusion, its exclusions among it."""
    text = "Inclusion Criteria: Adults aged 18 or over. Exclusion Criteria: Pregnancy; prior surgery."
    assert kinds_and_texts(text) == [
        ("inclusion", "Adults aged 18 or over."),
        ("exclusion", "Pregnancy; prior surgery."),
    ]
    bullets = "Inclusion Criteria:\n* Signed consent.  Key exclusion criteria - smokers\n* pregnant\n"
    assert kinds_and_texts(bullets) == [
        ("inclusion", "Signed consent."),
        ("exclusion", "smokers"),
        ("exclusion", "pregnant"),
    ]
    # the words inside a sentence, or after a bullet's number, are no heading of their own
    kept = (
        "Inclusion Criteria:\n1. Meets none of the exclusion criteria: see the protocol\n2. Exclusion criteria: none\n"
    )
    assert kinds_and_texts(kept) == [
        ("inclusion", "Meets none of the exclusion criteria: see the protocol"),
        ("inclusion", "Exclusion criteria: none"),
    ]


def test_a_bold_heading_leaves_no_markup_in_the_criteria() -> None:
    """A bold heading after text on its line left its closing `**` in the first criterion
    ("** Pregnancy"), and one that closed before its colon was not read as a heading."""
    assert kinds_and_texts("Inclusion Criteria: Adults aged 18 or over. **Exclusion Criteria:** Pregnancy") == [
        ("inclusion", "Adults aged 18 or over."),
        ("exclusion", "Pregnancy"),
    ]
    bold = "**Inclusion Criteria:** adults aged 18 or over **Exclusion Criteria**: pregnancy\n* prior surgery\n"
    assert kinds_and_texts(bold) == [
        ("inclusion", "adults aged 18 or over"),
        ("exclusion", "pregnancy"),
        ("exclusion", "prior surgery"),
    ]
    underlined = "__Inclusion Criteria__ - adults\n__Exclusion criteria:__ smokers\n"
    assert kinds_and_texts(underlined) == [("inclusion", "adults"), ("exclusion", "smokers")]
    # in bold inside a sentence left open, the words stay the sentence's (and lose their bold)
    kept = "Inclusion Criteria:\n* Patients meeting none of the **exclusion criteria:** see below\n"
    assert kinds_and_texts(kept) == [
        ("inclusion", "Patients meeting none of the exclusion criteria: see below"),
    ]


def test_a_criterion_s_bold_and_italics_are_not_imported_but_its_asterisks_are() -> None:
    text = (
        "Inclusion Criteria:\n\n* **Age 18-65**\n* __Signed__ consent, *any* form, _written_\n"
        "* ALT < 5 * ULN, 2*3*4 mg, a literal \\*starred\\* word, serum_creatinine_mg\n"
        "* **bold that wraps\n  onto the next line**\n"
    )
    assert kinds_and_texts(text) == [
        ("inclusion", "Age 18-65"),
        ("inclusion", "Signed consent, any form, written"),
        ("inclusion", "ALT < 5 * ULN, 2*3*4 mg, a literal *starred* word, serum_creatinine_mg"),
        ("inclusion", "bold that wraps onto the next line"),
    ]


def test_control_characters_are_not_imported() -> None:
    text = "Inclusion Criteria:\r\n* nul\x00char and bell\x07 and\x1b esc\r* cr only\rnext line\r\r* last\x7f"
    data = record(eligibilityCriteria=text)
    data["protocolSection"]["identificationModule"]["briefTitle"] = "A\x00title\rsplit"
    data["protocolSection"]["conditionsModule"] = {"conditions": ["Lupus\x0c"]}
    output = import_study(data, "s.json")
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", output)
    trial = trial_of(output)
    assert trial.title == "A title split"
    assert [c.text for c in trial.criteria] == ["nul char and bell and esc", "cr only next line", "last"]
    assert "Conditions studied (registry): Lupus." in [n.text for n in trial.notes]


def test_empty_bullets_are_skipped() -> None:
    text = "Exclusion Criteria:\n\n*\n* \n-\n1.\n* Real one\n"
    assert [b.text for b in blocks_of(text)] == ["Real one"]


# ----- nested lists: a bullet's sub-bullets are listed in its placeholder ---------------


def test_sub_bullets_are_listed_in_their_parent_s_placeholder() -> None:
    """Each sub-bullet was a placeholder of its own, ANDed with the others: "any of the
    following" became every one of them required."""
    text = (
        "Inclusion Criteria:\n"
        "* Age 18-65\n"
        "* Active lupus nephritis, defined by any of the following:\n"
        "  * proteinuria > 1 g/24h\n"
        "  * active urinary sediment\n"
        "* Signed consent\n"
    )
    trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
    assert [(c.kind, c.id, c.text, source(c.expr)) for c in trial.criteria] == [
        ("inclusion", "inclusion_1", "Age 18-65", "manual"),
        (
            "inclusion",
            "inclusion_2",
            "Active lupus nephritis, defined by any of the following: proteinuria > 1 g/24h; active urinary sediment",
            "manual",
        ),
        ("inclusion", "inclusion_3", "Signed consent", "manual"),
    ]


@pytest.mark.parametrize(
    ("parent", "first", "second"),
    [
        ("- ", "  - ", "  - "),
        ("+ ", "    + ", "    + "),
        ("\u2022 ", "  \u2022 ", "  \u2022 "),
        ("1. ", "   a) ", "   b) "),
        ("2) ", "   (a) ", "   (b) "),
        ("(3) ", "    a. ", "    b. "),
        ("* ", "\t1. ", "\t2. "),  # a tab indents too
        ("* ", "  - ", "  (i) "),  # any marker the bullet reader knows, mixed
        ("a) ", "   (i) ", "   (ii) "),  # roman numbers: "(ii)" was text going on from "(i)"
        ("- ", "  iii. ", "  iv) "),
    ],
)
def test_a_sub_list_under_any_bullet_marker_is_listed(parent: str, first: str, second: str) -> None:
    text = f"Exclusion Criteria:\n{parent}Prior treatment with any of:\n{first}rituximab\n{second}cyclophosphamide\n"
    text += f"{parent}Pregnancy\n"
    assert kinds_and_texts(text) == [
        ("exclusion", "Prior treatment with any of: rituximab; cyclophosphamide"),
        ("exclusion", "Pregnancy"),
    ]


def test_a_sub_list_not_indented_but_of_another_marker_under_a_bullet_ending_in_a_colon_is_listed() -> None:
    """ "2. ... any of the following:" then "a) ...", "b) ..." at the same indentation: the
    letters were criteria of their own, required together."""
    text = (
        "Inclusion Criteria:\n"
        "1. Adults\n"
        "2. Active lupus nephritis, defined by any of the following:\n"
        "a) proteinuria > 1 g/24h\n"
        "b) urinary sediment, as one of:\n"
        "- red cell casts\n"
        "- hematuria\n"
        "c) a biopsy\n"
        "3. Signed consent\n"
        "Exclusion Criteria:\n"
        "- Prior treatment:\n"
        "- Pregnancy\n"  # the same kind of marker: a bullet of its own
        "1. Smokers\n"  # after a bullet not ending in a colon: a bullet of its own
        "* Any of:\n"
        "a. gout\n"
        "  * in a flare\n"
        "b. lupus\n"
        "1. Infection\n"  # another kind of marker than the list's: a bullet of its own
    )
    assert kinds_and_texts(text) == [
        ("inclusion", "Adults"),
        (
            "inclusion",
            "Active lupus nephritis, defined by any of the following: proteinuria > 1 g/24h; urinary sediment, as one "
            "of: (red cell casts; hematuria); a biopsy",
        ),
        ("inclusion", "Signed consent"),
        ("exclusion", "Prior treatment:"),
        ("exclusion", "Pregnancy"),
        ("exclusion", "Smokers"),
        ("exclusion", "Any of: gout (in a flare); lupus"),
        ("exclusion", "Infection"),
    ]


def test_a_sub_list_nested_deeper_is_in_parentheses_after_its_item() -> None:
    text = (
        "Exclusion Criteria:\n"
        "1. Prior treatment with any of the following:\n"
        "   a) rituximab within 6 months\n"
        "   b) cyclophosphamide:\n"
        "      - intravenous within 3 months\n"
        "      - oral within 6 months, or\n"
        "      - any dose\n"
        "        * of the study drug\n"
        "   c) belimumab\n"
        "2. Pregnancy\n"
    )
    assert kinds_and_texts(text) == [
        (
            "exclusion",
            "Prior treatment with any of the following: rituximab within 6 months; cyclophosphamide: (intravenous "
            "within 3 months; oral within 6 months, or any dose (of the study drug)); belimumab",
        ),
        ("exclusion", "Pregnancy"),
    ]


def test_sub_bullets_after_blank_lines_and_wrapped_are_listed_too() -> None:
    text = (
        "Inclusion Criteria:\n\n"
        "* Active lupus nephritis, defined by any of the following\n\n"
        "  * proteinuria > 1 g/24h or a urine protein to creatinine\n"
        "    ratio > 1 g/g;\n\n"
        "    measured twice\n\n"
        "  * active urinary sediment.\n\n"
        "* Signed consent\n"
    )
    assert kinds_and_texts(text) == [
        (  # the parent ends without a colon: one is put before its items
            "inclusion",
            "Active lupus nephritis, defined by any of the following: proteinuria > 1 g/24h or a urine protein to "
            "creatinine ratio > 1 g/g; measured twice; active urinary sediment.",
        ),
        ("inclusion", "Signed consent"),
    ]


def test_an_indented_layout_keeps_its_levels_after_blank_lines() -> None:
    """The registry's older layout indents everything, a blank line between lines: a
    paragraph after a blank line was read as going on with the bullet above, as any
    indented line was, and an introduction and its list went into the last sub-bullet."""
    text = (
        "        Inclusion Criteria:\n\n"
        "          -  Age 18 or over\n\n"
        "             (at the screening visit)\n\n"  # indented under its bullet's text: goes on with it
        "          -  Lupus nephritis defined as:\n\n"
        "               -  class III\n\n"
        "               -  class IV or\n"
        "                  V\n\n"
        "             as shown by a biopsy\n\n"  # under the bullet, not its sub-bullet: an item of the bullet
        "        Patients must also have one of the following:\n\n"
        "          -  proteinuria\n\n"
        "          -  hematuria\n\n"
        "        Exclusion Criteria:\n\n"
        "        Patients with any of the following:\n\n"
        "          -  Pregnancy\n\n"
        "          -  Infection\n"
    )
    trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
    assert [(c.kind, c.text) for c in trial.criteria] == [
        ("inclusion", "Age 18 or over (at the screening visit)"),
        ("inclusion", "Lupus nephritis defined as: class III; class IV or V; as shown by a biopsy"),
        ("inclusion", "Patients must also have one of the following: proteinuria; hematuria"),
        ("exclusion", "Pregnancy"),
        ("exclusion", "Infection"),
    ]
    assert trial.notes[-1].text == "Patients with any of the following:"


@pytest.mark.parametrize(
    ("introduction", "noted"),
    [
        ("Patients must have one of the following:", True),
        ("Patients with any of:", True),
        ("At least 2 of the following are required:", True),
        ("Either of these, confirmed by biopsy:", True),
        ("One or more of:", True),
        ("Only patients who meet all of the following criteria are eligible:", False),
        ("Patients aged at least 18 who meet these criteria:", False),
    ],
)
def test_an_introduction_of_alternatives_before_the_inclusions_is_pointed_out(introduction: str, noted: bool) -> None:
    """Alone under its heading, an introduction stays a note and its bullets criteria each
    required: where its words offer a choice ("one of the following:"), nothing said so."""
    note = (
        "The note above may make the inclusions after it alternatives: each is imported as a criterion of its own, all "
        "of them required; if one of them is enough, write them as one criterion (`a or b`, `at least 1 of [a, b]`)."
    )
    for indent in ("", "  "):
        text = f"Inclusion Criteria:\n{introduction}\n{indent}- proteinuria\n{indent}- hematuria\n"
        trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
        assert [c.text for c in trial.criteria] == ["proteinuria", "hematuria"]
        assert [n.text for n in trial.notes[1:]] == [introduction, *([note] if noted else [])]
    # under the exclusions, each bullet excludes alone: as the words say
    excluded = trial_of(import_study(record(eligibilityCriteria=f"Exclusion Criteria:\n{introduction}\n- a\n"), "s"))
    assert [n.text for n in excluded.notes[1:]] == [introduction]
    # with no inclusion after it, there is nothing to point out
    alone = trial_of(
        import_study(record(eligibilityCriteria=f"Inclusion Criteria:\n* Adults\n\n{introduction}\n"), "s")
    )
    assert [n.text for n in alone.notes[1:]] == [introduction]


def test_a_parent_that_ends_in_punctuation_gets_no_colon_and_items_keep_theirs() -> None:
    text = "* Adequate organ function.\n  * ANC >= 1.5;\n  * platelets >= 100, and\n  * ALT <= 3 x ULN\n"
    assert [b.text for b in blocks_of(f"Inclusion Criteria:\n{text}")] == [
        "Adequate organ function. ANC >= 1.5; platelets >= 100, and ALT <= 3 x ULN"
    ]


def test_a_list_ends_at_a_line_indented_as_its_parent_or_at_a_heading() -> None:
    text = (
        "Inclusion Criteria:\n"
        "  * Adults with one of:\n"
        "    * lupus\n"
        "  * Signed consent\n"  # indented as the parent: a bullet of its own
        "    * in writing\n\n"
        "Patients may be re-screened once.\n"  # a paragraph ends the list
        "    * after 4 weeks\n"  # ... and a bullet indented under a paragraph is listed in it
        "Exclusion Criteria:\n"
        "    * Pregnancy\n"  # after a heading: no parent above it
    )
    assert kinds_and_texts(text) == [
        ("inclusion", "Adults with one of: lupus"),
        ("inclusion", "Signed consent: in writing"),
        ("inclusion", "Patients may be re-screened once. after 4 weeks"),
        ("exclusion", "Pregnancy"),
    ]


def test_a_sub_list_under_a_paragraph_that_ends_in_a_colon_is_one_criterion() -> None:
    """The paragraph was a note and its items criteria of their own: "one of the following"
    became all of them required, and the note said what the placeholders did not."""
    text = (
        "Inclusion Criteria:\n"
        "* Age 18 or over\n\n"
        "Patients must have one of the following:\n"
        "  - proteinuria > 1 g/24h\n"
        "  - active urinary sediment\n"
    )
    trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
    assert [(c.id, c.text) for c in trial.criteria] == [
        ("inclusion_1", "Age 18 or over"),
        ("inclusion_2", "Patients must have one of the following: proteinuria > 1 g/24h; active urinary sediment"),
    ]
    assert not any("following" in n.text for n in trial.notes)
    # first under its heading, with criteria after its list: one criterion too
    first = "Exclusion Criteria:\nPatients with any of:\n  - lupus\n  - gout\n- Pregnancy\n"
    assert kinds_and_texts(first) == [("exclusion", "Patients with any of: lupus; gout"), ("exclusion", "Pregnancy")]
    # a criterion still when its last item ends in a colon, as a paragraph introducing a list does
    colon = "Exclusion Criteria:\n- Pregnancy\n\nPatients with any of:\n  - lupus\n  - gout, defined as:\n"
    assert kinds_and_texts(colon) == [
        ("exclusion", "Pregnancy"),
        ("exclusion", "Patients with any of: lupus; gout, defined as:"),
    ]


def test_a_paragraph_that_introduces_all_its_heading_s_bullets_stays_a_note() -> None:
    """ "Patients with any of the following are not eligible:" before every exclusion, its
    bullets indented or not: each bullet is an exclusion of its own, as the words say."""
    for indent in ("", "  "):
        text = (
            "Inclusion Criteria:\n* Adults\n"
            "Exclusion Criteria:\n"
            "Patients with any of the following are not eligible:\n"
            f"{indent}- Pregnancy\n"
            f"{indent}- Prior treatment with:\n"
            f"{indent}  - rituximab\n"
            f"{indent}- Active infection\n"
        )
        trial = trial_of(import_study(record(eligibilityCriteria=text), "s.json"))
        assert [(c.id, c.text) for c in trial.criteria] == [
            ("inclusion_1", "Adults"),
            ("exclusion_1", "Pregnancy"),
            ("exclusion_2", "Prior treatment with: rituximab"),
            ("exclusion_3", "Active infection"),
        ]
        assert trial.notes[-1].text == "Patients with any of the following are not eligible:"


# ----- errors ---------------------------------------------------------------------------


def test_invalid_json() -> None:
    path = FIXTURES / "invalid.json"
    with pytest.raises(TrialogicError) as raised:
        import_study_file(path)
    (d,) = raised.value.diagnostics
    assert (d.file, d.line, d.column, d.code, d.message) == (
        str(path),
        5,
        7,
        "I001",
        "not valid JSON: Expecting ',' delimiter",
    )
    assert d.source_line == '      "briefTitle": "missing comma"'


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(TrialogicError) as raised:
        import_study_file(missing)
    assert [(d.code, d.line, d.message) for d in raised.value.diagnostics] == [
        ("I001", 0, "cannot read the file: No such file or directory")
    ]
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"a": "é"}'.encode("latin-1"))
    with pytest.raises(TrialogicError) as raised:
        import_study_file(latin1)
    assert [(d.code, d.message) for d in raised.value.diagnostics] == [
        ("I001", "cannot read the file: it is not UTF-8 text")
    ]


def test_not_a_study() -> None:
    path = FIXTURES / "not_a_study.json"
    with pytest.raises(TrialogicError) as raised:
        import_study_file(path)
    (d,) = raised.value.diagnostics
    assert (d.file, d.line, d.column, d.code, d.field, d.message) == (
        str(path),
        0,
        0,
        "I002",
        "protocolSection.identificationModule.nctId",
        "not a ClinicalTrials.gov API v2 study: protocolSection.identificationModule.nctId is missing",
    )


def test_a_search_response_or_a_bad_nct_id_is_not_a_study() -> None:
    field = "protocolSection.identificationModule.nctId"
    assert diagnostics({"studies": [record(), record()]}) == [
        (
            "I002",
            "not a ClinicalTrials.gov API v2 study but a search result with 2 studies; "
            "import one study (GET /api/v2/studies/NCT…)",
            field,
        )
    ]
    bad = record()
    bad["protocolSection"]["identificationModule"]["nctId"] = "nct123"
    assert diagnostics(bad) == [
        ("I002", 'not a ClinicalTrials.gov API v2 study: nctId "nct123" is not NCT and 8 digits', field)
    ]
    assert diagnostics([record()]) == [  # type: ignore[arg-type]
        ("I002", f"not a ClinicalTrials.gov API v2 study: {field} is missing", field)
    ]


def test_bad_age_string() -> None:
    path = FIXTURES / "bad_age.json"
    with pytest.raises(TrialogicError) as raised:
        import_study_file(path)
    (d,) = raised.value.diagnostics
    assert (d.file, d.line, d.column, d.code, d.field, d.message) == (
        str(path),
        0,
        0,
        "I003",
        f"{ELIGIBILITY}.minimumAge",
        'cannot read the age "eighteen": the registry writes a number and a unit, as in "18 Years"',
    )
    assert d.render() == (
        f"{path}: {ELIGIBILITY}.minimumAge: error[I003]: "
        'cannot read the age "eighteen": the registry writes a number and a unit, as in "18 Years"'
    )


def test_every_field_error_is_reported_at_once() -> None:
    assert diagnostics(record(minimumAge=18, maximumAge="12 Hours", sex="BOTH")) == [
        (
            "I003",
            'cannot read the age 18: the registry writes a number and a unit, as in "18 Years"',
            f"{ELIGIBILITY}.minimumAge",
        ),
        (
            "I004",
            'the age "12 Hours" is not a whole number of years, months, weeks or days, as the language needs',
            f"{ELIGIBILITY}.maximumAge",
        ),
        ("I003", 'cannot read the sex "BOTH": the registry writes ALL, FEMALE or MALE', f"{ELIGIBILITY}.sex"),
    ]
    assert diagnostics(record(maximumAge="2.5 Months"))[0][0] == "I004"
    assert diagnostics(record(minimumAge="18 Yrs"))[0][0] == "I003"


@pytest.mark.parametrize(
    ("bound", "value", "limit"),
    [("maximum", "200 Years", "150 years"), ("minimum", "1801 Months", "1800 months (150 years)")],
)
def test_an_age_older_than_anyone_is_refused_as_the_checker_would(bound: str, value: str, limit: str) -> None:
    assert diagnostics(record(**{f"{bound}Age": value})) == [
        ("I004", f'the age "{value}" is older than anyone; an age is at most {limit}', f"{ELIGIBILITY}.{bound}Age")
    ]


def test_the_oldest_age_the_checker_accepts_is_imported(tmp_path: Path) -> None:
    text = import_study(record(maximumAge="150 Years"), "s.json")
    assert expressions(text) == {"max_age": "age <= 150 years"}
    path = tmp_path / "s.tl"
    path.write_text(text, encoding="utf-8")
    assert [d for d in lint([path]) if d.severity == "error"] == []


# ----- the command ----------------------------------------------------------------------


def test_cli_prints_the_trial_file() -> None:
    study = FIXTURES / "NCT04318600.json"
    result = CliRunner().invoke(main, ["import", str(study)])
    assert result.exit_code == 0, result.output
    assert result.output == study.with_suffix(".tl").read_text(encoding="utf-8")


def test_cli_writes_the_trial_file(tmp_path: Path) -> None:
    study = FIXTURES / "NCT01539902.json"
    out = tmp_path / "NCT01539902.tl"
    result = CliRunner().invoke(main, ["import", str(study), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == study.with_suffix(".tl").read_text(encoding="utf-8")
    assert list(api.load_trials([out]).trials) == ["NCT01539902"]


def test_cli_cannot_write_into_a_missing_folder(tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "x.tl"
    result = CliRunner().invoke(main, ["import", str(FIXTURES / "NCT01539902.json"), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == (
        f"{out}: error[S002]: cannot write the --out file: No such file or directory "
        f"(does the folder {str(out.parent)!r} exist?)\n"
    )


def test_cli_writes_the_whole_file_or_leaves_the_one_there(tmp_path: Path, full_disk: Callable[[], None]) -> None:
    """The file was written in place: a disk that filled up mid-write left half a trial file
    where the earlier one was."""
    out = tmp_path / "NCT01539902.tl"
    out.write_text("# the author's edited skeleton\n", encoding="utf-8")
    full_disk()
    result = CliRunner().invoke(main, ["import", str(FIXTURES / "NCT01539902.json"), "--out", str(out)])
    assert result.exit_code == 1
    assert result.output == f"{out}: error[S002]: cannot write the --out file: No space left on device\n"
    assert out.read_text(encoding="utf-8") == "# the author's edited skeleton\n"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


@pytest.mark.parametrize(
    ("name", "code"), [("invalid.json", "I001"), ("not_a_study.json", "I002"), ("bad_age.json", "I003")]
)
def test_cli_exits_1_on_errors(name: str, code: str, tmp_path: Path) -> None:
    out = tmp_path / "out.tl"
    result = CliRunner().invoke(main, ["import", str(FIXTURES / name), "--out", str(out)])
    assert result.exit_code == 1
    assert f"error[{code}]" in result.output
    assert not out.exists()


def test_a_study_nested_too_deeply_is_i001_not_a_recursion_error(tmp_path: Path) -> None:
    study = tmp_path / "deep.json"
    study.write_text('{"protocolSection": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = CliRunner().invoke(main, ["import", str(study)])
    assert result.exit_code == 1
    assert f"{study}: error[I001]: not valid JSON: nested too deeply" in result.output


def _study(tmp_path: Path, eligibility: dict[str, Any]) -> Path:
    study = {"protocolSection": {"identificationModule": {"nctId": "NCT01234567", "briefTitle": "t"},
                                 "eligibilityModule": eligibility}}  # fmt: skip
    path = tmp_path / "study.json"
    path.write_text(json.dumps(study))  # ensure_ascii: a lone surrogate is written as its escape
    return path


def test_a_study_no_reader_or_terminal_takes_is_i001_not_a_traceback(tmp_path: Path) -> None:
    """Each was a traceback: a whole number past 4,300 digits anywhere, half a character
    (an escaped lone surrogate) in a sentence, an age with 5,000 digits."""
    digits = tmp_path / "digits.json"
    digits.write_text('{"x": ' + "1" * 5000 + "}")
    result = CliRunner().invoke(main, ["import", str(digits)])
    assert result.exit_code == 1
    assert f"{digits}: error[I001]: not valid JSON: Exceeds the limit (4300 digits)" in result.output
    half = _study(tmp_path, {"eligibilityCriteria": "Inclusion Criteria:\n\n* \ud800 x\n"})
    result = CliRunner().invoke(main, ["import", str(half)])
    assert result.exit_code == 1
    assert "error[I001]: not valid JSON text: it holds half a character ('\\ud800', a lone surrogate)" in result.output
    age = _study(
        tmp_path, {"eligibilityCriteria": "Inclusion Criteria:\n\n* x\n", "minimumAge": "1." + "0" * 5000 + " Years"}
    )
    result = CliRunner().invoke(main, ["import", str(age)])
    assert "protocolSection.eligibilityModule.minimumAge: error[I003]: cannot read the age" in result.output


def test_a_blank_brief_title_gives_way_to_the_official_title() -> None:
    data = record(minimumAge="18 Years")
    data["protocolSection"]["identificationModule"].update(briefTitle=" \n ", officialTitle="A Study of Something")
    assert trial_of(import_study(data, "s.json")).title == "A Study of Something"


@pytest.mark.parametrize(
    ("eligibility", "field", "message"),
    [
        (
            ["Inclusion Criteria: adults"],
            ELIGIBILITY,
            "the eligibility module is a list; the registry writes an object (eligibilityCriteria, sex, ages)",
        ),
        (
            {"minimumAge": "18 Years", "eligibilityCriteria": ["Exclusion Criteria:", "* pregnant"]},
            f"{ELIGIBILITY}.eligibilityCriteria",
            "eligibilityCriteria is a list; the registry writes it as one text (a JSON string)",
        ),
        (
            {"sex": "FEMALE", "genderBased": True, "genderDescription": {"text": "women"}},
            f"{ELIGIBILITY}.genderDescription",
            "genderDescription is a mapping; the registry writes it as one text (a JSON string)",
        ),
        (
            {"eligibilityCriteria": 5},
            f"{ELIGIBILITY}.eligibilityCriteria",
            "eligibilityCriteria is the number 5; the registry writes it as one text (a JSON string)",
        ),
    ],
)
def test_criteria_of_the_wrong_type_are_i003_not_a_skeleton_without_them(
    eligibility: Any, field: str, message: str
) -> None:
    """Read as no criteria, an age-only skeleton would make everyone of the right age eligible."""
    data = record()
    data["protocolSection"]["eligibilityModule"] = eligibility
    assert diagnostics(data) == [("I003", message, field)]


@pytest.mark.parametrize("nct_id", ["NCT0000000\u0661", "NCT\uff10\uff10\uff10\uff10\uff10\uff10\uff10\uff11"])
def test_an_nct_id_in_digits_of_another_script_is_i002(nct_id: str) -> None:
    """Python's \\d took them: the skeleton then failed to parse, reported as a syntax error at
    a line of the study file that the generated text had."""
    bad = record()
    bad["protocolSection"]["identificationModule"]["nctId"] = nct_id
    message = (
        f"not a ClinicalTrials.gov API v2 study: nctId {json.dumps(nct_id, ensure_ascii=False)} is not NCT and 8 digits"
    )
    assert diagnostics(bad) == [("I002", message, "protocolSection.identificationModule.nctId")]
