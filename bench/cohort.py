"""A seeded synthetic cohort of lupus-nephritis patients, as records in the docs/patients.md format.

    python bench/cohort.py --n 1000 --seed 1 --out cohort.jsonl     # JSON lines, one record a line
    python bench/cohort.py --n 200 --validate 200                    # and check them with read_patient

`generate(n, seed, reference)` returns the record dicts. The same (n, seed, reference)
always gives the same records, and the first k records of a larger cohort are the k
records of a smaller one.

The distributions are plausible, not fitted to any data set: mostly women aged 20 to
50, creatinine lognormal around 1.0 mg/dL, labs in the units laboratories report
(mg/dL or µmol/L, /uL or x10^9/L, g/dL or g/L, ...), LN-regimen drug histories with
dose changes, a biopsy at diagnosis, the ACR 1997 findings when recorded, infections,
malignancy history, other autoimmune diseases, and missing data everywhere: 10-90 %
per lab and visit, most sections not declared complete.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import gc
import itertools
import json
import math
import random
import sys
import time
from pathlib import Path
from typing import Any

REFERENCE = dt.date(2026, 11, 22)
YEAR = 365.25

# ----- tables ----------------------------------------------------------------------

# The 11 ACR 1997 findings, with how often a lupus-nephritis patient has each.
ACR_FINDINGS = [
    ("malar_rash", 0.50),
    ("discoid_rash", 0.12),
    ("photosensitivity", 0.40),
    ("oral_ulcers", 0.35),
    ("nonerosive_arthritis", 0.60),
    ("serositis", 0.25),
    ("sle_renal_disorder", 0.95),
    ("sle_neurologic_disorder", 0.08),
    ("sle_hematologic_disorder", 0.50),
    ("sle_immunologic_disorder", 0.85),
    ("antinuclear_antibody_positive", 0.97),
]

# Other conditions: code, probability, timing.
#   chronic: started some time ago, still active
#   history: an episode some time in the past 15 years, mostly resolved
#   recent:  an episode in the past 3 months, often still active
OTHER_CONDITIONS = [
    ("hypertension", 0.35, "chronic"),
    ("refractory_lupus_nephritis", 0.10, "chronic"),
    ("secondary_sjogrens_syndrome", 0.08, "chronic"),
    ("rheumatoid_arthritis", 0.02, "chronic"),
    ("mixed_connective_tissue_disease", 0.01, "chronic"),
    ("systemic_sclerosis", 0.01, "chronic"),
    ("dermatomyositis", 0.005, "chronic"),
    ("immune_thrombocytopenia", 0.03, "chronic"),
    ("severe_anemia", 0.03, "recent"),
    ("diabetes_mellitus", 0.05, "chronic"),
    ("interstitial_lung_disease", 0.02, "chronic"),
    ("coronary_artery_disease", 0.01, "chronic"),
    ("cerebrovascular_disease", 0.01, "history"),
    ("peptic_ulcer_disease", 0.03, "history"),
    ("mental_disorder", 0.08, "chronic"),
    ("alcohol_use_disorder", 0.01, "history"),
    ("drug_use_disorder", 0.005, "history"),
    ("drug_allergy", 0.08, "chronic"),
    ("human_albumin_allergy", 0.003, "chronic"),
    ("herpes_zoster", 0.08, "history"),
    ("tuberculosis", 0.02, "history"),
    ("hepatitis_b", 0.03, "chronic"),
    ("hepatitis_c", 0.005, "chronic"),
    ("hiv_infection", 0.002, "chronic"),
    ("syphilis", 0.003, "history"),
    ("bacterial_infection", 0.12, "recent"),
    ("viral_infection", 0.08, "recent"),
    ("fungal_infection", 0.02, "recent"),
    ("onychomycosis", 0.03, "chronic"),
    ("recurrent_infection", 0.03, "chronic"),
    ("sepsis", 0.01, "recent"),
    ("basal_cell_carcinoma", 0.01, "history"),
    ("solid_tumor", 0.01, "history"),
    ("hematologic_malignancy", 0.004, "history"),
    ("benign_neoplasm", 0.02, "history"),
    ("membranous_nephropathy", 0.003, "chronic"),
    ("iga_nephropathy", 0.002, "chronic"),
]


class Weighted:
    """Draws one option with the given relative weights (faster than random.choices)."""

    def __init__(self, weights: dict[Any, float]):
        self.options = list(weights)
        self.cumulative = list(itertools.accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> Any:
        return self.options[bisect.bisect(self.cumulative, rng.random() * self.total)]


BIOPSY_CLASSES = Weighted({"I": 1, "II": 5, "III": 16, "IV": 34, "V": 15, "VI": 2, "III+V": 11, "IV+V": 16})
GRADE_ORDER = ["A", "B", "C", "D", "E"]
GRADES = Weighted({"A": 30, "B": 35, "C": 20, "D": 10, "E": 5})
CHEST_XRAY = Weighted({"normal": 93, "granulomatous_disease": 2, "other_abnormal": 5})
CONTRACEPTIVES = Weighted({"hormonal_contraceptive": 6, "intrauterine_contraceptive": 3, "barrier_contraceptive": 1})
EARLIER_VISITS = Weighted({0: 40, 1: 35, 2: 25})

# The units a patient's laboratory reports each analyte in (one laboratory per patient).
UNITS = {
    "serum_creatinine": Weighted({"mg/dL": 55, "umol/L": 30, "µmol/L": 15}),
    "wbc": Weighted({"/uL": 40, "x10^9/L": 40, "10^9/L": 10, "/mm3": 10}),
    "hemoglobin": Weighted({"g/dL": 60, "g/L": 40}),
    "platelets": Weighted({"x10^9/L": 55, "/uL": 35, "G/L": 10}),
    "alt": Weighted({"U/L": 70, "IU/L": 30}),
    "ast": Weighted({"U/L": 70, "IU/L": 30}),
    "total_bilirubin": Weighted({"mg/dL": 50, "umol/L": 40, "mg/L": 10}),
    "urine_protein_creatinine_ratio": Weighted({"mg/mg": 70, "g/g": 30}),
    "proteinuria_24h": Weighted({"g/24h": 60, "g/day": 40}),
}

# Per visit, the share of results that are missing.
MISSING = {
    "serum_creatinine": 0.10,
    "wbc": 0.12,
    "hemoglobin": 0.12,
    "platelets": 0.15,
    "alt": 0.20,
    "ast": 0.25,
    "total_bilirubin": 0.35,
    "urine_protein_creatinine_ratio": 0.25,
    "proteinuria_24h": 0.55,
    "urine_rbc": 0.40,
    "sledai_2k": 0.35,
    "bilag_renal": 0.65,
    "bilag_highest_grade": 0.70,
    "blood_pressure": 0.20,
    "weight": 0.25,
    "creatinine_clearance": 0.90,
}

# How often a record declares a section complete.
COMPLETE = {
    "drugs": 0.35,
    "conditions": 0.25,
    "procedures": 0.30,
    "vaccines": 0.20,
    "hospitalizations": 0.30,
    "trial_participations": 0.30,
    "consents": 0.40,
    "planned": 0.20,
}

# Explicit "never" entries a record may hold (kind, code); dropped when they contradict an entry.
NEGATIVES = [
    ("condition", "malignancy"),
    ("condition", "tuberculosis"),
    ("condition", "hiv_infection"),
    ("condition", "hepatitis_b"),
    ("condition", "hepatitis_c"),
    ("condition", "substance_use_disorder"),
    ("condition", "pregnancy"),
    ("condition", "peptic_ulcer_disease"),
    ("condition", "mental_disorder"),
    ("condition", "allergy"),
    ("drug", "investigational_product"),
    ("drug", "biologic"),
    ("drug", "rituximab"),
    ("procedure", "organ_transplantation"),
    ("procedure", "plasmapheresis"),
    ("vaccine", "live_vaccine"),
    ("hospitalization", "infection_hospitalization"),
    ("trial_participation", "clinical_trial"),
]

# Manual criteria of the seed trials an investigator may have assessed.
MANUAL_CRITERIA = [
    ("NCT01539902", "newly_diagnosed"),
    ("NCT01539902", "study_staff"),
    ("NCT01539902", "serious_condition"),
    ("NCT03580291", "organ_disease"),
    ("NCT04318600", "cardiovascular"),
    ("NCT04318600", "acute_disease"),
    ("NCT04318600", "infection"),
    ("NCT04318600", "mental_illness"),
    ("NCT04318600", "physician_judgement"),
    ("NCT05631717", "organ_disease"),
    ("NCT05631717", "infection"),
    ("NCT05631717", "surgery_planned"),
]


def _ancestors() -> dict[tuple[str, str], frozenset[str]]:
    """(kind, code) -> the code and every concept above it, from facts/concepts.yaml."""
    import yaml

    tables = yaml.safe_load((Path(__file__).resolve().parents[1] / "facts" / "concepts.yaml").read_text("utf-8"))
    result: dict[tuple[str, str], frozenset[str]] = {}
    for kind, table in tables.items():
        for code in table:
            seen, todo = {code}, [code]
            while todo:
                for parent in table.get(todo.pop()) or ():
                    if parent not in seen:
                        seen.add(parent)
                        todo.append(parent)
            result[(kind, code)] = frozenset(seen)
    return result


# ----- one record --------------------------------------------------------------------


class _Record:
    """Draws one patient. Dates are ordinals until written; nothing is dated after the reference."""

    def __init__(self, rng: random.Random, ref: int, iso: dict[int, str], ancestors: dict[Any, frozenset[str]]):
        self.rng = rng
        self.ref = ref
        self.iso = iso
        self.ancestors = ancestors

    def day(self, ordinal: float) -> str:
        return self.iso[min(int(ordinal), self.ref)]

    def between(self, low: float, high: float) -> int:
        low, high = int(low), int(min(high, self.ref))
        return high if high <= low else self.rng.randint(low, high)

    def ago(self, mean_days: float) -> int:
        """A day some time back from the reference, exponentially distributed."""
        return self.ref - int(self.rng.expovariate(1 / mean_days))

    # ----- interval entries ----------------------------------------------------

    def interval(self, code: str, start: int, length: float | None, ended: str, unknown_end: float = 0.1) -> dict:
        """An interval entry; `length` None means still open. `ended` is resolved / stopped."""
        entry: dict[str, Any] = {"code": code, "start": self.iso[min(start, self.ref)]}
        if length is None:
            return entry
        end = start + max(0, int(length))
        if end > self.ref:
            return entry  # not over yet
        if self.rng.random() < unknown_end:
            entry["status"] = ended
        else:
            entry["end"] = self.iso[end]
            if self.rng.random() < 0.3:
                entry["status"] = ended
        return entry

    def build(self, index: int, prefix: str) -> dict[str, Any]:
        rng, ref = self.rng, self.ref
        r = rng.random
        record: dict[str, Any] = {"id": f"{prefix}{index + 1:06d}"}

        # Demographics: mostly women aged 20 to 50.
        age = rng.gauss(34, 8) if r() < 0.85 else rng.uniform(14, 76)
        age = min(75.95, max(14.02, age))
        birth = ref - int(age * YEAR)
        female = r() < 0.9
        if r() > 0.01:
            record["birth_date"] = self.iso[birth]
        if r() > 0.01:
            record["sex"] = "female" if female else "male"
        adult = birth + int(12 * YEAR)

        # Disease timeline: SLE, then lupus nephritis a few years later.
        ln_dx = max(adult, ref - int(YEAR * rng.lognormvariate(math.log(3), 1.0)))
        sle_dx = max(birth + int(8 * YEAR), ln_dx - int(YEAR * rng.expovariate(1 / 2)))
        recent = ref - ln_dx < 180

        conditions: list[dict[str, Any]] = []
        if r() < 0.7:
            conditions.append({"code": "systemic_lupus_erythematosus", "start": self.iso[sle_dx]})
        if r() < 0.95:
            if r() < 0.85:
                conditions.append({"code": "lupus_nephritis", "start": self.iso[ln_dx]})
            else:
                conditions.append(self.interval("lupus_nephritis", ln_dx, r() * (ref - ln_dx), "resolved", 0.3))
        if r() < 0.75:  # the ACR findings are recorded
            for code, p in ACR_FINDINGS:
                if r() < p:
                    start = self.between(sle_dx - 365, sle_dx + 60)
                    conditions.append(
                        self.interval(code, start, None if r() < 0.7 else rng.uniform(30, 900), "resolved")
                    )
        for code, p, timing in OTHER_CONDITIONS:
            if r() >= p:
                continue
            if timing == "chronic":
                conditions.append({"code": code, "start": self.iso[self.between(adult, ref - 10)]})
            elif timing == "history":
                start = self.between(max(adult, ref - 15 * YEAR), ref)
                conditions.append(self.interval(code, start, rng.uniform(7, 200), "resolved", 0.2))
            else:
                conditions.append(self.interval(code, self.ago(45), rng.uniform(5, 40), "resolved", 0.1))
        mmf_trouble = r()
        fertile_age = female and 14 <= age < 50
        if fertile_age and r() < 0.02:
            conditions.append({"code": "pregnancy", "start": self.iso[self.ago(60)]})
        elif fertile_age and r() < 0.01:
            conditions.append({"code": "lactation", "start": self.iso[self.ago(90)]})
        if female and age >= 42 and r() < min(0.9, (age - 42) / 12):
            onset = self.between(birth + 40 * YEAR, min(birth + 56 * YEAR, ref))
            conditions.append({"code": "menopause", "start": self.iso[onset]})

        # Drugs: a lupus-nephritis regimen, dated from the diagnosis.
        drugs: list[dict[str, Any]] = []

        def drug(code: str, start: int, length: float | None, changes: int = 0) -> None:
            entry = self.interval(code, start, length, "stopped")
            if changes:
                last = ref if "end" not in entry and "status" not in entry else start + int(length or 0)
                dates = sorted({self.between(start + 1, last) for _ in range(changes)} - {start})
                if dates:
                    entry["dose_changes"] = [self.iso[min(d, ref)] for d in dates]
            drugs.append(entry)

        since_ln = ref - ln_dx
        if r() < 0.85:
            drug(
                "hydroxychloroquine",
                self.between(sle_dx, sle_dx + 60),
                None if r() < 0.85 else r() * since_ln,
                rng.randint(0, 2),
            )
        if r() < 0.80:
            drug("prednisone", ln_dx, None if r() < 0.8 else r() * since_ln, rng.randint(1, 6))
        if r() < 0.20:
            drug("methylprednisolone", self.between(ln_dx, ref), 3)
        took_mmf = r() < 0.60
        if took_mmf:
            drug(
                "mycophenolate_mofetil",
                self.between(ln_dx, ln_dx + 30),
                None if r() < 0.7 else r() * since_ln,
                rng.randint(0, 3),
            )
            if mmf_trouble < 0.12:
                conditions.append({"code": "mmf_nonresponse", "start": self.iso[self.between(ln_dx + 180, ref)]})
            elif mmf_trouble < 0.18:
                conditions.append({"code": "mmf_intolerance", "start": self.iso[self.between(ln_dx + 14, ref)]})
        if r() < 0.20:
            drug("cyclophosphamide", ln_dx, rng.choice((90, 180)), rng.randint(0, 2))
        if r() < 0.20:
            drug("tacrolimus", self.between(ln_dx, ref), None if r() < 0.7 else rng.uniform(60, 900), rng.randint(0, 3))
        if r() < 0.03:
            drug("voclosporin", self.between(ln_dx, ref), None, rng.randint(0, 1))
        if r() < 0.10:
            drug(
                "azathioprine",
                self.between(ln_dx + 180, ref),
                None if r() < 0.6 else rng.uniform(90, 900),
                rng.randint(0, 2),
            )
        if r() < 0.10:
            drug("rituximab", self.between(ln_dx, ref), 14)
        if r() < 0.12:
            drug("belimumab", self.between(ln_dx, ref), None if r() < 0.8 else rng.uniform(90, 700))
        if r() < 0.01:
            drug(
                rng.choice(("anifrolumab", "tocilizumab", "tofacitinib", "obinutuzumab")),
                self.between(ln_dx, ref),
                None,
            )
        if fertile_age and r() < 0.30:
            code = CONTRACEPTIVES.draw(rng)
            drug(code, self.between(adult, ref), None if r() < 0.85 else rng.uniform(30, 2000))
        if r() < 0.04:
            drug("intravenous_antimicrobial", self.ago(60), rng.uniform(3, 14))
        if r() < 0.08:
            drug("antimicrobial", self.ago(120), rng.uniform(5, 14))
        if r() < 0.01:
            drug("investigational_product", self.ago(200), rng.uniform(30, 180))

        # Point events.
        procedures: list[dict[str, Any]] = []
        biopsies = [ln_dx] if r() < 0.85 else []
        if r() < 0.25:
            biopsies.append(self.ago(120))
        biopsies = sorted(set(biopsies))
        procedures += [{"code": "renal_biopsy", "date": self.iso[d]} for d in biopsies if r() < 0.9]
        if r() < 0.04:
            procedures.append({"code": "major_surgery", "date": self.iso[self.between(adult, ref)]})
        if female and age > 40 and r() < 0.04:
            procedures.append(
                {
                    "code": rng.choice(("hysterectomy", "bilateral_oophorectomy")),
                    "date": self.iso[self.between(birth + 35 * YEAR, ref)],
                }
            )
        if female and age > 28 and r() < 0.04:
            procedures.append({"code": "tubal_ligation", "date": self.iso[self.between(birth + 25 * YEAR, ref)]})
        if not female and age > 30 and r() < 0.05:
            procedures.append({"code": "vasectomy", "date": self.iso[self.between(birth + 28 * YEAR, ref)]})
        if r() < 0.005:
            procedures.append({"code": "kidney_transplantation", "date": self.iso[self.between(ln_dx, ref)]})
        if r() < 0.01:
            procedures.append(
                {"code": rng.choice(("plasmapheresis", "immunoadsorption")), "date": self.iso[self.ago(150)]}
            )

        vaccines: list[dict[str, Any]] = []
        if r() < 0.20:
            vaccines.append({"code": "bcg_vaccine", "date": self.iso[birth + 30]})
        if r() < 0.12:
            vaccines.append({"code": "recombinant_zoster_vaccine", "date": self.iso[self.ago(400)]})
        if r() < 0.03:
            code = rng.choice(
                (
                    "live_zoster_vaccine",
                    "mmr_vaccine",
                    "varicella_vaccine",
                    "yellow_fever_vaccine",
                    "live_attenuated_influenza_vaccine",
                )
            )
            vaccines.append({"code": code, "date": self.iso[self.ago(300)]})

        hospitalizations: list[dict[str, Any]] = []
        if r() < 0.06:
            hospitalizations.append(
                self.interval("infection_hospitalization", self.ago(120), rng.uniform(2, 14), "stopped", 0.05)
            )
        if r() < 0.15:
            hospitalizations.append(
                self.interval("hospitalization_any", self.between(ln_dx, ref), rng.uniform(2, 20), "stopped", 0.05)
            )

        participations: list[dict[str, Any]] = []
        if r() < 0.07:
            code = "investigational_product_trial" if r() < 0.4 else "clinical_trial"
            participations.append(self.interval(code, self.ago(500), rng.uniform(90, 720), "stopped", 0.1))

        consents: list[dict[str, Any]] = []
        if r() < 0.45:
            consents.append({"code": "informed_consent", "date": self.iso[self.ago(20)]})
        if (fertile_age and r() < 0.30) or (not female and r() < 0.10):
            consents.append({"code": "contraception_agreement", "date": self.iso[self.ago(20)]})

        planned: list[dict[str, Any]] = []
        if r() < 0.03:
            entry: dict[str, Any] = {"kind": "procedure", "code": "major_surgery"}
            if r() < 0.6:
                entry["date"] = dt.date.fromordinal(ref + rng.randint(14, 200)).isoformat()
            planned.append(entry)
        if r() < 0.01:
            planned.append(
                {
                    "kind": "vaccine",
                    "code": rng.choice(("live_zoster_vaccine", "mmr_vaccine", "recombinant_zoster_vaccine")),
                }
            )

        assessments: list[dict[str, Any]] = []
        if r() < 0.15:
            for trial, criterion in rng.sample(MANUAL_CRITERIA, rng.randint(1, 4)):
                met = recent if criterion == "newly_diagnosed" else r() < 0.2
                assessments.append(
                    {
                        "trial": trial,
                        "criterion": criterion,
                        "result": "met" if met else "not_met",
                        "date": self.iso[self.ago(15)],
                    }
                )

        record["measurements"] = self.measurements(female, age, ln_dx, biopsies, fertile_age, conditions)

        for key, entries in (
            ("conditions", conditions),
            ("drugs", drugs),
            ("procedures", procedures),
            ("vaccines", vaccines),
            ("hospitalizations", hospitalizations),
            ("trial_participations", participations),
            ("consents", consents),
            ("planned", planned),
            ("assessments", assessments),
        ):
            if entries:
                record[key] = entries

        if r() < 0.35:
            recorded: dict[str, set[str]] = {}
            for kind, entries in (
                ("condition", conditions),
                ("drug", drugs),
                ("procedure", procedures),
                ("vaccine", vaccines),
                ("hospitalization", hospitalizations),
                ("trial_participation", participations),
            ):
                recorded[kind] = set().union(*(self.ancestors[(kind, e["code"])] for e in entries))
            negatives = [
                {"kind": kind, "code": code}
                for kind, code in rng.sample(NEGATIVES, rng.randint(1, 6))
                if code not in recorded[kind]
            ]
            if negatives:
                record["negatives"] = negatives
        complete = [section for section, p in COMPLETE.items() if r() < p]
        if complete:
            record["complete"] = complete
        return record

    # ----- measurements --------------------------------------------------------

    def measurements(
        self, female: bool, age: float, ln_dx: int, biopsies: list[int], fertile_age: bool, conditions: list[dict]
    ) -> list[dict[str, Any]]:
        rng, r, iso = self.rng, self.rng.random, self.iso
        hypertensive = any(c["code"] == "hypertension" for c in conditions)
        pregnant = any(c["code"] == "pregnancy" for c in conditions)
        out: list[dict[str, Any]] = []

        # Patient-level baselines; each visit adds a little noise.
        creatinine = rng.lognormvariate(0, 0.45)  # mg/dL, median 1.0
        wbc = rng.lognormvariate(math.log(5.8), 0.4)  # x10^9/L
        hb = rng.gauss(11.3 if female else 12.6, 1.6)  # g/dL
        plt = rng.gauss(240, 80)  # x10^9/L
        alt = rng.lognormvariate(math.log(20), 0.55)  # U/L
        ast_ = rng.lognormvariate(math.log(22), 0.5)
        bili = rng.lognormvariate(math.log(0.5), 0.45)  # mg/dL
        upcr = rng.lognormvariate(math.log(1.4), 0.9)  # mg/mg
        sledai = max(0, round(rng.gauss(9, 5)))
        weight = rng.gauss(64 if female else 75, 13)
        systolic = rng.gauss(124 + 12 * hypertensive, 15)
        diastolic = rng.gauss(79 + 6 * hypertensive, 9)
        lab_uln = r()  # how this patient's laboratory reports normal ranges
        units = {attribute: weighted.draw(rng) for attribute, weighted in UNITS.items()}

        # 1 to 3 visits, the latest a few weeks back.
        visits = [self.ago(30)]
        for _ in range(EARLIER_VISITS.draw(rng)):
            visits.append(visits[-1] - rng.randint(21, 120))

        def noisy(x: float, sd: float = 0.08) -> float:
            return x * rng.lognormvariate(0, sd)

        def add(attribute: str, value: Any, unit: str | None, day: int, **extra: Any) -> None:
            entry: dict[str, Any] = {"attribute": attribute, "value": value, "date": iso[day]}
            if unit:
                entry["unit"] = unit
            entry.update(extra)
            out.append(entry)

        def uln(default: float) -> dict[str, Any]:
            if lab_uln < 0.45:
                return {"uln": default}
            if lab_uln < 0.70:
                return {"reference_range": [7 if default >= 35 else 0, default]}
            return {}

        for day in visits:
            miss = MISSING
            if r() > miss["serum_creatinine"]:
                value = min(12.0, max(0.3, noisy(creatinine)))
                u = units["serum_creatinine"]
                add("serum_creatinine", round(value, 2) if u == "mg/dL" else round(value * 88.4), u, day)
            if r() > miss["wbc"]:
                value = min(40.0, max(0.5, noisy(wbc, 0.15)))
                u = units["wbc"]
                add("wbc", int(round(value * 1000, -1)) if u in ("/uL", "/mm3") else round(value, 2), u, day)
            if r() > miss["hemoglobin"]:
                value = min(18.0, max(4.5, hb + rng.gauss(0, 0.5)))
                u = units["hemoglobin"]
                add("hemoglobin", round(value, 1) if u == "g/dL" else round(value * 10), u, day)
            if r() > miss["platelets"]:
                value = min(800.0, max(8.0, plt + rng.gauss(0, 20)))
                u = units["platelets"]
                add("platelets", round(value) * 1000 if u == "/uL" else round(value), u, day)
            if r() > miss["alt"]:
                add(
                    "alt", round(min(2000.0, max(3.0, noisy(alt, 0.2)))), units["alt"], day, **uln(35 if female else 40)
                )
            if r() > miss["ast"]:
                add(
                    "ast",
                    round(min(2000.0, max(5.0, noisy(ast_, 0.2)))),
                    units["ast"],
                    day,
                    **uln(32 if female else 40),
                )
            if r() > miss["total_bilirubin"]:
                value = min(20.0, max(0.1, noisy(bili, 0.15)))
                u = units["total_bilirubin"]
                number = {"mg/dL": round(value, 2), "umol/L": round(value / 0.0585, 1), "mg/L": round(value * 10, 1)}[u]
                add("total_bilirubin", number, u, day)
            protein = min(15.0, max(0.03, noisy(upcr, 0.25)))
            if r() > miss["urine_protein_creatinine_ratio"]:
                add("urine_protein_creatinine_ratio", round(protein, 2), units["urine_protein_creatinine_ratio"], day)
            if r() > miss["proteinuria_24h"]:
                add("proteinuria_24h", round(min(20.0, noisy(protein, 0.2)), 2), units["proteinuria_24h"], day)
            if r() > miss["urine_rbc"]:
                add("urine_rbc", min(500, int(rng.lognormvariate(math.log(6), 1.1))), "/HPF", day)
            if r() > miss["sledai_2k"]:
                add("sledai_2k", max(0, sledai + rng.choice((-2, 0, 0, 2))), None, day)
            renal = GRADES.draw(rng)
            if r() > miss["bilag_renal"]:
                add("bilag_renal", renal, None, day)
            if r() > miss["bilag_highest_grade"]:
                add(
                    "bilag_highest_grade",
                    renal if r() < 0.6 else GRADE_ORDER[rng.randint(0, GRADE_ORDER.index(renal))],
                    None,
                    day,
                )
            if r() > miss["blood_pressure"]:
                s = min(230, max(80, round(systolic + rng.gauss(0, 8))))
                d = min(s - 20, 140, max(45, round(diastolic + rng.gauss(0, 6))))
                add("blood_pressure", f"{s}/{d}", "mmHg", day)
            if r() > miss["weight"]:
                add("weight", round(min(160.0, max(35.0, weight + rng.gauss(0, 1))), 1), "kg", day)
            if r() > miss["creatinine_clearance"]:
                add("creatinine_clearance", round(min(200.0, max(5.0, rng.gauss(85, 30)))), "mL/min", day)

        # Renal biopsies: class and, often, the share of glomeruli with each lesion.
        for day in biopsies:
            add("biopsy_class", BIOPSY_CLASSES.draw(rng), None, day)
            if r() < 0.6:
                add("glomerular_sclerosis_percent", min(100, int(rng.expovariate(1 / 12))), "%", day)
                add("cellular_crescents_percent", min(100, int(rng.expovariate(1 / 8))), "%", day)
                add("glomerular_necrosis_percent", min(100, int(rng.expovariate(1 / 5))), "%", day)
                add("glomerular_microthrombi_percent", min(100, int(rng.expovariate(1 / 3))), "%", day)

        # Tests done at screening.
        if fertile_age:
            result = "positive" if pregnant or r() < 0.01 else "negative"
            if r() < 0.45:
                add("urine_pregnancy_test", result, None, self.ago(20))
            if r() < 0.20:
                add("serum_pregnancy_test", result, None, self.ago(20))
        if r() < 0.10:
            add("tumor_markers", "abnormal" if r() < 0.1 else "normal", None, self.ago(90))
        if r() < 0.35:
            add("chest_xray", CHEST_XRAY.draw(rng), None, self.ago(120))
        return out


# ----- the cohort --------------------------------------------------------------------

_ANCESTORS: dict[tuple[str, str], frozenset[str]] | None = None


def generate(n: int, seed: int, reference: dt.date = REFERENCE) -> list[dict[str, Any]]:
    """`n` patient records (dicts in the docs/patients.md format), the same for the same seed."""
    global _ANCESTORS
    if _ANCESTORS is None:
        _ANCESTORS = _ancestors()
    ref = reference.toordinal()
    first = ref - int(100 * YEAR)
    iso = {d: dt.date.fromordinal(d).isoformat() for d in range(first, ref + 1)}
    rng = random.Random(seed)
    drawer = _Record(rng, ref, iso, _ANCESTORS)
    collecting = gc.isenabled()
    gc.disable()  # millions of small dicts, none of them cyclic: the collector only slows us down
    try:
        return [drawer.build(i, f"S{seed}-") for i in range(n)]
    finally:
        if collecting:
            gc.enable()


def validate(records: list[dict[str, Any]]) -> int:
    """Read every record with trialogic.read_patient; raise on the first that fails. Returns the count."""
    import trialogic
    from trialogic.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    for record in records:
        trialogic.read_patient(record, record["id"], vocabulary)
    return len(records)


def summary(records: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """A few figures to see the cohort looks like what it claims to be."""
    n = len(records)
    female = sum(r.get("sex") == "female" for r in records)
    ages = sorted(
        (REFERENCE - dt.date.fromisoformat(r["birth_date"])).days / YEAR for r in records if "birth_date" in r
    )
    creat = sorted(
        m["value"] * (1 if m["unit"] == "mg/dL" else 1 / 88.4)
        for r in records
        for m in r.get("measurements", ())
        if m["attribute"] == "serum_creatinine"
    )

    def share(key: str) -> str:
        return f"{100 * sum(key in r for r in records) / n:.0f} %"

    def mean(section: str) -> str:
        return f"{sum(len(r.get(section, ())) for r in records) / n:.1f}"

    return [
        ("records", f"{n}"),
        ("female", f"{100 * female / n:.1f} %"),
        ("age 10/50/90th percentile", " / ".join(f"{ages[int(q * (len(ages) - 1))]:.0f}" for q in (0.1, 0.5, 0.9))),
        ("aged 20-50", f"{100 * sum(20 <= a < 50 for a in ages) / len(ages):.0f} %"),
        ("creatinine median (mg/dL)", f"{creat[len(creat) // 2]:.2f}" if creat else "-"),
        ("measurements per record", mean("measurements")),
        ("conditions per record", mean("conditions")),
        ("drugs per record", mean("drugs")),
        ("with negatives", share("negatives")),
        ("complete sections per record", mean("complete")),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=1000, help="number of records (default 1000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--on", type=dt.date.fromisoformat, default=REFERENCE, help="reference date (default 2026-11-22)"
    )
    parser.add_argument("--out", type=Path, help="write JSON lines here")
    parser.add_argument(
        "--validate",
        type=int,
        default=1000,
        metavar="K",
        help="read the first K records with trialogic.read_patient (default 1000; 0: none)",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    records = generate(args.n, args.seed, args.on)
    elapsed = time.perf_counter() - start
    rows = [("generated in", f"{elapsed:.2f} s ({args.n / elapsed:,.0f} records/s)"), *summary(records)]
    if args.out:
        with args.out.open("w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        rows.append(("written to", str(args.out)))
    if args.validate:
        rows.append(
            ("read_patient accepted", f"{validate(records[: args.validate])} of the first {min(args.validate, args.n)}")
        )
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    sys.exit(main())
