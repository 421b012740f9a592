"""Load from wrk: a fixed offered rate (or flat out), every request on a connection of its own,
as the reverse proxy of docs/deploy.md sends them; bounded in time, loopback only."""

import json
import os
import shutil
import subprocess
import tempfile

from haven.bench.timing import BenchRefused

# wrk runs this in each of its threads. LuaJIT's ffi gives a monotonic clock, so each thread can
# hand out send slots at a fixed rate (wrk alone only sends as fast as it can). Every POST carries
# a fresh submission key, as a fresh copy of the form would.
LUA = r"""
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } haven_timespec;
int clock_gettime(int clock, haven_timespec *now);
]]
local clock = ffi.new("haven_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, clock)
  return tonumber(clock.tv_sec) * 1000 + tonumber(clock.tv_nsec) / 1e6
end

local mode = os.getenv("HAVEN_BENCH_MODE")
local rate = tonumber(os.getenv("HAVEN_BENCH_RATE"))
local threads = tonumber(os.getenv("HAVEN_BENCH_THREADS"))
local run = os.getenv("HAVEN_BENCH_RUN")
local path = os.getenv("HAVEN_BENCH_PATH")
local form = os.getenv("HAVEN_BENCH_FORM")
local api = os.getenv("HAVEN_BENCH_API")
local cookie = os.getenv("HAVEN_BENCH_COOKIE")
-- A connection per request, as nginx's proxy_pass opens them (docs/deploy.md): the server is
-- measured as it is driven in production, /healthz included.
local connection = "close"
local interval = rate > 0 and 1000 * threads / rate or 0
local next_slot = nil
local counter = 0

local made = {}
function setup(thread)
  table.insert(made, thread)
  thread:set("index", #made)
end

function delay()
  if interval == 0 then return 0 end
  local now = now_ms()
  if next_slot == nil then next_slot = now end
  local slot = next_slot
  next_slot = next_slot + interval
  return math.max(0, slot - now)
end

function request()
  counter = counter + 1
  local key = string.format("%s-%d-%d", run, index, counter)
  if mode == "form" then
    return wrk.format("POST", path, {
      ["Content-Type"] = "application/x-www-form-urlencoded",
      ["Cookie"] = cookie,
      ["Connection"] = connection,
    }, form .. "&submission=" .. key)
  elseif mode == "api" then
    return wrk.format("POST", path, {
      ["Content-Type"] = "application/json",
      ["Idempotency-Key"] = key,
      ["Connection"] = connection,
    }, api)
  end
  return wrk.format("GET", path, {["Connection"] = connection})
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "seconds": %.3f, "p50_ms": %.2f, "p99_ms": %.2f, "errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def wrk_path() -> str:
    found = shutil.which("wrk")
    if found is None:
        raise BenchRefused(
            "haven bench intake drives the server with wrk, which is not installed. Install it "
            "with: apt-get install wrk (scripts/test-system does this)."
        )
    return found


def drive(
    wrk: str, url: str, environment: dict[str, str], seconds: int, connections: int
) -> dict[str, float]:
    """wrk's figures for one load of `url` (requests, seconds, p50, p99, errors)."""
    threads = 2
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(LUA)
        script.flush()
        done = subprocess.run(  # noqa: S603  # fixed arguments, no shell
            [
                wrk,
                f"--threads={threads}",
                f"--connections={max(connections, threads)}",
                f"--duration={seconds}s",
                "--timeout=10s",
                f"--script={script.name}",
                url,
            ],
            env={**os.environ, **environment, "HAVEN_BENCH_THREADS": str(threads)},
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=False,
        )
    line = next((x for x in done.stdout.splitlines() if x.startswith('{"requests"')), None)
    if line is None:
        raise BenchRefused(f"wrk gave no figures: {done.stdout[-500:]} {done.stderr[-500:]}")
    figures: dict[str, float] = json.loads(line)
    return figures
