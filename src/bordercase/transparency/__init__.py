"""One append-only log over everything bordercase records, as RFC 9162 builds it (issue 18): a leaf for every event,
written in the event's own transaction, and later placed in the tree in the order it committed."""
