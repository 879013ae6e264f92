// The short chaos run in every test run (scripts/test): 20 widget flows under random failures
// and a random user, and the proxy under slow clients, overload, a stalled upstream and
// SIGTERM. The full run (200 flows) is scripts/chaos; both report every defect found.
import { test } from "node:test";
import assert from "node:assert/strict";
import { chaos } from "./chaos.mjs";
import { chaosProxy } from "./chaos-proxy.mjs";

test("chaos: 20 widget flows end connected, cancelled, removed or with a working Try again; nothing leaks", async () => {
  const report = await chaos({ flows: 20 });
  console.log(JSON.stringify(report));
  assert.equal(report.flows, 20);
  assert.deepEqual(report.defects, [], `seed ${report.seed}`);
});

test("chaos: the proxy keeps answering under slow clients, overload and a stalled upstream, and drains on SIGTERM", async () => {
  const report = await chaosProxy();
  console.log(JSON.stringify(report));
  assert.deepEqual(report.defects, []);
});
