"""The library layer: what bordercase needs that knows no domain. Sending email, the errors every layer raises and
every interface answers, checks of uploaded files, identifiers and their check digits.

It imports nothing else of bordercase, so every other package may use it.
"""
