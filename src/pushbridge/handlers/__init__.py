"""Lambda entry points. They only wire: Powertools decorators, settings, adapters, and a
call into the domain. Each builds its service once per container, on first use."""

import sys

# botocore asks urllib3 for pyOpenSSL's SSLContext wherever pyOpenSSL is installed (the intakes
# ship it for Apple's library), only to take back the standard library's: that import loads
# pyOpenSSL and cryptography's X.509 on every cold start. Marked absent, botocore takes the
# standard SSLContext directly, as it does where pyOpenSSL is not installed (delivery).
sys.modules.setdefault("urllib3.contrib.pyopenssl", None)  # type: ignore[arg-type]
