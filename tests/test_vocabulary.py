"""Unit conversion factors are found by pint once and then kept in the user cache."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from trialogic.resources import facts_dir
from trialogic.vocabulary import UnitError, load_vocabulary_from


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
