"""Schemathesis hooks of zonescale's fuzz suite (loaded through SCHEMATHESIS_HOOKS by test/fuzz/run.ts).

They keep the run WITH the cluster token safe for the machine and for the throwaway cluster, while
still sending every operation its generated (positive and negative) inputs. run.ts applies them to
the run without the token too, where every mutation should get 401 before its body is read, so
that a broken auth check cannot send traffic beyond loopback either:

- Every string of a request body that a WHATWG URL parser would read as an http(s) URL is aimed
  at 127.0.0.1 and at a port of the fuzz suite's own window where nothing listens
  (ZONESCALE_FUZZ_SAFE_PORT .. +ZONESCALE_FUZZ_SAFE_PORTS-1, one port per distinct string), so a
  balancer's health check, the gateway's probe or a monitor's leader probe never leaves loopback
  nor reaches another process. Path, query and fragment are kept, so "URL with a path" stays a
  negative case.
- Every integral `term` (5 or 5.0) above ZONESCALE_FUZZ_MAX_TERM (the leader's stored term, read
  before the run) is lowered to it. Before issue 11's defect 1 was fixed such a term hung the
  leader; since, it drives the stored term to the bound (2^31-1), after which no replica can claim
  a term and a dead leader is never replaced. Lower and equal terms, negative and non-integer ones
  are sent as generated (`run.ts --free-terms` leaves ZONESCALE_FUZZ_MAX_TERM unset: no cap).
- A load run (`POST /control/load`) gets at most 2 req/s for at most 1 s, so a generated 500 req/s
  for 300 s cannot take the machine's cores.

Schemathesis re-validates a case after `before_call` edits it, so a case these rewrites turn from
negative into positive is checked as positive. Without ZONESCALE_FUZZ_SAFE_PORT the hooks change
nothing.
"""

from __future__ import annotations

import os
import re
import zlib
from typing import Any

import schemathesis

# WHATWG URL parsing strips leading/trailing C0 controls and spaces and removes tab, LF and CR anywhere.
_C0_AND_SPACE = "".join(chr(c) for c in range(0x21))
_HTTP_SCHEME = re.compile(r"^https?:", re.IGNORECASE)
# After "http(s):", any run of / or \ then the authority up to the first / \ ? #.
_AUTHORITY = re.compile(r"^(https?:)[/\\]*([^/\\?#]*)(.*)$", re.IGNORECASE | re.DOTALL)

_LOAD_LIMITS = {"rate": 2, "durationS": 1}


def _safe_port(original: str) -> int:
    base = int(os.environ["ZONESCALE_FUZZ_SAFE_PORT"])
    span = int(os.environ.get("ZONESCALE_FUZZ_SAFE_PORTS", "100"))
    return base + zlib.crc32(original.encode("utf-8", "surrogatepass")) % span


def loopback_url(value: str) -> str:
    """`value` aimed at a safe loopback port when a URL parser would read it as http(s); else itself."""
    normalised = re.sub(r"[\t\n\r]", "", value.strip(_C0_AND_SPACE))
    if not _HTTP_SCHEME.match(normalised):
        return value
    m = _AUTHORITY.match(normalised)
    rest = m.group(3) if m else ""
    return f"http://127.0.0.1:{_safe_port(value)}{rest}"


def _above(value: Any, bound: int) -> bool:
    """True for an integral number above `bound` (JSON `5.0` is the integer 5 to a JavaScript reader)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value > bound
    return isinstance(value, float) and value.is_integer() and value > bound


def _sanitise(node: Any, max_term: int | None) -> Any:
    if isinstance(node, str):
        return loopback_url(node)
    if isinstance(node, list):
        return [_sanitise(v, max_term) for v in node]
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            if k == "term" and max_term is not None and _above(v, max_term):
                out[k] = max_term
            else:
                out[k] = _sanitise(v, max_term)
        return out
    return node


def _clamp_load(body: dict[str, Any]) -> None:
    for key, limit in _LOAD_LIMITS.items():
        v = body.get(key)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v > limit:
            body[key] = limit


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Rewrites the body of every case (see the module comment)."""
    if "ZONESCALE_FUZZ_SAFE_PORT" not in os.environ:
        return
    max_term_env = os.environ.get("ZONESCALE_FUZZ_MAX_TERM")
    max_term = int(max_term_env) if max_term_env else None
    body = case.body
    if isinstance(body, (dict, list, str)):
        body = _sanitise(body, max_term)
        if isinstance(body, dict) and case.operation.path == "/control/load" and case.method.upper() == "POST":
            _clamp_load(body)
        case.body = body


def self_test() -> None:
    """Asserts the rewrites above on inputs a fuzzer produces (run by test/fuzz/run.ts first)."""
    base = int(os.environ["ZONESCALE_FUZZ_SAFE_PORT"])
    span = int(os.environ.get("ZONESCALE_FUZZ_SAFE_PORTS", "100"))
    for url in ["http://example.com:80", " HTTP:\\\\evil.example:8080/x", "https:10.0.0.1:1", "http\t://[::1]:9"]:
        out = loopback_url(url)
        m = re.match(r"^http://127\.0\.0\.1:(\d+)", out)
        assert m and base <= int(m.group(1)) < base + span, (url, out)
    assert loopback_url("http://a.example:1/path?q").endswith("/path?q")
    assert loopback_url("ftp://a.example:1") == "ftp://a.example:1"
    body = _sanitise({"term": 10**30, "zones": [{"term": 9.0, "url": "http://x.example:1"}], "n": "term"}, 3)
    assert body["term"] == 3 and body["zones"][0]["term"] == 3, body
    assert _sanitise({"term": 2.5}, 1)["term"] == 2.5 and _sanitise({"term": -7}, 3)["term"] == -7
    load = {"rate": 500, "durationS": 300.0, "target": "zone1"}
    _clamp_load(load)
    assert load == {"rate": 2, "durationS": 1, "target": "zone1"}, load
