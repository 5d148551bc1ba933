"""Other essential worker (June 2020): the short-term criteria every role meets, and the long-term ones."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from bordercase.policy.criteria import (
    MET,
    NEEDS_REVIEW,
    NOT_MET,
    Answers,
    Finding,
    Params,
    Result,
    criterion,
    day,
    money,
)

CENT = Decimal("0.01")
WEEKS = 52
SIGNIFICANT = {
    "major_infrastructure": "significant to a major infrastructure project",
    "national_or_regional_event": "significant to an event of national or regional importance",
    "government_programme": "significant to a government-approved programme",
    "government_to_government": "in support of a government-to-government agreement",
    "significant_economic_benefit": "of significant benefit to the national or regional economy",
}


@criterion(reads=("time_critical_applies_to",))
def short_term_criteria(answers: Answers, params: Params) -> Result:
    unique = answers["unique_skills_not_obtainable_in_nz"]
    significant = answers.get("significant_work")
    critical = answers["time_critical"]
    skills = "the worker has unique skills not obtainable in New Zealand" if unique else \
        "the worker's skills are obtainable in New Zealand"
    work = f"the work is {SIGNIFICANT[significant]}" if significant else "the work is not significant in a listed way"
    timing = "the role is time critical" if critical else "the role is not time critical"
    if params["time_critical_applies_to"] == "both_limbs":
        met = (unique or bool(significant)) and critical
        reading = "either limb must also be time critical"
    else:
        met = unique or (bool(significant) and critical)
        reading = "only significant work must also be time critical (Immigration NZ's reading)"
    verdict = "Meets a short-term criterion" if met else "Meets no short-term criterion"
    return Result(MET if met else NOT_MET, f"{verdict}: {skills}; {work}; {timing} ({reading}).")


@criterion(reads=("short_term_max_months", "median_wage_hourly", "median_multiple", "hours_per_year",
                  "twice_median_minimum_hours"))
def long_term_criteria(answers: Answers, params: Params) -> Result:
    months = answers["role_duration_months"]
    limit = params["short_term_max_months"]
    if months <= limit:
        return Result(MET, f"Not needed: a {months}-month role is short-term ({limit} months or less).")
    limbs = []
    if answers.get("essential_to_government_funded_science"):
        limbs.append("the role is essential to a government-funded science programme")
    if answers.get("essential_to_government_approved_event"):
        limbs.append("the role is essential to a government-approved event or programme of major significance")
    pay, pay_finding = _pay(answers, params)
    if pay_finding is MET:
        limbs.insert(0, pay)
    if limbs:
        return Result(MET, f"A {months}-month role is long-term and meets a long-term criterion: {'; '.join(limbs)}.")
    if pay_finding is NEEDS_REVIEW:
        return Result(NEEDS_REVIEW, f"A {months}-month role is long-term: {pay}.")
    return Result(NOT_MET, f"A {months}-month role is long-term and meets no long-term criterion: {pay}; the role "
                           "is not essential to a government-funded science programme, nor to a government-approved "
                           "event or programme.")


def _pay(answers: Answers, params: Params) -> tuple[str, Finding]:
    """How the pay compares with the twice-the-median-wage limb."""
    hours_a_year = params["hours_per_year"]
    multiple = params["median_multiple"]
    hourly_threshold = params["median_wage_hourly"] * multiple
    threshold = f"{money(hourly_threshold, 'hour')} ({money(hourly_threshold * hours_a_year)} a year at " \
                f"{hours_a_year:,} hours), twice the median wage as at {day(params['as_at'])}"
    if "hourly_rate_nzd" in answers:
        hourly = answers["hourly_rate_nzd"]
        given = money(hourly, "hour")
    elif "annual_salary_nzd" in answers:
        # The median wage is hourly, so a salary is compared per hour actually worked when the hours are
        # known (NZ$79,560 for 30 hours a week is NZ$51 an hour, as an hourly rate of NZ$51 would be), and
        # over a 40-hour week when they are not.
        weekly_hours = answers.get("hours_per_week")
        hours = weekly_hours * WEEKS if weekly_hours else hours_a_year
        hourly = answers["annual_salary_nzd"] / hours
        # Rounded down, so a salary a fraction of a cent short never reads as meeting the threshold.
        given = f"{money(answers['annual_salary_nzd'])} a year ({money(hourly.quantize(CENT, ROUND_FLOOR), 'hour')}" \
                f" over {hours:,} hours)"
    else:
        return f"no pay was given, so it cannot be compared with {threshold}: give annual_salary_nzd or " \
               "hourly_rate_nzd", NOT_MET
    if hourly < hourly_threshold:
        return f"pay of {given} is below {threshold}", NOT_MET
    hours = answers.get("hours_per_week")
    minimum = params["twice_median_minimum_hours"]
    if hours is None:
        return f"pay of {given} meets {threshold}, but the hours a week were not given and Immigration NZ pairs " \
               f"this limb with at least {minimum} hours a week: give hours_per_week", NEEDS_REVIEW
    if hours < minimum:
        return f"pay of {given} meets {threshold}, but {hours} hours a week is fewer than the {minimum} Immigration " \
               "NZ pairs with it", NOT_MET
    return f"pays {given}, at least {threshold}, for {hours} hours a week", MET


