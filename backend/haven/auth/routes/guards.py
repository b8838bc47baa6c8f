"""What a sign-in endpoint checks about the browser that calls it.

**Login CSRF.** A page on another site could post a form to ``/auth/token`` with the
attacker's own email and password: the victim's browser would then hold the attacker's
session (and file a report, or ask for support, into the attacker's account).
:data:`SameOriginOnly` refuses (403 ``cross-site-request``) any request a browser marks as
coming from elsewhere:

1. ``Sec-Fetch-Site`` (sent by every current browser, and no script can set or remove it):
   ``same-origin`` and ``none`` (typed by the person) pass; ``same-site`` (another host of the
   same site, e.g. a sibling subdomain) and ``cross-site`` are refused.
2. Without it, ``Origin`` (older browsers send it on every POST): it must be Haven's own
   origin, the ``Host`` the request was sent to or the origin of ``HAVEN_PUBLIC_URL``;
   ``null`` (a sandboxed frame, a ``data:`` page) and anything else are refused.
3. With neither header the caller is not a browser (a script, a stock OAuth2 client): it
   passes, since it holds no victim's cookies.

**Refresh tokens stay out of scripts' reach.** :func:`is_browser` says whether a request
came from a browser (it sent ``Origin`` or ``Sec-Fetch-*``, which scripts cannot remove):
such a request never gets the refresh token in a response body, only as the HttpOnly
cookie (:func:`haven.auth.routes.sessions.token_response`).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import Depends, Request

from haven.core.errors import Forbidden
from haven.core.settings import get_settings

_ALLOWED_FETCH_SITES = frozenset({"same-origin", "none"})


class CrossSiteRequest(Forbidden):
    type, title = "cross-site-request", "Not from Haven's own pages"

    def __init__(self) -> None:
        super().__init__("Sign-in is accepted only from Haven's own pages.")


def _authority(origin: str) -> tuple[str, str] | None:
    """(scheme, host[:port]) of an origin, lower case, default ports left out."""
    try:
        parts = urlsplit(origin.strip())
        host = parts.hostname
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not host:
        return None
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme)
    name = f"[{host.lower()}]" if ":" in host else host.lower()  # an IPv6 literal
    return scheme, name if port in (None, default) else f"{name}:{port}"


def _host_authority(host_header: str, scheme: str) -> str:
    authority = _authority(f"{scheme}://{host_header}")
    return authority[1] if authority else ""


def cross_site_refusal(
    *, sec_fetch_site: str | None, origin: str | None, host: str | None, public_url: str
) -> bool:
    """True when a browser says the request comes from another site (see the module)."""
    if sec_fetch_site is not None:
        return sec_fetch_site.strip().lower() not in _ALLOWED_FETCH_SITES
    if origin is None:
        return False
    claimed = _authority(origin) if origin.strip().lower() != "null" else None
    if claimed is None:
        return True
    scheme, netloc = claimed
    if host and netloc == _host_authority(host, scheme):
        return False
    return claimed != _authority(public_url)


def is_browser(request: Request) -> bool:
    headers = request.headers
    return (
        "origin" in headers
        or "sec-fetch-site" in headers
        or "sec-fetch-mode" in headers
        or "sec-fetch-dest" in headers
    )


async def _same_origin_only(request: Request) -> None:
    headers = request.headers
    if cross_site_refusal(
        sec_fetch_site=headers.get("sec-fetch-site"),
        origin=headers.get("origin"),
        host=headers.get("host"),
        public_url=get_settings().public_url,
    ):
        raise CrossSiteRequest()


SameOriginOnly = Depends(_same_origin_only)
"""Add to the ``dependencies`` of a public endpoint that signs in (sets a session cookie)."""
