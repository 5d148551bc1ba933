"""Re-computing every request's event chain from what is stored."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bordercase.cases.chain import Anchor, ChainedEvent, chain_problems
from bordercase.cases.models import Event, Request


def chained_event(event: Event) -> ChainedEvent:
    return ChainedEvent(
        position=event.position, actor_label=event.actor_label, at=event.at, transition=event.transition,
        from_state=event.from_state, to_state=event.to_state, reason=event.reason, data=event.data,
        prev_hash=event.prev_hash, hash=event.hash, actor_id=event.actor_id, salt=event.salt,
        actor_digest=event.actor_digest, reason_digest=event.reason_digest, redacted=event.redacted_at is not None,
    )


def audit_problems(progress: Callable[[int, int], None] | None = None, batch: int = 500) -> Iterator[str]:
    """Yield each problem found in any request's chain; nothing yielded means every chain is intact."""
    total = Request.objects.count()
    done = 0
    last_pk = 0
    while True:
        requests = list(
            Request.objects.filter(pk__gt=last_pk).order_by("pk")
            .only("pk", "reference", "status", "events_count", "events_head_hash")[:batch]
        )
        if not requests:
            break
        events_by_request: dict[int, list[ChainedEvent]] = {r.pk: [] for r in requests}
        for event in Event.objects.filter(request_id__in=events_by_request).order_by("request_id", "position"):
            events_by_request[event.request_id].append(chained_event(event))
        for request in requests:
            anchor = Anchor(request.events_count, request.events_head_hash, request.status)
            yield from chain_problems(request.reference, events_by_request[request.pk], anchor)
        done += len(requests)
        last_pk = requests[-1].pk
        if progress is not None:
            progress(done, total)
