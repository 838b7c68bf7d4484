"""Unit conversion factors are found by pint once and then kept in the user cache."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest

from trialogic.resources import facts_dir
from trialogic.vocabulary import UnitError, load_vocabulary, load_vocabulary_from


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "trialogic" / "units"


def test_a_found_factor_is_reused_without_pint(cache: Path) -> None:
    first = load_vocabulary_from(facts_dir())
    creatinine = first.attribute("serum_creatinine")
    assert creatinine is not None
    assert first.to_canonical(creatinine, Fraction(3), "mg/dL") == Fraction(1326, 5)
    assert first._registry is not None  # pint found it
    assert len(list(cache.glob("*.json"))) == 1

    second = load_vocabulary_from(facts_dir())
    assert second.to_canonical(creatinine, Fraction(3), "mg/dL") == Fraction(1326, 5)
    assert second._registry is None  # the kept factor answered


def test_pint_keeps_its_own_cache_inside_trialogics(cache: Path) -> None:
    """Deleting `$XDG_CACHE_HOME/trialogic` (README) removes every cache trialogic made."""
    vocabulary = load_vocabulary_from(facts_dir())
    registry = vocabulary.registry
    assert registry.Quantity(1, "mg/dL").to("g/L").magnitude == Fraction(1, 100)
    assert Path(registry.cache_folder) == cache.parent / "pint"


def test_a_damaged_cache_is_ignored(cache: Path) -> None:
    load_vocabulary_from(facts_dir())
    cache.mkdir(parents=True, exist_ok=True)
    for entry in cache.glob("*.json"):
        entry.write_text("[[1, 2", encoding="utf-8")
    vocabulary = load_vocabulary_from(facts_dir())
    weight = vocabulary.attribute("weight")
    assert weight is not None
    assert vocabulary.to_canonical(weight, Fraction(1000), "g") == 1


def test_an_unknown_unit_is_still_refused_with_the_known_spellings(cache: Path) -> None:
    vocabulary = load_vocabulary_from(facts_dir())
    creatinine = vocabulary.attribute("serum_creatinine")
    assert creatinine is not None
    with pytest.raises(UnitError, match="unknown unit 'bananas'"):
        vocabulary.to_canonical(creatinine, Fraction(3), "bananas")
    assert not any(cache.glob("*.json"))  # nothing found, nothing kept


def test_an_unknown_unit_with_no_close_spelling_is_told_the_attributes_spellings(cache: Path) -> None:
    """Not the first 12 spellings of every unit in the alphabet (mostly cell counts)."""
    vocabulary = load_vocabulary_from(facts_dir())
    for name in ("serum_creatinine", "platelets", "weight"):
        attribute = vocabulary.attribute(name)
        assert attribute is not None
        with pytest.raises(UnitError) as refused:
            vocabulary.to_canonical(attribute, Fraction(3), "bananas")
        spellings = vocabulary.units_for(attribute)
        assert attribute.unit in spellings and len(spellings) < len(vocabulary.unit_aliases)
        assert str(refused.value) == f"unknown unit 'bananas' (spellings for {name} include {', '.join(spellings)})"
        for spelling in spellings:
            vocabulary.to_canonical(attribute, Fraction(3), spelling)


def test_the_greek_mu_reads_as_the_micro_sign(cache: Path) -> None:
    """µ (U+00B5) and μ (U+03BC) look the same: every spelling with one is read with the other
    (a record's `/μL` was refused, with a message suggesting `/µL`, which looks identical)."""
    vocabulary = load_vocabulary_from(facts_dir())
    micro = [spelling for spelling in vocabulary.unit_aliases if "\u00b5" in spelling]
    assert "/\u00b5L" in micro and "\u00b5mol/L" in micro
    for spelling in micro:
        greek = spelling.replace("\u00b5", "\u03bc")
        for attribute in vocabulary.attributes.values():
            try:
                expected = vocabulary.to_canonical(attribute, Fraction(7), spelling)
            except UnitError:
                continue
            assert vocabulary.to_canonical(attribute, Fraction(7), greek) == expected, (attribute.name, spelling)


def test_egfr_and_hba1c_are_attributes_with_their_own_units(tmp_path: Path) -> None:
    """Two thresholds common in lupus-nephritis trials: an eGFR in mL/min/1.73m2 (a plain
    mL/min, a clearance not scaled to body surface, is refused for it) and an HbA1c in %."""
    from trialogic import TrialogicError, api

    trial = tmp_path / "t.tl"
    trial.write_text(
        'trial NCT00000001 "t" {\n'
        '  include egfr "eGFR >= 30 mL/min/1.73m2": egfr >= 30 mL/min/1.73m2\n'
        '  include a1c "HbA1c below 7%": hba1c < 7 %\n'
        "}\n"
    )
    trials = api.load_trials([trial])
    statuses = []
    for egfr, a1c in [("29.5", "6.9"), ("30", "6.9"), ("30", "7")]:
        results = [{"attribute": "egfr", "value": egfr, "unit": "mL/min/1.73m^2", "date": "2026-11-01"}]
        results.append({"attribute": "hba1c", "value": a1c, "unit": "%", "date": "2026-11-01"})
        patient = api.read_patient({"id": "A1", "sex": "female", "birth_date": "1990-01-01", "measurements": results})
        (result,) = api.check([patient], trials, on=dt.date(2026, 11, 22))
        statuses.append(result.status)
    assert statuses == ["ineligible", "eligible", "ineligible"]

    trial.write_text(trial.read_text().replace("30 mL/min/1.73m2", "30 mL/min"))
    with pytest.raises(TrialogicError) as refused:
        api.load_trials([trial])
    ((diagnostic,),) = [refused.value.diagnostics]
    assert (diagnostic.code, diagnostic.line) == ("E102", 2)
    assert "'mL/min' cannot be converted to 'mL/min/1.73m2' for egfr" in diagnostic.message


def test_fix_offers_the_tests_that_give_egfr_and_hba1c(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from trialogic.cli import main

    trial = tmp_path / "t.tl"
    trial.write_text(
        'trial NCT00000001 "t" {\n  include egfr "e": egfr >= 30 mL/min/1.73m2\n  include a1c "a": hba1c < 7 %\n}\n'
    )
    patient = tmp_path / "p.yaml"
    patient.write_text("id: A1\nsex: female\nbirth_date: 1990-01-01\n")
    run = CliRunner().invoke(main, ["fix", str(patient), "--trials", str(trial), "--on", "2026-11-22"])
    assert "obtain a renal panel — assumed result: egfr 30 mL/min/1.73m2 (any ≥ 30)" in run.output, run.output
    assert "obtain a glycated hemoglobin test — assumed result: hba1c 6.9 % (any < 7)" in run.output, run.output


@pytest.mark.parametrize(
    ("unit", "value", "per_litre"),
    [
        ("10*9/L", "150", Fraction(150 * 10**9)),
        ("10^3/uL", "150", Fraction(150 * 10**9)),
        ("10^3/µL", "150", Fraction(150 * 10**9)),
        ("10*3/uL", "4.2", Fraction(42 * 10**8)),
        ("x10^3/uL", "4.2", Fraction(42 * 10**8)),
        ("10*12/L", "4.5", Fraction(45 * 10**11)),
        ("10^6/uL", "4.5", Fraction(45 * 10**11)),
        ("10*6/uL", "4.5", Fraction(45 * 10**11)),
        ("x10^6/uL", "4.5", Fraction(45 * 10**11)),
        ("10^6/µL", "4.5", Fraction(45 * 10**11)),
    ],
)
def test_ucum_and_per_microliter_spellings_of_counts(unit: str, value: str, per_litre: Fraction) -> None:
    """UCUM's 10*9/L (what FHIR labs send) and thousands or millions per µL read as the
    counts they are: compared with the same count written in x10^9/L."""
    vocabulary = load_vocabulary()
    platelets = vocabulary.attribute("platelets")
    assert platelets is not None and platelets.unit == "x10^9/L"
    assert vocabulary.to_canonical(platelets, Fraction(value), unit) == per_litre / 10**9
