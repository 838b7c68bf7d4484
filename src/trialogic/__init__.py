"""trialogic: clinical-trial eligibility written in a criteria language, decided by clingo.

>>> import trialogic
>>> trials = trialogic.load_trials()
>>> sorted(trials.trials)[:2]
['NCT01539902', 'NCT03580291']
"""

from .api import (
    CriterionExplanation,
    CriterionResult,
    Patient,
    Repair,
    TrialExplanation,
    TrialResult,
    TrialSet,
    check,
    fix,
    load_patients,
    load_trials,
    read_patient,
    why,
)
from .errors import Diagnostic, TrialogicError
from .render import to_json

__all__ = [
    "CriterionExplanation",
    "CriterionResult",
    "Diagnostic",
    "Patient",
    "Repair",
    "TrialExplanation",
    "TrialResult",
    "TrialSet",
    "TrialogicError",
    "check",
    "fix",
    "load_patients",
    "load_trials",
    "read_patient",
    "to_json",
    "why",
]
