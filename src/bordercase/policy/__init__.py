"""Rules as code: each scheme's policy (questions, criteria, parameters with dates and sources) and their
evaluation. Pure: no Django, no database."""
