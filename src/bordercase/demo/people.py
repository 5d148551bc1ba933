"""The demo's workers and the answers their employers give: named people for the requests one looks at, and a
crowd made from lists of names for the nominations that over-subscribe the tech class."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from datetime import date
from itertools import cycle, product
from typing import Any

from bordercase.cases.models import Person
from bordercase.cases.services.people import person_create

WORKERS = [
    ("Emily", "Hartley", date(1985, 9, 3), "GBR", "533201987"),
    ("Thabo", "Nkosi", date(1990, 1, 21), "ZAF", "A09384756"),
    ("Maria", "Santos", date(1992, 7, 30), "PHL", "P1234567A"),
    ("Lukas", "Becker", date(1983, 11, 8), "DEU", "C01X00T47"),
    ("Ana", "Oliveira", date(1991, 2, 14), "BRA", "FT527384"),
    ("Seo-yeon", "Park", date(1994, 5, 5), "KOR", "M12345678"),
    ("Ciarán", "Byrne", date(1987, 3, 17), "IRL", "PA7654321"),
    ("Sophie", "Martin", date(1989, 12, 1), "FRA", "18AB23456"),
    ("Daniel", "Cohen", date(1986, 8, 19), "USA", "561234987"),
    ("Wei", "Zhang", date(1993, 10, 10), "CHN", "E12345678"),
    ("Valentina", "Rossi", date(1990, 6, 25), "ITA", "YA1234567"),
    ("Arjun", "Mehta", date(1984, 1, 2), "IND", "K9876543"),
    ("Olivia", "Brown", date(1995, 4, 28), "AUS", "PA1928374"),
    ("Mateo", "García", date(1988, 9, 9), "ARG", "AAB123456"),
    ("Hannah", "Schmidt", date(1987, 2, 2), "AUT", "U1234567"),
    ("Kwame", "Mensah", date(1986, 6, 6), "GHA", "G2345678"),
    ("Yuki", "Tanaka", date(1992, 12, 12), "JPN", "TK1234567"),
    ("Noah", "Dubois", date(1989, 3, 30), "CAN", "AB123456"),
    ("Isabel", "Fernández", date(1991, 8, 8), "ESP", "XDA123456"),
    ("Jonas", "Lindqvist", date(1985, 5, 15), "SWE", "91234567"),
    ("Amara", "Okafor", date(1993, 3, 3), "NGA", "A12345678"),
    ("Tomás", "Novák", date(1988, 7, 7), "CZE", "40123456"),
]

_COMMITTED = {"employment_agreement_signed": True, "pipeline_programmes": ["Summer of Tech"],
              "industry_memberships": ["NZTech"]}
TECH_ANSWERS: list[dict[str, Any]] = [
    {"job_title": "Senior software engineer", "annual_salary_nzd": 145000, **_COMMITTED},
    {"anzsco_code": "262112", "annual_salary_nzd": 185000, **_COMMITTED},
    {"job_title": "Chief technology officer", "annual_salary_nzd": 230000, **_COMMITTED},
]
# Below the NZ$120,000 threshold for a software developer: the rules find it not met, and an assessor declines.
TECH_BELOW_THRESHOLD = {"anzsco_code": "261312", "annual_salary_nzd": 110000, **_COMMITTED}

ESSENTIAL_ANSWERS = {"role_duration_months": 4, "unique_skills_not_obtainable_in_nz": True, "time_critical": True,
                     "significant_work": "major_infrastructure"}

_GIVEN = ["Aiko", "Bram", "Chloé", "Dmitri", "Esi", "Farid", "Greta", "Hamid", "Ines", "Jun", "Kalani", "Lars",
          "Mina", "Nikhil", "Oona", "Pedro", "Qing", "Rosa", "Sione", "Tariq", "Uma", "Vikram", "Wren", "Xin",
          "Yara", "Zoltan", "Anouk", "Bilal", "Carmen", "Diego"]
_FAMILY = ["Abe", "Bakker", "Costa", "Dlamini", "Eriksen", "Fischer", "Gupta", "Horvat", "Ivanova", "Jensen",
           "Kowalski", "López", "Moreau", "Nakamura", "O'Brien", "Petrov", "Quinn", "Reyes", "Singh", "Takahashi",
           "Uddin", "Varga", "Walsh", "Yilmaz", "Zhou"]
_NATIONALITIES = ["GBR", "IND", "PHL", "ZAF", "USA", "DEU", "CHN", "BRA", "IRL", "CAN", "FRA", "JPN", "KOR", "NLD"]


def email_for(given: str, family: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", f"{given}.{family}").encode("ascii", "ignore").decode()
    return f"{ascii_name.lower().replace(chr(39), '')}@example.com"


def named_workers() -> Iterator[Person]:
    """The named workers, one each time, made as their employer records them."""
    for given, family, born, nationality, passport in WORKERS:
        yield person_create(given_names=given, family_name=family, date_of_birth=born, nationality=nationality,
                            passport_number=passport, email=email_for(given, family))


def crowd() -> Iterator[Person]:
    """Workers without end, each a different person (name, birth date and passport), for over-subscribing."""
    nationalities = cycle(_NATIONALITIES)
    for n, (family, given) in enumerate(product(_FAMILY, _GIVEN)):
        born = date(1975 + n % 23, 1 + n % 12, 1 + n % 28)
        yield person_create(given_names=given, family_name=family, date_of_birth=born,
                            nationality=next(nationalities), passport_number=f"D{n:07d}",
                            email=f"worker{n:04d}@example.com")
