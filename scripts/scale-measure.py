#!/usr/bin/env python3
"""Single-client latency of one page for scripts/scale.sh: requests one after another on one
kept-alive connection, as a browser asks (gzip), for at least SECONDS and at least 3 requests
(at most 2,000; past 20 s a slow page stops after its last answer, so an export that takes a
minute is timed once). Paths are taken in turn. Any answer other than 200 is an
error. Prints: p50_ms p99_ms requests_per_s errors bytes_of_the_first_answer

usage: scale-measure.py PORT SECONDS COOKIE PATH [PATH…]   (COOKIE '' for a signed-out reader)
"""
import http.client
import sys
import time


def main():
    port, seconds, cookie, paths = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4:]
    headers = {"Accept-Encoding": "gzip", "Accept": "text/html,application/json"}
    if cookie:
        headers["Cookie"] = cookie
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    samples, errors, first_bytes = [], 0, None
    started = time.monotonic()
    while len(samples) < 2000:
        elapsed = time.monotonic() - started
        if elapsed >= seconds and (len(samples) >= 3 or elapsed >= 20):
            break
        path = paths[len(samples) % len(paths)]
        t0 = time.perf_counter()
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        samples.append((time.perf_counter() - t0) * 1000)
        if response.status != 200:
            errors += 1
        if first_bytes is None:
            first_bytes = len(body)
    total = time.monotonic() - started
    samples.sort()
    pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]
    print(f"{pick(0.5):.1f} {pick(0.99):.1f} {len(samples) / total:.1f} {errors} {first_bytes}")


if __name__ == "__main__":
    main()
