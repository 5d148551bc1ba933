"""People's own data: who looked at a request, their data back to them, and corrections
(Privacy Act 2020, IPPs 6 and 7)."""
