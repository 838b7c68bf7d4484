"""Many what-ifs of one patient on one grounding (`trialogic whatif PATIENT --scenarios FILE`).

Every scenario changes the same record a little, so the variants share most of their
facts. Instead of grounding the rules once per variant, the scenarios that are checked
on the same date against the same trials (no --drop/--relax, or the same ones) are
grounded together, once: every fact of any variant (the unchanged record's included)
enters the program as an external atom, false by default, and each variant is solved
by making its own facts true and the others false. clingo's externals keep the meaning
exact: a stable model under an assignment is the stable model of the program with the
true externals as facts, so each answer is the one `check` gives the changed record.
All variants carry the same patient key, so a fact shared by several is one atom.

Scenarios with another date (`--later`) or other trial changes form their own groups,
one grounding each. The file format is in `trialogic.scenario_file`.

How the externals are declared matters. Atoms marked external through the backend
(`backend.add_external`) before the first `ground` lose rule instances in clingo 5.8.3:
from `v(1,10). v(2,20). u(1,5). u(2,5).` as such externals, all made true,

    new(D) :- v(D,_), v(D2,_), D < D2.    lat(D) :- v(D,_), not new(D).
    l(V) :- lat(D), v(D,V).    k(Y) :- lat(D), u(D,Y).    h :- l(X), k(Y).

grounds `h :- k(5), l(10).` but not `h :- k(5), l(20).`, so `h` is wrongly false (the
same happened to a ULN comparison in the seed trials). So each variant's facts go in
through the backend as facts `scenario_fact(F)`, and the program declares, per
predicate, `#external num(X0,X1,X2,X3) : scenario_fact(num(X0,X1,X2,X3)).`: the
grounder then treats the externals as input it knows about, and grounds every instance.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import clingo

from .api import TrialResult, TrialSet, read_patient, trial_results
from .errors import Diagnostic, TrialogicError
from .facts import patient_symbols, reference_symbols
from .patient import Patient
from .records import assessment_problems
from .scenario_file import Scenario, Where
from .solve import Answer, Solver
from .whatif import TRIAL_OPTIONS, Change, Flip, apply_changes, change_trials, compare, later_problem

KEY = clingo.Number(0)  # every variant is the same patient to clingo
DOMAIN = "scenario_fact"  # scenario_fact(F): F is a fact of some variant, an external atom
_NAME = re.compile(r"^[a-z][A-Za-z0-9_]*$")
T = TypeVar("T")


def external_directives(facts: Iterable[clingo.Symbol]) -> str:
    """One `#external` directive per predicate of the facts, over their DOMAIN wrappers.

    The facts themselves reach clingo only as symbols; this text holds predicate names
    (from `trialogic.facts`) and variables. Declared so, in the program, the externals
    are grounded like any input (atoms marked external through the backend lose rule
    instances: see the module docstring).

    >>> print(external_directives([clingo.Function("num", [clingo.Number(0), clingo.String("wbc")])]), end="")
    #external num(X0,X1) : scenario_fact(num(X0,X1)).
    """
    text = []
    for name, arity in sorted({(symbol.name, len(symbol.arguments)) for symbol in facts}):
        if not _NAME.match(name):
            raise ValueError(f"{name!r} is not a predicate name")
        variables = ",".join(f"X{i}" for i in range(arity))
        atom = f"{name}({variables})" if arity else name
        text.append(f"#external {atom} : {DOMAIN}({atom}).\n")
    return "".join(text)


def variant_facts(patient: Patient) -> list[clingo.Symbol]:
    """The facts of one variant of the record, under the key all variants share."""
    return list(patient_symbols(patient, KEY))


class SharedGrounding:
    """One grounding of the rules for several variants of one patient record.

    >>> from trialogic.api import load_trials
    >>> trials = load_trials()
    >>> young, adult = (read_patient({"id": "V", "birth_date": born}) for born in ("2015-01-01", "1990-01-01"))
    >>> variants = [variant_facts(young), variant_facts(adult)]
    >>> grounding = SharedGrounding(trials.solver(), variants, dt.date(2026, 11, 22))
    >>> [grounding.answer(i).status("NCT01539902", "age", "inclusion") for i in (0, 1, 0)]
    ['not_met', 'met', 'not_met']
    """

    def __init__(self, solver: Solver, variants: Sequence[Sequence[clingo.Symbol]], reference: dt.date):
        """`variants`: each variant's facts, from `variant_facts`."""
        union = list(dict.fromkeys(symbol for variant in variants for symbol in variant))
        self.control = clingo.Control(["--warn=none"])
        self.solver = solver
        self.control.add("base", [], solver.program + "\n" + external_directives(union))
        with self.control.backend() as backend:
            for symbol in (*solver.vocabulary_facts, *reference_symbols(reference, solver.windows)):
                backend.add_rule([backend.add_atom(symbol)])
            for symbol in union:
                backend.add_rule([backend.add_atom(clingo.Function(DOMAIN, [symbol]))])
        self.control.ground([("base", [])])
        atoms = self.control.symbolic_atoms
        literal = {symbol: atoms[symbol].literal for symbol in union}  # type: ignore[union-attr]
        self.facts = [frozenset(literal[symbol] for symbol in variant) for variant in variants]
        self.true: frozenset[int] = frozenset()  # the externals assigned true now
        self.externals = len(union)

    def answer(self, index: int) -> Answer:
        """Solve for variant `index`: its facts true, every other variant's false."""
        wanted = self.facts[index]
        for atom in self.true - wanted:
            self.control.assign_external(atom, False)
        for atom in wanted - self.true:
            self.control.assign_external(atom, True)
        self.true = wanted
        (answer,) = self.solver.read(self.solver.model(self.control), 1)
        return answer


def results(patient: Patient, answer: Answer, trials: TrialSet) -> list[TrialResult]:
    """The answer as `check` words it: trial by trial, every criterion with its status."""
    return trial_results(patient, answer, trials, {})


@dataclass(frozen=True)
class Outcome:
    """One scenario's answer: every trial before (the record as it is, on the reference
    date) and after (the changed record, on `checked_on`)."""

    scenario: Scenario
    checked_on: dt.date
    flips: list[Flip]


def run_scenarios(
    record: dict[str, Any],
    scenarios: Sequence[Scenario],
    trials: TrialSet,
    on: dt.date,
    source: str = "<input>",
    known: Sequence[Diagnostic] = (),
) -> list[Outcome]:
    """Every scenario applied to one record; each changed record and trial set is
    validated first, and every problem of every scenario (with the `known` ones of the
    file's malformed scenarios) is raised together.

    >>> from trialogic.api import load_trials
    >>> from trialogic.scenario_file import parse_scenarios
    >>> scenarios = parse_scenarios("- name: older\\n  changes: [--set weight=60kg, --later 2040-01-01]\\n")
    >>> (outcome,) = run_scenarios({"id": "S1", "birth_date": "2015-01-01"}, scenarios, load_trials(),
    ...                            dt.date(2026, 11, 22))
    >>> [(f.before.status, f.after.status) for f in outcome.flips if f.trial == "NCT01539902"]
    [('ineligible', 'undetermined')]
    """
    base_patient = read_patient(record, source, trials.vocabulary)
    assessed = assessment_problems(base_patient, trials)  # against the trials as loaded
    if assessed:
        raise TrialogicError(assessed)
    base = Variant(base_patient, variant_facts(base_patient))
    problems: list[Diagnostic] = list(known)
    changed_trials: dict[tuple[Change, ...], TrialSet] = {(): trials}
    groups: dict[tuple[dt.date, tuple[Change, ...]], list[tuple[int, Variant]]] = {(on, ()): []}
    for index, scenario in enumerate(scenarios):
        key = scenario.trial_changes
        late = later_problem(on, scenario.later)
        where = scenario.later_at or scenario.where  # the --later change itself, in a file
        if late and where is None:
            raise ValueError(f"scenario {scenario.name!r}: later: {late}")
        if late and where is not None:
            problems.append(where.diagnostic("W004", f"--later {late}"))
        try:
            if key not in changed_trials:
                changed_trials[key] = _changed_trials(trials, scenario)
        except TrialogicError as e:
            problems.extend(e.diagnostics)
        try:
            # an assessment is judged against the criteria as the scenario changes them
            patient = _changed_patient(record, scenario, changed_trials.get(key, trials), on, source)
        except TrialogicError as e:
            problems.extend(e.diagnostics)
            continue
        groups.setdefault((scenario.later or on, key), []).append((index, patient))
    if problems:
        raise TrialogicError(sorted(problems, key=lambda d: (d.file, d.line, d.column)))

    after: dict[int, list[TrialResult]] = {}
    before: list[TrialResult] = []
    for (date, key), members in groups.items():
        chosen = changed_trials[key]
        variants = [variant for _, variant in members]
        if (date, key) == (on, ()):
            variants.append(base)
        grounding = SharedGrounding(chosen.solver(), [variant.facts for variant in variants], date)
        for position, (index, variant) in enumerate(members):
            after[index] = results(variant.patient, grounding.answer(position), chosen)
        if (date, key) == (on, ()):
            before = results(base.patient, grounding.answer(len(members)), trials)
    return [
        Outcome(scenario, scenario.later or on, compare(before, after[index]))
        for index, scenario in enumerate(scenarios)
    ]


def _placed(where: Where, change: Change, problem: Diagnostic) -> Diagnostic:
    """A change's problem at the change's place in the file; one inside a relaxed expression
    (placed in it, `--relax T:C:1:19`) at its own column there, where the file holds the
    expression as written on the change's line."""
    target, _, expression = change.text.partition("=")
    column = where.column
    inside = change.option == "--relax" and problem.file == f"--relax {target}" and problem.line == 1
    start = where.source_line.find(expression, where.column - 1) if inside and where.source_line and expression else -1
    if start >= 0:
        column = start + problem.column
    return dataclasses.replace(where, column=column).diagnostic(problem.code, problem.message)


@dataclass(frozen=True)
class Variant:
    patient: Patient
    facts: list[clingo.Symbol]


def _changed_patient(record: dict[str, Any], scenario: Scenario, trials: TrialSet, on: dt.date, source: str) -> Variant:
    def apply(changes: list[Change]) -> Variant:
        changed = apply_changes(record, changes, trials, on)
        patient = read_patient(changed, f"{source} ({scenario.name})", trials.vocabulary)
        return Variant(patient, variant_facts(patient))  # facts too: a value too large fails here

    return _located(apply, scenario, patient_side=True)


def _changed_trials(trials: TrialSet, scenario: Scenario) -> TrialSet:
    return _located(lambda changes: change_trials(trials, changes), scenario, patient_side=False)


def _located(apply: Callable[[list[Change]], T], scenario: Scenario, patient_side: bool) -> T:
    """`apply` to the scenario's changes (one side of them). When that fails, the changes
    are applied again one at a time, each on top of those that went well: every change
    that fails is reported at its own place in the scenario file."""
    places = scenario.places if len(scenario.places) == len(scenario.changes) else (None,) * len(scenario.changes)
    chosen = [
        (change, place)
        for change, place in zip(scenario.changes, places, strict=True)
        if (change.option in TRIAL_OPTIONS) != patient_side
    ]
    try:
        return apply([change for change, _ in chosen])
    except TrialogicError as failed:
        problems: list[Diagnostic] = []
        kept: list[Change] = []
        for change, place in chosen:
            try:
                apply([*kept, change])
                kept.append(change)
            except TrialogicError as e:
                where = place or scenario.where
                if where is None:
                    raise
                problems.extend(_placed(where, change, d) for d in e.diagnostics)
        if not problems and scenario.where is not None:
            problems = [scenario.where.diagnostic(d.code, d.message) for d in failed.diagnostics]
        if not problems:
            raise
        raise TrialogicError(list(dict.fromkeys(problems))) from None
