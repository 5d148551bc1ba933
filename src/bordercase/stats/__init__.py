"""Official statistics: counting requests, invitations, visas and people offshore as at any date. Pure."""
