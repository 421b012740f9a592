"""A software security key for the tests: it answers WebAuthn ceremonies the way a browser with a
real key would hand them to the server (attestation "none", ES256)."""

import hashlib
import json
import secrets
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

PRESENT, VERIFIED, ATTESTED = 0x01, 0x04, 0x40


def _b64(data: bytes) -> str:
    return bytes_to_base64url(data)


@dataclass
class SoftKey:
    """One credential on a pretend key; `counter` goes up by one at each use."""

    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    counter: int = 0
    discoverable: bool = True

    def _cose(self) -> bytes:
        numbers = self.private.public_key().public_numbers()
        return cbor2.dumps(
            {
                1: 2,
                3: -7,
                -1: 1,
                -2: numbers.x.to_bytes(32, "big"),
                -3: numbers.y.to_bytes(32, "big"),
            }
        )

    def create(self, options: str, *, origin: str) -> str:
        """Answer navigator.credentials.create() for these options."""
        document = json.loads(options)
        client = json.dumps(
            {
                "type": "webauthn.create",
                "challenge": document["challenge"],
                "origin": origin,
                "crossOrigin": False,
            }
        ).encode()
        data = (
            hashlib.sha256(document["rp"]["id"].encode()).digest()
            + bytes([PRESENT | VERIFIED | ATTESTED])
            + self.counter.to_bytes(4, "big")
            + bytes(16)
            + len(self.credential_id).to_bytes(2, "big")
            + self.credential_id
            + self._cose()
        )
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": data})
        return json.dumps(
            {
                "id": _b64(self.credential_id),
                "rawId": _b64(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": _b64(client),
                    "attestationObject": _b64(attestation),
                    "transports": ["usb"],
                },
                "clientExtensionResults": {"credProps": {"rk": self.discoverable}},
            }
        )

    def get(self, options: str, *, origin: str, rp_id: str | None = None) -> str:
        """Answer navigator.credentials.get() for these options."""
        document = json.loads(options)
        self.counter += 1
        client = json.dumps(
            {"type": "webauthn.get", "challenge": document["challenge"], "origin": origin}
        ).encode()
        data = (
            hashlib.sha256((rp_id or document["rpId"]).encode()).digest()
            + bytes([PRESENT | VERIFIED])
            + self.counter.to_bytes(4, "big")
        )
        signature = self.private.sign(
            data + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256())
        )
        return json.dumps(
            {
                "id": _b64(self.credential_id),
                "rawId": _b64(self.credential_id),
                "type": "public-key",
                "response": {
                    "clientDataJSON": _b64(client),
                    "authenticatorData": _b64(data),
                    "signature": _b64(signature),
                },
                "clientExtensionResults": {},
            }
        )


def challenge_of(options: str) -> bytes:
    """The challenge a set of options carries."""
    return base64url_to_bytes(json.loads(options)["challenge"])
