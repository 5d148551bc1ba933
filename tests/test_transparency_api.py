"""The transparency log in the API: checkpoints and consistency proofs for anyone, an event's inclusion for whoever
may see the event, and each proof checked here as an outsider would check it."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable

from django.test import Client

from bordercase.cases.models import Event, Request
from bordercase.lib.merkle import leaf_hash, verify_consistency, verify_inclusion
from bordercase.lib.signed_note import Checkpoint as CheckpointText
from bordercase.lib.signed_note import Verifier
from bordercase.transparency.checkpoints import checkpoint_make, log_signer
from tests.conftest import API, World


def b64(text: str) -> bytes:
    return base64.b64decode(text, validate=True)


def test_no_checkpoint_yet_says_when_to_ask_again(db: None) -> None:
    answer = Client().get(f"{API}/transparency/checkpoint")
    assert answer.status_code == 404
    assert "every few minutes" in answer.json()["message"]


def test_anyone_reads_the_signed_checkpoints(world: World, lodged: Request) -> None:
    first = checkpoint_make()
    lodged.refresh_from_db()
    checkpoint_make_after_more(world, lodged)
    second = checkpoint_make()
    answer = Client().get(f"{API}/transparency/checkpoint")  # no token
    assert answer.status_code == 200
    latest = answer.json()
    assert latest["size"] == second.size and b64(latest["root_hash"]) == bytes(second.root_hash)
    # The note is the checkpoint, signed by the log's key.
    text = Verifier.from_text(log_signer().verifier_key()).open(latest["note"])
    assert CheckpointText.from_text(text) == CheckpointText(log_signer().name, second.size, bytes(second.root_hash))
    listed = Client().get(f"{API}/transparency/checkpoints").json()
    assert [c["size"] for c in listed] == [second.size, first.size]
    older = Client().get(f"{API}/transparency/checkpoints", {"below_size": second.size}).json()
    assert [c["size"] for c in older] == [first.size]


def checkpoint_make_after_more(world: World, request: Request) -> None:
    """Something more happens to the request, through bordercase: the log grows."""
    from bordercase.cases.services.events import SYSTEM, event_append

    Request.objects.select_for_update().get(pk=request.pk)
    event_append(request=request, by=SYSTEM, transition="assign", from_state=request.status,
                 to_state=request.status, reason="Looked at again.")


def test_a_consistency_proof_joins_two_checkpoints(world: World, lodged: Request) -> None:
    first = checkpoint_make()
    checkpoint_make_after_more(world, lodged)
    second = checkpoint_make()
    answer = Client().get(f"{API}/transparency/consistency", {"old_size": first.size, "new_size": second.size})
    assert answer.status_code == 200
    proof = [b64(h) for h in answer.json()["proof"]]
    assert verify_consistency(first.size, second.size, bytes(first.root_hash), bytes(second.root_hash), proof)
    assert not verify_consistency(first.size, second.size, hashlib.sha256(b"another").digest(),
                                  bytes(second.root_hash), proof)


def test_a_consistency_proof_asked_for_wrongly_says_what_to_ask(world: World, lodged: Request) -> None:
    size = checkpoint_make().size
    for old, new in ((size, 1), (0, size), (1, size + 5), (-3, size)):
        answer = Client().get(f"{API}/transparency/consistency", {"old_size": old, "new_size": new})
        assert answer.status_code == 422, (old, new)
        assert "consistency proof is between two sizes" in answer.json()["fields"]["old_size"]
    answer = Client().get(f"{API}/transparency/consistency", {"old_size": "ten", "new_size": "\u0661"})
    assert answer.status_code == 422 and answer.json()["fields"]


def test_an_events_inclusion_is_proved_to_those_who_may_see_it(world: World, lodged: Request,
                                                             api_client: Callable[..., Client]) -> None:
    client = api_client(world.employer_a)
    path = f"{API}/requests/{lodged.reference}/events/2/inclusion"
    waiting = client.get(path)
    assert waiting.status_code == 409 and "no checkpoint holds it yet" in waiting.json()["message"]
    checkpoint = checkpoint_make()
    answer = client.get(path)
    assert answer.status_code == 200
    proved = answer.json()
    assert proved["tree_size"] == checkpoint.size
    leaf = leaf_hash(proved["leaf_data"].encode())
    assert leaf == b64(proved["leaf_hash"])
    event = Event.objects.get(request=lodged, position=2)
    assert json.loads(proved["leaf_data"])["hash"] == event.hash
    assert verify_inclusion(proved["leaf_index"], proved["tree_size"], leaf, [b64(h) for h in proved["path"]],
                            bytes(checkpoint.root_hash))
    # Another employer, a position with no event, and a reference that cannot be one: not found, alike.
    assert api_client(world.employer_b).get(path).status_code == 404
    assert client.get(f"{API}/requests/{lodged.reference}/events/99/inclusion").status_code == 404
    assert client.get(f"{API}/requests/NOT-A-REF/events/1/inclusion").status_code == 404
    assert Client().get(path).status_code == 401


def test_a_staff_only_events_inclusion_is_not_there_for_the_applicant(world: World, lodged: Request,
                                                                      api_client: Callable[..., Client]) -> None:
    from bordercase.cases.services.events import SYSTEM, event_append

    Request.objects.select_for_update().get(pk=lodged.pk)
    claimed = event_append(request=lodged, by=SYSTEM, transition="claim", from_state=lodged.status,
                           to_state=lodged.status, reason="Taken for assessment.")
    checkpoint_make()
    path = f"{API}/requests/{lodged.reference}/events/{claimed.position}/inclusion"
    assert api_client(world.employer_a).get(path).status_code == 404  # the applicant reads no claim
    assert api_client(world.assessor_nztech).get(path).status_code == 200


def test_a_consistency_proof_between_sizes_the_log_never_had_is_refused(world: World, lodged: Request) -> None:
    size = checkpoint_make().size
    for old, new in ((size + 7, size + 7), (-3, -3), (0, 0)):
        answer = Client().get(f"{API}/transparency/consistency", {"old_size": old, "new_size": new})
        assert answer.status_code == 422, (old, new)
    same = Client().get(f"{API}/transparency/consistency", {"old_size": size, "new_size": size})
    assert same.status_code == 200 and same.json()["proof"] == []
