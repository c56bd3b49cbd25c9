"""DSSE interop with an independent implementation (securesystemslib), for securerun's tests.

  sign REPORT DIGEST_HEX OUT_DIR    build a cosign vuln statement around REPORT, sign it with a fresh
                                    ECDSA P-256 key; write OUT_DIR/envelope.json and OUT_DIR/key.pub
  verify ENVELOPE PUBLIC_KEY_PEM    verify an envelope written by securerun; exit 0 if it verifies
"""
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey


def sign(report_path, digest_hex, out_dir):
    with open(report_path, encoding="utf-8") as handle:
        report = json.load(handle)
    statement = {
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": "example.test/app", "digest": {"sha256": digest_hex}}],
        "predicateType": "https://cosign.sigstore.dev/attestation/vuln/v1",
        "predicate": {
            "invocation": {"parameters": None, "uri": "", "event_id": "", "builder.id": ""},
            "scanner": {"uri": "pkg:github/aquasecurity/trivy@dev", "version": "dev",
                        "db": {"uri": "", "version": ""}, "result": report},
            "metadata": {"scanStartedOn": "2021-08-25T12:20:30.000000005Z",
                         "scanFinishedOn": "2021-08-25T12:20:30.000000005Z"},
        },
    }
    private_key = ec.generate_private_key(ec.SECP256R1())
    envelope = Envelope(payload=json.dumps(statement, indent=1).encode("utf-8"),
                        payload_type="application/vnd.in-toto+json", signatures={})
    envelope.sign(CryptoSigner(private_key))
    with open(f"{out_dir}/envelope.json", "w", encoding="utf-8") as handle:
        json.dump(envelope.to_dict(), handle)
    with open(f"{out_dir}/key.pub", "wb") as handle:
        handle.write(private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))


def verify(envelope_path, key_path):
    with open(envelope_path, encoding="utf-8") as handle:
        document = json.load(handle)
    with open(key_path, "rb") as handle:
        public_key = serialization.load_pem_public_key(handle.read())
    keyid = document["signatures"][0].get("keyid", "")
    key = SSlibKey.from_crypto(public_key, keyid=keyid)
    envelope = Envelope.from_dict(document)
    envelope.verify([key], 1)
    print("verified")


if __name__ == "__main__":
    if sys.argv[1] == "sign":
        sign(*sys.argv[2:5])
    else:
        verify(*sys.argv[2:4])
