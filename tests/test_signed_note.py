"""Signed notes and checkpoints in the C2SP formats, against Go's sumdb/note known answer
(golang.org/x/mod/sumdb/note, note_test.go and its package documentation: PeterNeumann's key and note)."""

from __future__ import annotations

import base64

import pytest

from bordercase.lib.merkle import EMPTY_ROOT
from bordercase.lib.signed_note import Checkpoint, NoteError, Signer, Verifier

GO_SIGNER = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VERIFIER = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = (GO_TEXT + "\n\u2014 PeterNeumann "
           "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")


def test_signing_gives_gos_note_byte_for_byte_and_it_opens() -> None:
    signer = Signer.from_text(GO_SIGNER)
    assert signer.verifier_key() == GO_VERIFIER and signer.text() == GO_SIGNER
    assert signer.sign(GO_TEXT) == GO_NOTE  # Ed25519 signs deterministically
    assert Verifier.from_text(GO_VERIFIER).open(GO_NOTE) == GO_TEXT


@pytest.mark.parametrize(("note", "words"), [
    (GO_NOTE.replace("cryptography", "cryptographY"), "does not match the note"),
    (GO_NOTE.replace("SffcvIAQ", "SffcvIAR"), "does not match the note"),
    (GO_NOTE.replace("PeterNeumann x08", "EnochRoot x08"), "no signature by PeterNeumann"),
    (GO_NOTE.replace("\n\n", "\n"), "a blank line"),
    (GO_NOTE.replace("\u2014 ", "-- "), "is not a signature line"),
    (GO_NOTE.replace("x08go/", "x08go!"), "not base64"),
])
def test_a_changed_note_is_refused_saying_what_is_wrong(note: str, words: str) -> None:
    with pytest.raises(NoteError, match=words):
        Verifier.from_text(GO_VERIFIER).open(note)


def test_another_keys_signature_is_passed_over_and_ours_still_counts() -> None:
    other = Signer.generate("witness.example")
    both = GO_NOTE + other.sign(GO_TEXT).split("\n\n", 1)[1]
    assert Verifier.from_text(GO_VERIFIER).open(both) == GO_TEXT
    assert Verifier.from_text(other.verifier_key()).open(both) == GO_TEXT


@pytest.mark.parametrize("key", [
    "", "PeterNeumann", GO_VERIFIER.replace("c74f20a3", "c74f20a4"), GO_VERIFIER.replace("+ARpc", "+AXpc"),
    GO_VERIFIER + "+more", "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
    GO_VERIFIER.replace("+ARpc", "+!Rpc"),
])
def test_a_malformed_or_mismatched_verifier_key_is_refused(key: str) -> None:
    with pytest.raises(NoteError):
        Verifier.from_text(key)


def test_a_checkpoint_is_written_read_signed_and_checked() -> None:
    signer = Signer.generate("bordercase.example.nz/log")
    checkpoint = Checkpoint("bordercase.example.nz/log", 42, EMPTY_ROOT)
    assert checkpoint.text() == f"bordercase.example.nz/log\n42\n{base64.b64encode(EMPTY_ROOT).decode()}\n"
    opened = Verifier.from_text(signer.verifier_key()).open(signer.sign(checkpoint.text()))
    assert Checkpoint.from_text(opened) == checkpoint
    root = base64.b64encode(EMPTY_ROOT).decode()
    for bad in (f"origin\n042\n{root}\n", f"origin\n-1\n{root}\n", "origin\n", "origin\n1\nnot base64!\n",
                "origin\n1\nAAAA\n", f"origin\n\u0661\n{root}\n"):
        with pytest.raises(NoteError):
            Checkpoint.from_text(bad)
