"""The schemes' rules in the API, in OpenFisca's manner, for anyone (no token; limited per address by the API's
throttle): a scheme's questions, criteria and parameters as at a date, and the evaluation of answers with the
trace of every parameter value read. Nothing is stored."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bordercase.cases.services.rules import as_at_read, eligibility_asked, rules_as_at, rules_scheme, rules_schemes
from bordercase.policy.editions import RulesAt, question_json
from bordercase.policy.files import SourceFile
from bordercase.policy.parameters import Value
from bordercase.policy.trace import plain

router = Router(tags=["rules"])

AS_AT = "YYYY-MM-DD; default today in New Zealand"


class AsAtQuery(Schema):
    as_at: str | None = Field(None, max_length=10, description=AS_AT)


class RuleSourceOut(Schema):
    id: str
    title: str
    url: str


class ValueOut(Schema):
    effective_from: dt.date
    value: Any
    reference: str
    note: str


class ParameterOut(Schema):
    name: str
    description: str
    unit: str
    value: Any = Field(description="The value in force on as_at; null before the first took effect")
    effective_from: dt.date | None = Field(description="When the value in force took effect")
    reference: str | None = Field(description="The source of the value in force")
    values: list[ValueOut] = Field(description="Every dated value, oldest first")


class RuleCriterionOut(Schema):
    id: str
    clause: str = Field(description="The clause of the source the criterion implements")
    sources: list[str] = Field(description="The ids of the sources the clause cites")
    mandatory: bool | None = Field(description="Whether it counts toward the outcome on as_at; null when the "
                                               "parameter that decides it is not yet in force")
    mandatory_parameter: str | None
    reads: list[str] = Field(description="The parameters it may read")


class ChangeOut(Schema):
    parameter: str
    before: ValueOut | None
    after: ValueOut


class EditionOut(Schema):
    effective_from: dt.date | None = Field(description="The first day of the rules in force on as_at; null before "
                                                       "the rules took effect")
    previous: dt.date | None = Field(description="The first day of the rules in force before them")
    next: dt.date | None = Field(description="The first day of the next rules known")
    changes: list[ChangeOut] = Field(description="What changed from the previous rules")
    all: list[dt.date] = Field(description="The first day of every edition of the rules")


class RulesOut(Schema):
    scheme: str
    title: str
    summary: str
    policy_version: str = Field(description="A fingerprint of the rules' files, stored with every evaluation")
    as_at: dt.date
    in_force: bool
    takes_effect: dt.date = Field(description="The first day the rules were in force")
    edition: EditionOut
    sources: list[RuleSourceOut]
    questions: list[dict[str, Any]] = Field(description="What to send under answers, by name")
    answer_rules: list[dict[str, Any]]
    criteria: list[RuleCriterionOut]
    parameters: list[ParameterOut]


class SchemeRulesOut(Schema):
    scheme: str
    title: str
    kind: str
    policy_version: str


class EvaluateIn(Schema):
    answers: dict[str, Any] = Field(description="The answers, by question name, as GET /rules/{scheme} lists them")
    as_at: str | None = Field(None, max_length=10, description="YYYY-MM-DD; default the answers' lodged_on, else "
                                                               "today in New Zealand")


class CriterionResultOut(Schema):
    id: str
    outcome: str = Field(description="met, not_met or needs_review")
    reason: str
    clause: str
    mandatory: bool


class ReadOut(Schema):
    criterion: str
    parameter: str
    value: Any
    effective_from: dt.date | None = Field(description="When the value read took effect")
    reference: str = Field(description="The source of the value read")
    note: str
    purpose: str = Field(description="value (the criterion used it) or mandatory (it decided whether the "
                                     "criterion counts)")


class RulesEvaluationOut(Schema):
    scheme: str
    outcome: str = Field(description="eligible, ineligible or needs_review: what lodging would find")
    reasons: list[str] = Field(description="The reasons that decide the outcome")
    criteria: list[CriterionResultOut]
    trace: list[ReadOut] = Field(description="Every parameter value the rules read, with its date and source")
    policy_version: str
    as_at: dt.date


def _value(value: Value) -> dict[str, Any]:
    return {"effective_from": value.effective_from, "value": plain(value.value), "reference": value.reference,
            "note": value.note}


def _source(source: SourceFile) -> dict[str, str]:
    return {"id": source.id, "title": source.title, "url": source.url}


def rules_json(rules: RulesAt) -> dict[str, Any]:
    scheme = rules.scheme
    return {
        "scheme": scheme.id, "title": scheme.title, "summary": scheme.summary, "policy_version": scheme.version,
        "as_at": rules.as_at, "in_force": rules.in_force, "takes_effect": rules.takes_effect,
        "edition": {"effective_from": rules.edition, "previous": rules.previous, "next": rules.following,
                    "changes": [{"parameter": c.parameter.name, "before": c.before and _value(c.before),
                                 "after": _value(c.after)} for c in rules.changes],
                    "all": list(rules.editions)},
        "sources": [_source(s) for s in scheme.sources],
        "questions": [question_json(rules, q) for q in scheme.questions.values()],
        "answer_rules": [{"kind": r.kind, "questions": list(r.names)} for r in scheme.answer_rules],
        "criteria": [{"id": c.criterion.id, "clause": c.criterion.clause, "sources": [s.id for s in c.sources],
                      "mandatory": c.mandatory, "mandatory_parameter": c.criterion.mandatory_parameter or None,
                      "reads": list(c.criterion.reads)} for c in rules.criteria],
        "parameters": [{"name": p.name, "description": p.parameter.description, "unit": p.parameter.unit,
                        "value": plain(p.current.value) if p.current else None,
                        "effective_from": p.current.effective_from if p.current else None,
                        "reference": p.current.reference if p.current else None,
                        "values": [_value(v) for v in p.parameter.values]} for p in rules.parameters],
    }


@router.get("/rules", auth=None, response=list[SchemeRulesOut], summary="Every scheme with published rules")
def rules_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"scheme": s.id, "title": s.title, "kind": s.kind, "policy_version": s.version} for s in rules_schemes()]


@router.get("/rules/{scheme}", auth=None, response=RulesOut,
            summary="A scheme's questions, criteria and parameters as at a date (default today, NZ time)",
            description="Each parameter with the value in force on as_at and every dated value with its source; "
            "each criterion with the clause it implements; the edition of the rules in force and what it changed.")
def rules_get(request: HttpRequest, scheme: str, query: Query[AsAtQuery]) -> dict[str, Any]:
    rules_scheme(scheme)  # an unknown scheme is a 404 before a bad date is a 422
    return rules_json(rules_as_at(scheme, as_at_read(query.as_at)))


@router.post("/rules/{scheme}/evaluate", auth=None, response=RulesEvaluationOut,
             summary="What lodging these answers would find, with the trace of every parameter value read",
             description="Nothing is stored. Bad answers are a 422 naming each field (answers.<question>) and the "
             "rule; a date before the rules took effect is a 422 on as_at.")
def rules_evaluate(request: HttpRequest, scheme: str, body: EvaluateIn) -> dict[str, Any]:
    policy = rules_scheme(scheme)
    evaluation, trace = eligibility_asked(policy, body.answers, body.as_at)
    return {
        "scheme": evaluation.scheme, "outcome": evaluation.outcome.value, "reasons": evaluation.reasons,
        "criteria": [c.as_json() for c in evaluation.criteria], "trace": [r.as_json() for r in trace],
        "policy_version": evaluation.policy_version, "as_at": evaluation.as_at,
    }
