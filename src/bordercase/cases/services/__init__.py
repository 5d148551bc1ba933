"""Every change to case records goes through a function here; views, the API and commands call them."""
