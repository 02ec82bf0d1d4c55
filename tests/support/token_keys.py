"""Keys for token-based providers in tests: an RSA key pair, and a real HTTP server on
localhost publishing its JWKS (or Google-style PEM certificates)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa


class RsaKey:
    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}

    def token(self, claims: Any, *, kid: Any = None) -> str:
        """Signed as JWS over the JSON of ``claims`` as given: PyJWT's ``jwt.encode`` would refuse
        the wrong claim types the attack tests need (a non-string ``iss``, a list payload)."""
        payload = json.dumps(claims, separators=(",", ":")).encode()
        return jwt.api_jws.encode(payload, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


class KeyServer:
    """Serves whatever document it holds at any path; counts the fetches."""

    def __init__(self) -> None:
        self.document: Any = {"keys": []}
        self.fetches = 0
        self.down = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.fetches += 1
                if server.down:
                    self.send_error(503)
                    return
                payload = json.dumps(server.document).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}/.well-known/jwks"

    def publish(self, *keys: RsaKey) -> None:
        self.document = {"keys": [k.jwk() for k in keys]}

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


def self_signed_pem(key: RsaKey) -> str:
    """An X.509 certificate for the key, PEM, as Google publishes its OIDC signing keys."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, key.kid)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.private.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30)).sign(key.private, hashes.SHA256())
    )  # fmt: skip
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class GoogleApis:
    """Google's token endpoint and the Play Developer API, on localhost: records requests."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.purchases: dict[str, Any] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:  # noqa: N802  (the OAuth token endpoint)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                server.requests.append(("POST", self.path, dict(self.headers.items())))
                self._answer(
                    200, {"access_token": "ya29.test-access-token", "expires_in": 3600, "token_type": "Bearer"}
                )

            def do_GET(self) -> None:  # noqa: N802  (the Play Developer API)
                server.requests.append(("GET", self.path, dict(self.headers.items())))
                token = self.path.rsplit("/", 1)[-1]
                if token in server.purchases:
                    self._answer(200, server.purchases[token])
                else:
                    self._answer(404, {"error": {"code": 404, "message": "not found"}})

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def service_account_key(self) -> str:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa as rsa_keys

        private = rsa_keys.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        return json.dumps({
            "type": "service_account", "project_id": "pushbridge-test", "private_key_id": "k1", "private_key": pem.decode(),
            "client_email": "play-reader@pushbridge-test.iam.gserviceaccount.com", "client_id": "1",
            "token_uri": f"{self.url}/token",
        })  # fmt: skip

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


# The token providers' options, pointed at the localhost stand-ins above.
TOKEN_AUDIENCE = "https://abc.execute-api.eu-west-1.amazonaws.com/webhooks/googleplay"
TOKEN_PUSHER = "play-rtdn-push@my-project.iam.gserviceaccount.com"


def token_sources_yaml(jwks_url: str, certs_url: str, apple_root: str, api_url: str | None = None) -> str:
    """The kinde, apple and googleplay sources of a config file, keyed to local key servers."""
    play = f'audience: "{TOKEN_AUDIENCE}", service_account_email: "{TOKEN_PUSHER}", certs_url: "{certs_url}"'
    if api_url is not None:
        play += f', api_url: "{api_url}"'
    return f"""sources:
  kinde: {{provider: kinde, options: {{jwks_url: "{jwks_url}"}}}}
  apple:
    provider: apple
    options: {{bundle_id: com.example.app, app_apple_id: 1234567890, root_certificates: ["{apple_root}"]}}
  googleplay:
    provider: googleplay
    options: {{{play}}}
"""
