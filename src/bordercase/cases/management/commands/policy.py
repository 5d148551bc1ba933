from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.policy import casebook
from bordercase.policy.files import PolicyFileError
from bordercase.policy.jsonl import evaluate_lines
from bordercase.policy.loader import UnknownScheme, scheme, schemes
from bordercase.policy.parameters import BadOverride
from bordercase.policy.scheme import Scheme
from bordercase.policy.whatif import simulate, table


class Command(BaseCommand):
    help = "Scheme policies: list, show, evaluate answers, run their test cases, simulate a what-if."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("list", help="every scheme with its policy version")
        show = actions.add_parser("show", help="a scheme's parameters with dates and sources, questions, criteria")
        show.add_argument("scheme")
        evaluate = actions.add_parser("evaluate", help="evaluate a JSON-lines file of answers (- for stdin)")
        evaluate.add_argument("scheme")
        evaluate.add_argument("file")
        evaluate.add_argument("--as-at", type=_date, help="resolve parameters as at this date (YYYY-MM-DD) "
                                                          "instead of each line's lodged_on")
        test = actions.add_parser("test", help="run the YAML test cases kept in each scheme folder")
        test.add_argument("only", nargs="*", metavar="SCHEME", help="only these schemes")
        what_if = actions.add_parser("simulate", help="what-if: re-evaluate the lodged requests with changed "
                                                      "parameters")
        what_if.add_argument("scheme")
        what_if.add_argument("--set", action="append", required=True, metavar="NAME=VALUE", dest="changes",
                             help="a parameter (or part of one, salary_thresholds.2613) and its new value")
        what_if.add_argument("--json", action="store_true", dest="as_json", help="print the report as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            getattr(self, f"_{options['action']}")(**options)
        except UnknownScheme as exc:
            raise CommandError(f"{exc} `bordercase policy list` shows them.") from exc

    def _list(self, **options: Any) -> None:
        for s in schemes().values():
            try:
                cases = f"{casebook.count(s)} test cases"
            except PolicyFileError:
                cases = "test cases unreadable (run `bordercase policy test` to see why)"
            self.stdout.write(f"{s.id:<38} {s.version}  {len(s.criteria)} criteria, {cases}  {s.title}")

    def _show(self, scheme: str, **options: Any) -> None:
        self.stdout.write(describe(_scheme(scheme)))

    def _evaluate(self, scheme: str, file: str, as_at: dt.date | None, **options: Any) -> None:
        chosen = _scheme(scheme)
        try:
            source = sys.stdin if file == "-" else open(file, encoding="utf-8")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}. Give a JSON-lines file, or - for stdin.") from exc
        failed = 0
        with source:
            for result in evaluate_lines(chosen, source, as_at):
                failed += "errors" in result
                self.stdout.write(json.dumps(result, ensure_ascii=False))
        if failed:
            self.stderr.write(f"{failed} line(s) had bad answers: each has an \"errors\" list naming the field "
                              "and the rule. Correct them and evaluate again.")
            sys.exit(1)

    def _test(self, only: list[str], **options: Any) -> None:
        chosen = [_scheme(s) for s in only] if only else list(schemes().values())
        failures = total = 0
        for s in chosen:
            results = casebook.run(s)
            total += len(results)
            bad = [r for r in results if not r.passed]
            failures += len(bad)
            if not results:
                failures += 1
                self.stdout.write(f"  FAIL {s.id} has no test cases: add some under its tests/ folder")
            self.stdout.write(f"{s.id}: {len(results) - len(bad)} of {len(results)} cases pass")
            for r in bad:
                self.stdout.write(f"  FAIL {r.file}:{r.line or 1}: {r.name}")
                for problem in r.problems:
                    self.stdout.write(f"       {problem}")
        if failures:
            raise CommandError(f"{failures} of {total} cases failed.")
        self.stdout.write(self.style.SUCCESS(f"All {total} cases pass."))

    def _simulate(self, scheme: str, changes: list[str], as_json: bool, **options: Any) -> None:
        from bordercase.cases.services.evaluations import lodged_answers

        chosen = _scheme(scheme)
        parsed = dict(_change(c) for c in changes)
        show_progress = sys.stderr.isatty()

        def progress(done: int) -> None:
            if show_progress:
                self.stderr.write(f"\rEvaluated {done:,} requests", ending="")

        try:
            report = simulate(chosen, parsed, lodged_answers(chosen), progress)
        except BadOverride as exc:
            raise CommandError(f"{exc} `bordercase policy show {chosen.id}` lists the parameters.") from exc
        if show_progress:
            self.stderr.write("")
        self.stdout.write(json.dumps(report.as_json(), indent=2, ensure_ascii=False) if as_json else table(report))


def _scheme(scheme_id: str) -> Scheme:
    return scheme(scheme_id)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-at {text!r} is not a date: write it as YYYY-MM-DD, such as 2022-03-01.") from None


def _change(text: str) -> tuple[str, Any]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise CommandError(f"--set {text!r} is not NAME=VALUE: write it like --set salary_thresholds.2613=110000")
    return name.strip(), yaml.safe_load(value)


def describe(s: Scheme) -> str:
    lines = [f"{s.title} ({s.id}), policy version {s.version}", s.summary, "", "Sources:"]
    lines += [f"  {src.id}: {src.title}" + (f" <{src.url}>" if src.url else "") for src in s.sources]
    lines += ["", "Parameters:"]
    for p in s.parameters.values():
        lines.append(f"  {p.name} ({p.unit}): {p.description}")
        for v in p.values:
            value = ", ".join(map(str, v.value)) if isinstance(v.value, tuple) else v.value
            lines.append(f"    from {v.effective_from}: {value}")
            lines.append(f"      source: {v.reference}")
            if v.note:
                lines.append(f"      note: {v.note}")
    lines += ["", "Questions:"]
    for q in s.questions.values():
        lines.append(f"  {q.name} ({q.type}{', required' if q.required else ''}): {q.label}")
    lines += ["", "Criteria:"]
    for c in s.criteria:
        mandatory = f"mandatory if {c.mandatory_parameter}" if c.mandatory_parameter else \
            ("mandatory" if c.mandatory else "advisory")
        lines.append(f"  {c.id} ({mandatory}): {c.clause}")
    steps = s.steps
    lines += ["", "Steps: assessed by " + ", ".join(steps.assessed_by)
              + ("; allocation" if steps.allocation else "") + ("; recommendation" if steps.recommendation else "")
              + ("; invitation to apply" if steps.invitation_to_apply else "")
              + ("; request to travel" if steps.request_to_travel else "")
              + (f"; managed isolation {steps.managed_isolation.days} days, paid by "
                 f"{', '.join(steps.managed_isolation.paid_by)}" if steps.managed_isolation else "")]
    return "\n".join(lines)
