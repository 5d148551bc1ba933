"""The demo: a whole world of schemes, people and requests, made only through the services real use goes through.

It sits above every other package (it uses the services of cases, immigration and reporting, and nothing uses it),
so it can walk a request the whole way, from lodging to a visa decision, as the people in the journey would.
"""
