"""Threshold rules as data: each rule of rules.json with a `when` is a CEL expression over named facts.

A rule names the entries it judges (`each`: a vitals set, an assessment, an opened product, a reaction),
fires for every such entry where `when` is true, and fills its message from `values` (expressions too).
The facts of an entry are the same on the tablet (pwa/rules/expressions.js); numbers are always doubles
(CEL does not mix int and double), a value not recorded is absent (test it with `has(...)`).

    entry            the entry's payload (vitals: temp_c, sbp, hr, rr, spo2; product.opened: lot, expiry...)
    entry_date       the UTC date the entry occurred, "YYYY-MM-DD" (ISO dates compare as text)
    order            dosing_weight_kg
    baseline         vitals only, after the start: the baseline per measurement
    rise, fall       vitals only: value − baseline and baseline − value, rounded half up to 0.1
    pct_of_baseline  vitals only: value / baseline × 100, rounded half up to 0.1
    weight_change_pct  assessment only: |weight − dosing weight| / dosing weight × 100, rounded to 0.1
    <threshold>      each of the rule's thresholds, by name

One function beyond CEL's standard library: number_text(x), a number as messages write it (38.0 -> "38").
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any, Callable

import cel

from server.clinical.findings import Finding, Value
from server.clinical.rounding import format_number, round_half_up

if TYPE_CHECKING:
    from server.clinical.ordering import Entry
    from server.clinical.picture import Picture, VitalsPoint
    from server.clinical.rulebook import RuleSpec

FUNCTIONS: dict[str, Callable[..., Any]] = {"number_text": lambda x: format_number(x, 2)}
_BUILTIN = {"size", "has", "double", "int", "string", "contains", "startsWith", "endsWith", "matches"}
_COMMON = {"entry", "entry_date", "order"}
FACTS: dict[str, set[str]] = {
    "vitals": _COMMON | {"baseline", "rise", "fall", "pct_of_baseline"},
    "assessment": _COMMON | {"weight_change_pct"},
    "product.opened": _COMMON,
    "reaction.observed": _COMMON,
}


def _cel_value(value: Any) -> Any:
    """JSON data as CEL sees it on both sides: numbers are doubles, null members are left out."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, list):
        return [_cel_value(item) for item in value]
    if isinstance(value, dict):
        return {key: _cel_value(item) for key, item in value.items() if item is not None}
    raise TypeError(f"no CEL value for {type(value).__name__}")


@lru_cache(maxsize=512)
def program(text: str) -> Any:
    """The compiled expression (compiled once per text; raises ValueError on a syntax error)."""
    return cel.compile(text)


def check_rule(spec: RuleSpec) -> None:
    """Fail loudly on a rule this code cannot evaluate: unknown `each`, fact or function, bad syntax."""
    if spec.each not in FACTS:
        raise ValueError(f"rules data: rule {spec.id!r}: unknown each {spec.each!r}")
    names = FACTS[spec.each] | set(spec.thresholds)
    for text in (spec.when or "", *spec.values.values()):
        compiled = program(text)
        unknown = set(compiled.variables()) - names
        functions = {f for f in compiled.functions() if f[0].isalpha()} - _BUILTIN - set(FUNCTIONS)
        if unknown or functions:
            raise ValueError(f"rules data: rule {spec.id!r}: unknown {sorted(unknown | functions)} in {text!r}")


def _vitals_facts(picture: Picture, point: VitalsPoint) -> dict[str, Any]:
    facts: dict[str, dict[str, float]] = {"baseline": {}, "rise": {}, "fall": {}, "pct_of_baseline": {}}
    if point.phase == "pre":
        return facts
    for name, found in picture.baseline.items():
        value = point.entry.payload.get(name)
        facts["baseline"][name] = found.value
        if value is None:
            continue
        facts["rise"][name] = round_half_up(value - found.value, 1)
        facts["fall"][name] = round_half_up(found.value - value, 1)
        if found.value:
            facts["pct_of_baseline"][name] = round_half_up(value / found.value * 100, 1)
    return facts


def _entries(picture: Picture, each: str) -> list[tuple[Entry, dict[str, Any]]]:
    """Each entry the rule judges with the facts particular to its kind."""
    if each == "vitals":
        return [(point.entry, _vitals_facts(picture, point)) for point in picture.vitals]
    entries = picture.of_kind(each)
    if each != "assessment":
        return [(entry, {}) for entry in entries]
    dosing = picture.context.order.dosing_weight_kg
    return [(entry, {"weight_change_pct": round_half_up(abs(entry.payload["weight_kg"] - dosing) / dosing * 100, 1)})
            for entry in entries]


def _facts(picture: Picture, entry: Entry, own: dict[str, Any], spec: RuleSpec) -> dict[str, Any]:
    facts = {"entry": entry.payload, "entry_date": entry.occurred_at.date().isoformat(),
             "order": {"dosing_weight_kg": picture.context.order.dosing_weight_kg}, **own, **spec.thresholds}
    return _cel_value(facts)


@lru_cache(maxsize=512)
def _needs(text: str) -> tuple[tuple[str, ...], bool]:
    """The facts an expression names, and whether it calls one of our functions."""
    compiled = program(text)
    return tuple(compiled.variables()), bool(set(compiled.functions()) & set(FUNCTIONS))


def _run(text: str, facts: dict[str, Any]) -> Any:
    """The expression's value; only the facts it names are handed over (each costs a conversion)."""
    names, calls = _needs(text)
    named = {name: facts[name] for name in names if name in facts}
    return program(text).execute(cel.Context(named, functions=FUNCTIONS) if calls else named)


def evaluate(picture: Picture, spec: RuleSpec) -> list[Finding]:
    """Findings of an expression rule: one per entry where `when` holds, valued by `values`."""
    found = []
    for entry, own in _entries(picture, spec.each or ""):
        facts = _facts(picture, entry, own, spec)
        fires = _run(spec.when or "", facts)
        if not isinstance(fires, bool):
            raise ValueError(f"rule {spec.id!r}: `when` gave {fires!r}, not true or false")
        if fires:
            values: dict[str, Value] = {name: _run(text, facts) for name, text in spec.values.items()}
            found.append(Finding((entry.id,), values))
    return found
