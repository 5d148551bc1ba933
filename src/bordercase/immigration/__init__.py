"""Immigration New Zealand's side: recommendations, invitations to apply, the worker's request to travel with
their family and managed isolation, and visa decisions."""
