"""Every change to Immigration NZ's records goes through a function here; views, the API and commands call them."""
