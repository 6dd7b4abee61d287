"""Who may call what: API keys for writes (and, when configured, reads), and the rate
limit of the expensive endpoints.

Keys are compared in constant time against every configured key, so the time an
answer takes says nothing about how close a guess was. A key is never logged; log
lines and rate-limit buckets carry a short fingerprint (a hash prefix) instead.
"""

import hashlib
import hmac
import math
import threading
import time
from collections.abc import Callable, Sequence
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from service.settings import Settings

bearer_scheme = HTTPBearer(
    auto_error=False, description="An API key as `Authorization: Bearer <key>`."
)
header_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="An API key as `X-API-Key: <key>`."
)
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key was given (problem+json)."},
    403: {"description": "The API key is not valid (problem+json)."},
}
RATE_RESPONSES: dict[int | str, dict[str, Any]] = {
    429: {"description": "Over the rate limit; `Retry-After` says when to retry."},
}


def fingerprint(key: str) -> str:
    """A short, non-reversible name for a key, for logs and rate-limit buckets."""
    return "key-" + hashlib.sha256(key.encode()).hexdigest()[:10]


class KeyRing:
    """The configured keys."""

    def __init__(self, keys: Sequence[SecretStr]) -> None:
        self._keys = [k.get_secret_value().encode() for k in keys]

    def __bool__(self) -> bool:
        return bool(self._keys)

    def accepts(self, given: str) -> bool:
        """Whether ``given`` is one of the keys; every key is compared, always."""
        candidate = given.encode()
        found = False
        for key in self._keys:
            found |= hmac.compare_digest(candidate, key)
        return found


class RateLimiter:
    """Token buckets, one per key or client: ``per_minute`` tokens refill evenly over a
    minute and a full bucket allows a burst of that many. In memory, per process."""

    MAX_BUCKETS = 10_000

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, who: str) -> float:
        """Spend one token of ``who``: 0.0 when allowed, else seconds until one is back."""
        with self._lock:
            now = self._clock()
            tokens, then = self._buckets.get(who, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate)
            if tokens >= 1.0:
                self._buckets[who] = (tokens - 1.0, now)
                self._forget_idle(now)
                return 0.0
            self._buckets[who] = (tokens, now)
            return (1.0 - tokens) / self.rate

    def _forget_idle(self, now: float) -> None:
        # Buckets that have refilled hold no state worth keeping; dropping them bounds
        # memory when many clients pass by.
        if len(self._buckets) <= self.MAX_BUCKETS:
            return
        full_after = self.capacity / self.rate
        self._buckets = {
            who: (tokens, then)
            for who, (tokens, then) in self._buckets.items()
            if now - then < full_after
        }


def presented_key(
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    header: Annotated[str | None, Security(header_scheme)],
) -> str | None:
    """The key a request carries, from either header (X-API-Key wins)."""
    if header:
        return header
    return bearer.credentials if bearer else None


PresentedKey = Annotated[str | None, Depends(presented_key)]


def _keys(request: Request) -> KeyRing:
    ring: KeyRing = request.app.state.keys
    return ring


def _authorise(request: Request, key: str | None) -> None:
    if not key:
        hint = "" if _keys(request) else " (this server has no keys: set OVERSTAP_API_KEYS)"
        raise HTTPException(
            401,
            "this call needs an API key (Authorization: Bearer <key> or X-API-Key)" + hint,
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not _keys(request).accepts(key):
        raise HTTPException(403, "the API key is not valid")
    request.state.client_key = fingerprint(key)


def require_key(request: Request, key: PresentedKey) -> None:
    """Writes and admin calls: a valid key, always."""
    _authorise(request, key)


def read_access(request: Request, key: PresentedKey) -> None:
    """Reads: a valid key when ``read_requires_key`` is set, otherwise open (a key that
    is given and valid still names the caller for the rate limit)."""
    settings: Settings = request.app.state.settings
    if settings.read_requires_key:
        _authorise(request, key)
    elif key and _keys(request).accepts(key):
        request.state.client_key = fingerprint(key)


def rate_limited(request: Request, _: Annotated[None, Depends(read_access)]) -> None:
    """Spend a token of the caller (its key, else its address) or answer 429."""
    limiter: RateLimiter | None = request.app.state.rate_limiter
    if limiter is None:
        return
    who = getattr(request.state, "client_key", None)
    if who is None:
        who = "client-" + (request.client.host if request.client else "unknown")
    wait = limiter.take(who)
    if wait > 0:
        raise HTTPException(
            429,
            f"over the limit of {limiter.capacity:.0f} requests per minute; "
            f"retry in {math.ceil(wait)} s",
            headers={"Retry-After": str(math.ceil(wait))},
        )


KeyRequired = Depends(require_key)
ReadAccess = Depends(read_access)
RateLimited = Depends(rate_limited)
