"""Why a patient is or is not eligible: the solver's trace, rendered criterion by criterion.

The solver decides and names the facts it used (`rules/explain.lp`); this module only
puts them into words, next to the trial's sentence and the criterion as written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

import clingo

from . import ast
from .compiler import CompiledTrial
from .dates import before_text, window_start
from .format import number, operand_source, source
from .patient import GRAIN, SECTION_OF_KIND, Measurement, Patient
from .solve import Trace
from .vocabulary import Vocabulary

TRUTH = {True: "true", False: "false", None: "unknown"}
NEGATED_OP = {">": "not >", ">=": "not ≥", "<": "not <", "<=": "not ≤", "=": "not =", "!=": "not ≠"}
SHOWN_OP = {">": ">", ">=": "≥", "<": "<", "<=": "≤", "=": "=", "!=": "≠"}


@dataclass(frozen=True)
class Fact:
    """One piece of evidence, or one missing fact: a sentence and its structured details."""

    text: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    """One sub-expression of a criterion with its truth and what decided it."""

    written: str
    truth: str  # "true" | "false" | "unknown"
    evidence: tuple[Fact, ...] = ()
    missing: tuple[Fact, ...] = ()
    parts: tuple[Part, ...] = ()
    summary: str | None = None

    def all_evidence(self) -> list[Fact]:
        """The facts that decided it and its parts, each once (`age >= 18 years and age <= 65
        years` cites the age twice), in order."""
        return _once(self.evidence, [p.all_evidence() for p in self.parts])

    def all_missing(self) -> list[Fact]:
        return _once(self.missing, [p.all_missing() for p in self.parts])


def _once(own: tuple[Fact, ...], below: list[list[Fact]]) -> list[Fact]:
    seen: list[Fact] = []
    for fact in [*own, *(f for facts in below for f in facts)]:
        if fact not in seen:
            seen.append(fact)
    return seen


def what_matters(part: Part) -> Part:
    """The part with only the missing facts that could change its truth: none below a decided
    part (a met inclusion needs nothing; an `or` one true operand settles asks nothing of the
    others), those of its unknown parts below an unknown one."""
    if part.truth != "unknown":
        return _without_missing(part)
    return replace(part, parts=tuple(what_matters(p) for p in part.parts))


def _without_missing(part: Part) -> Part:
    return replace(part, missing=(), parts=tuple(_without_missing(p) for p in part.parts))


@dataclass(frozen=True)
class CriterionExplanation:
    id: str
    kind: str
    status: str
    text: str
    written: str
    part: Part

    @property
    def blocks(self) -> bool:
        return (self.kind == "inclusion" and self.status == "not_met") or (
            self.kind == "exclusion" and self.status == "met"
        )


@dataclass(frozen=True)
class TrialExplanation:
    patient: str
    trial: str
    title: str
    status: str
    criteria: tuple[CriterionExplanation, ...]


def decimal_text(value: Fraction) -> str:
    """Exact when the fraction is a terminating decimal, else rounded to 2 places."""
    denominator = value.denominator
    while denominator % 2 == 0:
        denominator //= 2
    while denominator % 5 == 0:
        denominator //= 5
    if denominator == 1:
        text = format(Decimal(value.numerator) / Decimal(value.denominator), "f")
        return text.rstrip("0").rstrip(".") if "." in text else text
    return f"≈{float(value):.2f}"


def ordinal_date(symbol: clingo.Symbol) -> dt.date:
    return dt.date.fromordinal(symbol.number)


COCKCROFT_GAULT_INPUTS = ("serum_creatinine", "weight", "age", "sex")


def shown_order(symbol: clingo.Symbol) -> int:
    """Where a line goes among a leaf's, whatever order the solver gives: a clearance computed
    by Cockcroft–Gault, then its inputs in a fixed order (creatinine, weight, age, sex:
    evidence, or missing with a measured clearance in their place), then the measured
    clearance a newer creatinine set aside; after the entries, the dose changes that show an
    entry ended on an unknown date was still taken (`taken`, never with a clearance). Other
    lines come first, in the solver's order."""
    if symbol.name in ("computed", "taken"):
        return 1
    if symbol.name in ("derived", "either"):
        input_ = symbol.arguments[0]
        if input_.type == clingo.SymbolType.String:
            name = input_.string
        elif input_.name == "result":  # what is missing: a result, the birth date (the age), the sex
            name = input_.arguments[0].string
        else:
            name = "sex" if input_.name == "sex" else "age"
        return 2 + COCKCROFT_GAULT_INPUTS.index(name)
    if symbol.name == "superseded":
        return 2 + len(COCKCROFT_GAULT_INPUTS)
    return 0


class Narrator:
    """Turns one patient's trace into parts, for one trial."""

    def __init__(
        self,
        patient: Patient,
        compiled: CompiledTrial,
        trace: Trace,
        vocabulary: Vocabulary,
        reference: dt.date,
        names: ast.Names,
        criteria_text: dict[tuple[str, str], str],
    ):
        self.patient = patient
        self.compiled = compiled
        self.trace = trace
        self.vocabulary = vocabulary
        self.reference = reference
        self.names = names  # what the trial's criteria mean by a defined name
        self.criteria_text = criteria_text

    # ----- the tree ----------------------------------------------------------------

    def truth(self, expr: ast.Expr, criterion: str) -> str:
        span = self.compiled.spans[(criterion, id(expr))]
        return TRUTH[self.trace.truth.get((self.compiled.id, span.root))]

    def symbols(
        self, table: dict[tuple[str, int], list[clingo.Symbol]], expr: ast.Expr, criterion: str
    ) -> list[tuple[clingo.Symbol, str]]:
        """The symbols the nodes of an expression name, each once, with the truth of the node
        that named it first (a pair's component is a node of its own), in `shown_order`."""
        span = self.compiled.spans[(criterion, id(expr))]
        found: dict[clingo.Symbol, str] = {}
        for node in [span.root, *range(span.first, span.last + 1)]:
            for symbol in table.get((self.compiled.id, node), []):
                found.setdefault(symbol, TRUTH[self.trace.truth.get((self.compiled.id, node))])
        return sorted(found.items(), key=lambda item: shown_order(item[0]))

    def part(self, expr: ast.Expr, criterion: str, names: ast.Names | None = None) -> Part:
        """How one (sub-)expression of a criterion was decided; `names` is what a defined name
        means where the expression is written (inside a file's definition, the files')."""
        names = names or self.names
        truth = self.truth(expr, criterion)
        written = source(expr)
        if isinstance(expr, (ast.AllOf, ast.AnyOf, ast.AtLeast)):
            parts = tuple(self.part(o, criterion, names) for o in expr.operands)
            return Part(written, truth, parts=parts, summary=self.summary(expr, parts))
        if isinstance(expr, ast.Not):
            return Part(written, truth, parts=(self.part(expr.operand, criterion, names),))
        if isinstance(expr, ast.Conditional):
            condition = self.part(expr.condition, criterion, names)
            consequence = self.part(expr.consequence, criterion, names)
            summary = {
                "false": "the condition does not apply",
                "true": "the condition applies",
                "unknown": "whether the condition applies is unknown",
            }[condition.truth]
            return Part(written, truth, parts=(condition, consequence), summary=summary)
        if isinstance(expr, ast.Reference):
            meaning = names.meaning(expr)
            if meaning is None:
                raise TypeError(f"{expr.name!r} is not defined (the checker runs before explanations)")
            define, inner = meaning
            body = self.part(define.body, criterion, inner)
            return Part(written, truth, parts=(body,), summary=define.description)
        evidence = tuple(
            self.evidence(expr, s, truth, own) for s, own in self.symbols(self.trace.evidence, expr, criterion)
        )
        missing = tuple(self.missing(expr, s) for s, _ in self.symbols(self.trace.missing, expr, criterion))
        return Part(written, truth, tuple(e for e in evidence if e), tuple(m for m in missing if m))

    @staticmethod
    def summary(expr: ast.AllOf | ast.AnyOf | ast.AtLeast, parts: tuple[Part, ...]) -> str:
        held = [p.written for p in parts if p.truth == "true"]
        failed = sum(p.truth == "false" for p in parts)
        unknown = sum(p.truth == "unknown" for p in parts)
        counts = f"{len(held)} hold, {failed} fail, {unknown} unknown"
        if isinstance(expr, ast.AtLeast):
            listed = f": {', '.join(held)}" if held else ""
            return f"{len(held)} of the {len(parts)} hold{listed}; at least {expr.count} needed ({counts})"
        need = "all" if isinstance(expr, ast.AllOf) else "one"
        return f"{need} of {len(parts)} needed: {counts}"

    # ----- evidence ----------------------------------------------------------------

    def label(self, attribute: str) -> str:
        base, _, component = attribute.partition(".")
        label = self.vocabulary.attributes[base].label
        return f"{label} ({component})" if component else label

    def unit(self, attribute: str) -> str:
        return self.vocabulary.attributes[attribute.partition(".")[0]].unit or ""

    def exact_uln(self, attribute: str, date: dt.date, source: str) -> Fraction | None:
        """The ULN a comparison used, exact (scaled): the result's own, or the vocabulary's."""
        for m in self.patient.measurements:
            if m.attribute == attribute and m.date == date and not isinstance(m.value, str):
                return m.uln if source == "recorded" else m.default_uln
        return None  # a computed value: the grains are exact there

    def scale(self, attribute: str) -> int:
        return self.vocabulary.attributes[attribute.partition(".")[0]].scale

    def window_phrase(self, window: ast.Window | None) -> str:
        if window is None or window.unit == "active":
            return ""
        start = window_start(self.reference, window.count, window.unit)
        length = (self.reference - start).days
        exact = f" = {length} days" if window.unit in ("weeks", "months", "years") else ""
        return f"the window is {window.count} {window.unit}{exact}, from {start} to {self.reference}"

    def recorded(self, fact: str, attribute: str, date: dt.date) -> tuple[Measurement, str, dict[str, Any]]:
        """A recorded result: the entry, its words (value as recorded, and in the canonical
        unit where that differs, date, field) and its details as a FACT `fact`."""
        m = next(m for m in self.patient.measurements if m.attribute == attribute and m.date == date)
        data: dict[str, Any] = {"fact": fact, "attribute": attribute, "date": date.isoformat(),
                                "recorded": m.recorded, "field": m.field}  # fmt: skip
        text = f"{self.label(attribute)} {m.recorded} on {date} ({m.field})"
        if isinstance(m.value, Fraction):
            canonical = m.value / self.scale(attribute)
            data["value"] = decimal_text(canonical)
            data["unit"] = self.unit(attribute)
            if not m.recorded.endswith(self.unit(attribute)) or self.unit(attribute) == "":
                text = f"{self.label(attribute)} {m.recorded} ({decimal_text(canonical)} {self.unit(attribute)}) on {date} ({m.field})".replace(
                    " )", ")"
                )
        return m, text, data

    def result_fact(self, expr: ast.Expr, attribute: str, date: dt.date, truth: str, own: str) -> Fact:
        """A result a leaf used; `truth` is the leaf's, `own` that of the comparison of this
        result alone (of a pair's component: the leaf combines the two)."""
        m, text, data = self.recorded("result", attribute, date)
        if isinstance(expr, ast.Comparison) and isinstance(expr.operand, ast.Pair):
            text, details = self.component_comparison(expr, expr.operand, m, data.get("value", ""), truth, own)
            data |= details
        elif isinstance(expr, ast.Comparison):
            if truth == "unknown":  # the value alone does not decide it (a limit is missing)
                text += f", compared with {operand_source(expr.operand)}"
            else:
                op = SHOWN_OP[expr.op] if truth == "true" else NEGATED_OP[expr.op]
                text += f" {op} {operand_source(expr.operand)}"
        return Fact(text, data)

    def component_comparison(
        self, expr: ast.Comparison, pair: ast.Pair, m: Measurement, value: str, truth: str, own: str
    ) -> tuple[str, dict[str, Any]]:
        """One component of a pair against its threshold, and whether it decides the leaf: it
        does when its own truth is the leaf's (`>`: a component above decides alone, both
        when neither is; `<`: both when both are below, one alone that is not)."""
        base, _, component = m.attribute.partition(".")
        first, _ = self.vocabulary.attributes[base].components
        threshold = number(pair.first if component == first else pair.second)
        unit = f" {pair.unit}" if pair.unit else ""
        op = SHOWN_OP[expr.op] if own == "true" else NEGATED_OP[expr.op]
        decides = own == truth
        text = (f"{self.label(base)} {m.recorded} on {m.date} ({m.field}): {component} {value} {self.unit(base)}"
                f" {op} {threshold}{unit}" + (", which decides it" if decides else ""))  # fmt: skip
        return text, {"component": component, "op": expr.op, "threshold": threshold, "holds": own == "true",
                      "decides": decides}  # fmt: skip

    def event_fact(self, expr: ast.Expr, index: int, possible: str) -> Fact:
        """An entry in words; `possible` says why it only may count: "possible" (it ended on an
        unknown date, perhaps inside the window or, for `active`, before R) or
        "maybe_excepted" (an exception for a status removes it only if that was its status on
        R, which the unknown end leaves unsure)."""
        event = self.patient.events[index]
        if event.end is not None and event.end != event.start:
            period = f"{event.start} to {event.end}"
        elif event.end is not None:
            period = f"on {event.start}"
        else:
            period = f"from {event.start}, " + ("ongoing" if event.end_known else "ended on an unknown date")
        text = f"{event.kind} {event.code} {period} ({event.field})"
        window = getattr(expr, "window", None)
        if window is not None and window.unit != "active":
            if event.end is not None and event.end < self.reference:
                text += f"; ended {before_text(event.end, self.reference)}"
            elif event.end_known:
                text += f"; still going on {self.reference}"
            text += "; " + self.window_phrase(window)
        if possible == "maybe_excepted":
            text += f" — the exception may remove it: its status on {self.reference} is unsure"
        elif possible and isinstance(expr, ast.Event) and expr.kind == "dose_change":
            text += " — it may have stopped inside the window"
        elif possible and window is not None and window.unit == "active":
            text += f" — it may still have been going on {self.reference}"
        elif possible:
            text += " — it may have ended inside the window"
        data = {"fact": "entry", "kind": event.kind, "code": event.code, "start": event.start.isoformat(),
                "end": event.end.isoformat() if event.end else None, "field": event.field,
                "matched": "maybe" if possible else "yes"}  # fmt: skip
        return Fact(text, data)

    def evidence(self, expr: ast.Expr, symbol: clingo.Symbol, truth: str, own: str) -> Fact | None:
        """One evidence symbol of a leaf, in words; `truth` is the leaf's, `own` the node's
        that named the symbol."""
        name, args = symbol.name, symbol.arguments
        if name == "result" and args[1].number == 0:  # the sex, a field of the record: no date
            sex = self.patient.sex
            return Fact(f"sex {sex} (sex)", {"fact": "demographic", "attribute": "sex", "value": sex, "field": "sex"})
        if name == "result":
            return self.result_fact(expr, args[0].string, ordinal_date(args[1]), truth, own)
        if name == "stale":
            return self.stale_fact(args[0].string, ordinal_date(args[1]), ordinal_date(args[2]))
        if name == "limit":
            assert isinstance(expr, ast.Comparison) and isinstance(expr.operand, ast.Uln)
            known = self.vocabulary.attribute(expr.attribute)  # the criterion may name a synonym
            assert known is not None, expr.attribute
            attribute = known.name
            uln = self.exact_uln(attribute, ordinal_date(args[2]), args[1].name) or Fraction(args[0].number, GRAIN)
            uln /= self.scale(attribute)
            origin = "from the result" if args[1].name == "recorded" else "the vocabulary's default"
            factor = expr.operand.factor
            limit = uln * Fraction(str(factor))
            return Fact(
                f"upper limit of normal {decimal_text(uln)} {self.unit(attribute)} ({origin}); "
                f"{factor} × ULN = {decimal_text(limit)} {self.unit(attribute)}",
                {"fact": "uln", "value": decimal_text(uln), "source": args[1].name},
            )
        if name == "age":
            unit, value = args[0].name, args[1].number
            born = self.patient.birth_date
            return Fact(f"age {value} {unit} on {self.reference} (born {born})",
                        {"fact": "age", unit: value, "birth_date": str(born), "field": "birth_date"})  # fmt: skip
        if name == "entry":
            return self.event_fact(expr, args[0].number, possible="")
        if name in ("possible", "maybe_excepted"):
            return self.event_fact(expr, args[0].number, possible=name)
        if name == "dose_change":
            event, date = self.patient.events[args[0].number], ordinal_date(args[1])
            what = "started" if date == event.start else "dose changed" if date in event.dose_changes else "stopped"
            return Fact(
                f"{event.code} {what} on {date} ({event.field}), {before_text(date, self.reference)}",
                {"fact": "dose_change", "code": event.code, "date": date.isoformat(), "field": event.field},
            )
        if name == "taken":  # an entry ended on an unknown date, but a dose change shows it went on
            event, date = self.patient.events[args[0].number], ordinal_date(args[1])
            return Fact(
                f"the dose change of {event.code} on {date} ({event.field}) shows it was still taken then",
                {"fact": "taken", "code": event.code, "date": date.isoformat(), "field": event.field},
            )
        if name == "complete":
            section = SECTION_OF_KIND.get(args[0].name, args[0].name)
            concept = getattr(expr, "concept", None)
            window = self.window_phrase(getattr(expr, "window", None))
            match = f"{args[0].name} {concept}" + (f" ({window})" if window else "") if concept else "match"
            text = f"the {section} list is marked complete and holds no {match}"
            # entries below the concept that the criterion sets aside (excepted, not active,
            # outside the window): named, so that the sentence never denies what the list holds
            aside = [e for e in self.patient.events if e.kind == args[0].name and concept and e.start <= self.reference
                     and concept in self.vocabulary.ancestors(e.kind, e.code)]  # fmt: skip
            if aside:
                named = ", ".join(f"{e.code} ({e.field})" for e in aside[:3]) + (", …" if len(aside) > 3 else "")
                text = text.replace(
                    f"holds no {args[0].name} {concept}", f"holds no {args[0].name} {concept} that counts here"
                )
                text += f"; {named} {'does' if len(aside) == 1 else 'do'} not"
            return Fact(text, {"fact": "complete", "section": section})
        if name == "negative":
            kind, code = args[0].name, args[1].string
            fields = [n.field for n in self.patient.negatives if n.kind == kind and n.code == code]
            return Fact(
                f"the record says: no {kind} {code} ({fields[0]})",
                {"fact": "negative", "kind": kind, "code": code, "field": fields[0]},
            )
        if name == "planned":
            return Fact(f"a {args[0].name} {args[1].string} is planned", {"fact": "planned", "code": args[1].string})
        if name == "assessment":
            trial, criterion, date = args[0].string, args[1].string, ordinal_date(args[2])
            results = [
                a for a in self.patient.assessments if (a.trial, a.criterion, a.date) == (trial, criterion, date)
            ]
            outcome = results[0].result if results else "?"
            return Fact(
                f"investigator's assessment on {date}: {outcome} ({results[0].field if results else ''})",
                {"fact": "assessment", "result": outcome, "date": date.isoformat()}
                | ({"field": results[0].field} if results else {}),
            )
        if name == "computed":
            attribute, date = args[0].string, ordinal_date(args[1])
            computed = Fraction(args[2].number, args[3].number) / self.scale(attribute)
            text = f"{self.label(attribute)} {decimal_text(computed)} {self.unit(attribute)} computed for {date}"
            if isinstance(expr, ast.Comparison):
                op = SHOWN_OP[expr.op] if truth == "true" else NEGATED_OP[expr.op]
                text += f" {op} {operand_source(expr.operand)}"
            return Fact(text, {"fact": "computed", "attribute": attribute, "value": decimal_text(computed)})
        if name == "derived":  # an input of Cockcroft–Gault: a result, the age or the sex
            if args[0].string == "age":
                years, born = args[1].number, self.patient.birth_date
                text = f"the age, {years} years on {self.reference} (born {born})"
                data: dict[str, Any] = {"fact": "derived", "attribute": "age", "value": str(years),
                                        "unit": "years", "birth_date": str(born), "field": "birth_date"}  # fmt: skip
            elif args[0].string == "sex":
                text = f"the sex, {args[1].string} (sex)"
                data = {"fact": "derived", "attribute": "sex", "value": args[1].string, "field": "sex"}
            else:
                attribute = args[0].string
                m, text, data = self.recorded("derived", attribute, ordinal_date(args[1]))
                if m.value != args[2].number:  # the formula takes it rounded down to its scale
                    data["used"] = decimal_text(Fraction(args[2].number, self.scale(attribute)))
                    text += f", used as {data['used']} {self.unit(attribute)}"
            return Fact(f"computed by Cockcroft–Gault from {text}", data)
        if name == "superseded":  # a measured result set aside for a newer one it is computed from
            _, text, data = self.recorded("superseded", args[0].string, ordinal_date(args[1]))
            _, newer, newer_data = self.recorded("result", args[2].string, ordinal_date(args[3]))
            data["superseded_by"] = {key: newer_data[key] for key in ("attribute", "date", "field")}
            return Fact(f"the measured {text} is not used: the {newer} is newer", data)
        if name == "compared":
            return None
        raise ValueError(f"no words for the evidence {symbol}")

    def stale_fact(self, attribute: str, date: dt.date, start: dt.date) -> Fact:
        """The latest result of `attribute`, dated `date`, is older than the window opening on
        `start`; a creatinine clearance the record does not hold is computed (Cockcroft–Gault,
        from that day's serum creatinine), which the words name: a newer creatinine decides."""
        data: dict[str, Any] = {"fact": "stale", "attribute": attribute, "date": date.isoformat(),
                                "window_start": start.isoformat()}  # fmt: skip
        measured = any(m.attribute == attribute and m.date == date for m in self.patient.measurements)
        if measured or attribute != "creatinine_clearance":
            return Fact(f"the latest {self.label(attribute)} result is from {date}, before the window opens on {start}",
                        data)  # fmt: skip
        _, creatinine, details = self.recorded("derived", "serum_creatinine", date)
        data["computed_from"] = {key: details[key] for key in ("attribute", "date", "field")}
        return Fact(f"the latest {self.label(attribute)}, computed by Cockcroft–Gault from {creatinine}, is from "
                    f"before the window opens on {start}", data)  # fmt: skip

    def result_needed(self, attribute: str, since: clingo.Symbol, measured: bool = False) -> Fact:
        """A result of `attribute` dated on or after `since` (`none`: any date); `measured`: a
        measured one, where a value computed from others would not do."""
        data: dict[str, Any] = {"missing": "result", "attribute": attribute}
        dated = ""
        if since.type == clingo.SymbolType.Number:
            dated = f" dated on or after {ordinal_date(since)}"
            data["on_or_after"] = ordinal_date(since).isoformat()
        if measured:
            return Fact(f"a measured {self.label(attribute)}{dated}", data | {"measured": True})
        return Fact(f"a result for {self.label(attribute)}{dated}", data)

    def missing(self, expr: ast.Expr, symbol: clingo.Symbol) -> Fact:
        name, args = symbol.name, symbol.arguments
        if name == "result":
            return self.result_needed(args[0].string, args[1])
        if name == "measured_only":
            asked, years = self.result_needed(args[0].string, args[1], measured=True), args[2].number
            return Fact(
                f"{asked.text}: Cockcroft–Gault cannot compute one, the patient's age is 140 or more "
                f"({years} years on {self.reference}, born {self.patient.birth_date})",
                asked.data | {"age": years},
            )
        if name == "either":  # an input of a formula, or in its place a measured result
            need, (attribute, since) = self.missing(expr, args[0]), args[1].arguments
            alternative = self.result_needed(attribute.string, since, measured=True)
            return Fact(
                f"{need.text}, or {alternative.text}",
                need.data | {"alternative": {"text": alternative.text, **alternative.data}},
            )
        if name == "uln":
            return Fact(f"the upper limit of normal of the {self.label(args[0].string)} result", {"missing": "uln"})
        if name == "birth_date":
            return Fact("the birth date (field `birth_date`)", {"missing": "birth_date", "field": "birth_date"})
        if name == "born_later":
            born = self.patient.birth_date
            return Fact(f"a birth date on or before {self.reference} (field `birth_date`: the record's, {born}, is later)",
                        {"missing": "birth_date", "field": "birth_date"})  # fmt: skip
        if name == "sex":
            return Fact("the patient's sex (field `sex`)", {"missing": "sex", "field": "sex"})
        if name == "record":
            kind, concept = args[0].name, args[1].string
            section = SECTION_OF_KIND.get(kind, kind)
            window = getattr(expr, "window", None)
            when = f" ({self.window_phrase(window)})" if self.window_phrase(window) else ""
            if getattr(expr, "kind", None) == "dose_change":  # a start, change or stop, not the drug itself
                text = (f"whether a drug {concept} started, changed dose or stopped{when}: the {section} list marked "
                        "complete (or, if none was ever taken, an explicit negative)")  # fmt: skip
            else:
                text = (f"whether there was any {kind} {concept}{when}: a record of it, an explicit negative, "
                        f"or the {section} list marked complete")  # fmt: skip
            return Fact(text, {"missing": "record", "kind": kind, "concept": concept})
        if name == "end_date":
            event = self.patient.events[args[0].number]
            return Fact(f"the end date of {event.field} ({event.code})", {"missing": "end_date", "field": event.field})
        if name == "plan":
            kind, concept = args[0].name, args[1].string
            return Fact(
                f"whether a {kind} {concept} is planned (or the planned list marked complete)",
                {"missing": "plan", "kind": kind, "concept": concept},
            )
        if name == "assessment":
            trial, criterion = args[0].string, args[1].string
            sentence = self.criteria_text.get((trial, criterion), "")
            return Fact(
                f"an investigator's assessment of {trial} {criterion}: “{sentence}”",
                {"missing": "assessment", "trial": trial, "criterion": criterion},
            )
        raise ValueError(f"no words for the missing fact {symbol}")
