"""How long bordercase keeps each kind of record and what then happens to it (Privacy Act 2020, IPP 9)."""
