"""A test certificate chain shaped like Apple's (root -> intermediate with Apple's WWDR OID ->
leaf with Apple's App Store receipt-signing OID) and ES256 JWS signed with its leaf, so that
Apple's own app-store-server-library verifies our fixtures exactly as it verifies Apple's."""

from __future__ import annotations

import base64
import datetime
import json
from typing import Any

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

INTERMEDIATE_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.2.1")
LEAF_OID = x509.ObjectIdentifier("1.2.840.113635.100.6.11.1")
_NULL = b"\x05\x00"


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "pushbridge tests")]
    )


def _cert(subject, issuer, public_key, signing_key, *, ca: bool, path_length=None, oid=None, issuer_key=None):
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=ca, crl_sign=ca, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key((issuer_key or signing_key).public_key()), critical=False)
    )  # fmt: skip
    if oid is not None:
        builder = builder.add_extension(x509.UnrecognizedExtension(oid, _NULL), critical=False)
    return builder.sign(signing_key, hashes.SHA256())


class AppleLikeChain:
    def __init__(self, *, leaf_oid: bool = True) -> None:
        self.root_key = ec.generate_private_key(ec.SECP256R1())
        self.intermediate_key = ec.generate_private_key(ec.SECP256R1())
        self.leaf_key = ec.generate_private_key(ec.SECP256R1())
        root_name, intermediate_name = _name("Test Root CA"), _name("Test WWDR CA")
        self.root = _cert(root_name, root_name, self.root_key.public_key(), self.root_key, ca=True)
        self.intermediate = _cert(intermediate_name, root_name, self.intermediate_key.public_key(), self.root_key,
                                  ca=True, path_length=0, oid=INTERMEDIATE_OID)  # fmt: skip
        self.leaf = _cert(_name("Test App Store signing"), intermediate_name, self.leaf_key.public_key(),
                          self.intermediate_key, ca=False, oid=LEAF_OID if leaf_oid else None)  # fmt: skip

    def root_der(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.DER)

    def sign(self, claims: dict[str, Any]) -> str:
        x5c = [
            base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode()
            for c in (self.leaf, self.intermediate, self.root)
        ]
        # As JWS over the JSON given: jwt.encode refuses the non-object claims attack tests sign.
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return jwt.api_jws.encode(payload, self.leaf_key, algorithm="ES256", headers={"x5c": x5c})
