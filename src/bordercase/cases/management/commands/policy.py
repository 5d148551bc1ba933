from __future__ import annotations

import datetime as dt
import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from bordercase.cases.places_whatif import DRAWS, Places
from bordercase.lib.errors import InvalidInput
from bordercase.policy import casebook
from bordercase.policy.files import PolicyFileError
from bordercase.policy.jsonl import evaluate_lines
from bordercase.policy.loader import UnknownScheme, scheme, schemes
from bordercase.policy.scheme import Scheme
from bordercase.policy.whatif import table


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
                                                      "parameters and, for a capped scheme, the places each "
                                                      "category expects and each waiting entry's chance")
        what_if.add_argument("scheme")
        what_if.add_argument(
            "--set", action="append", required=True, metavar="NAME=VALUE[@YYYY-MM-DD]", dest="changes",
            help="a parameter (or part of one: salary_thresholds.2613, ballot_category_caps.2613, "
                 "ballot_weight_by_salary_band.bands.150000) and its new value, read as the parameter's own kind: "
                 "money and multiples as exact decimals (median_multiple=1.5), counts, days and hours as whole "
                 "numbers (places=300), flags as true or false, lists as names separated by ; and tables as "
                 "KEY: VALUE, KEY: VALUE. With @YYYY-MM-DD the value applies from that date on (before it the "
                 "parameter keeps its own values), as a dated value in the policy does; without, at every date")
        what_if.add_argument("--as-at", type=_date, help="evaluate every request as at this date (YYYY-MM-DD) "
                                                         "instead of its own lodging date")
        what_if.add_argument("--draws", type=_draws, default=DRAWS,
                             help=f"simulated draws behind each chance of a place (capped schemes; default {DRAWS})")
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

    def _simulate(self, scheme: str, changes: list[str], as_at: dt.date | None, draws: int, as_json: bool,
                  **options: Any) -> None:
        from bordercase.cases.services.whatif import changes_typed, whatif_run

        chosen = _scheme(scheme)
        try:
            parsed = changes_typed(chosen, changes)
        except InvalidInput as exc:
            problems = "\n".join(f"  --set {field}: {message}" for field, message in exc.errors.items())
            raise CommandError(f"Refused:\n{problems}\n`bordercase policy show {chosen.id}` lists the parameters "
                               "with their values.") from exc
        show_progress = sys.stderr.isatty()

        def progress(what: str, done: int) -> None:
            if show_progress:
                self.stderr.write(f"\r{what[0].upper()}{what[1:]} {done:,} requests", ending="")

        report = whatif_run(chosen, parsed, as_at=as_at, draws=draws, progress=progress)
        if show_progress:
            self.stderr.write("")
        if as_json:
            self.stdout.write(json.dumps(report.as_json(), indent=2, ensure_ascii=False))
            return
        self.stdout.write(table(report.outcomes))
        if report.places is not None:
            self.stdout.write(places_table(report.places))


def _scheme(scheme_id: str) -> Scheme:
    return scheme(scheme_id)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-at {text!r} is not a date: write it as YYYY-MM-DD, such as 2022-03-01.") from None


def _draws(text: str) -> int:
    if not text.isdigit() or not 100 <= int(text) <= 1_000_000:
        raise CommandError(f"--draws {text!r} must be a whole number from 100 to 1000000, such as 2000.")
    return int(text)


def places_table(places: Places) -> str:
    """The places part of a what-if as text: each category's expected places, then each entry's chance."""
    before, after = places.before, places.after
    how = "exact" if places.exact else f"estimated from {places.draws:,} simulated draws, within ±{places.margin:.1%}"
    lines = ["", f"Places: {before.places:,} → {after.places:,} ({before.method} → {after.method}), "
                 f"{places.entries:,} requests waiting"
                 + (f", {places.leaving:,} of them found ineligible as changed" if places.leaving else "")
                 + f"; chances {how}."]
    if places.categories:
        lines += ["", f"{'category':<12}{'entries':>9}{'cap':>12}{'places before':>16}{'places after':>15}"]
        for c in places.categories:
            cap = f"{'-' if c.cap_before is None else c.cap_before} → {'-' if c.cap_after is None else c.cap_after}"
            lines.append(f"{c.category or '(none)':<12}{c.entries_after:>9,}{cap:>12}{c.places_before:>16.1f}"
                         f"{c.places_after:>15.1f}")
    changed = [e for e in places.chances if abs(e.chance_after - e.chance_before) >= 0.0005]
    if changed:
        lines += ["", f"{'request':<14}{'category':<10}{'weight':>8}{'chance before':>15}{'chance after':>14}"]
        lines += [f"{e.reference:<14}{e.category_after or '-':<10}{e.weight_after:>8}{e.chance_before:>15.1%}"
                  f"{e.chance_after:>14.1%}" for e in changed[:50]]
        if len(changed) > 50:
            lines.append(f"… and {len(changed) - 50:,} more (--json lists every one)")
    return "\n".join(lines)


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
