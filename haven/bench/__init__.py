"""`haven bench`: every benchmark that drives the apps, above them all (the matching engine keeps
its own, which needs no Django). Each times against a baseline measured in the same run, with the
helpers of `haven.bench.timing`, and starts its servers with `haven.bench.servers`."""
