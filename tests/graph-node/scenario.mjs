// Drives `seats serve` with Microsoft's Graph client library for JavaScript (@microsoft/microsoft-graph-client 3.x),
// as an app would, on the example tenant of tests/graph-export. README.md says what it covers.
//
//   SEATS_GRAPH_URL=http://127.0.0.1:PORT SEATS_GRAPH_URL_THROTTLED=http://127.0.0.1:PORT2 \
//   SEATS_TOKEN=... SEATS_READER_TOKEN=... node scenario.mjs
//
// Prints "ok - <step>" per step and "N passed, 0 failed"; on the first failure prints "not ok - <step>" with the
// reason, takes back what it assigned and exits 1. It leaves the tenant as it found it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import {
  BatchRequestContent,
  BatchResponseContent,
  Client,
  GraphError,
  PageIterator,
} from "@microsoft/microsoft-graph-client";
import { graphClient, Recorder } from "./client.mjs";

const TIMEOUT_MS = Number(process.env.SEATS_SCENARIO_TIMEOUT_MS ?? 60_000);
const timer = setTimeout(() => {
  console.log(`not ok - the scenario did not finish within ${TIMEOUT_MS / 1000} s`);
  process.exit(1);
}, TIMEOUT_MS);
timer.unref();

function env(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`not ok - environment variable ${name} is not set`);
    process.exit(1);
  }
  return value;
}
const BASE = env("SEATS_GRAPH_URL").replace(/\/+$/, "");
const THROTTLED = env("SEATS_GRAPH_URL_THROTTLED").replace(/\/+$/, "");
const TOKEN = env("SEATS_TOKEN");
const READER_TOKEN = env("SEATS_READER_TOKEN");

// ---- the example tenant, as exported (../graph-export)
const fixture = (name) => JSON.parse(readFileSync(new URL(`../graph-export/${name}`, import.meta.url), "utf8"));
const exportedSkus = fixture("subscribedSkus.json").value;
const exportedSubscriptions = fixture("subscriptions.json").value;
const exportedUsers = [...fixture("users-1.json").value, ...fixture("users-2.json").value];
const exportedGroups = fixture("groups.json").value;
const skuId = (part) => exportedSkus.find((s) => s.skuPartNumber === part).skuId;
const E3 = skuId("SPE_E3");
const E5 = skuId("SPE_E5");
const PBI = skuId("POWER_BI_PRO");
const holds = (user, sku) => (user.assignedLicenses ?? []).some((l) => l.skuId === sku);
const e3Holders = exportedUsers.filter((u) => holds(u, E3)).map((u) => u.id).sort();
// Users with no licence who can get one (a usage location): the scenario licenses only them, and takes it back.
const spare = exportedUsers.filter((u) => u.assignedLicenses.length === 0 && u.usageLocation);
assert.ok(spare.length >= 2, "the example tenant needs two unlicensed users with a usage location");
const [A, B] = spare;
const NOBODY = "00000000-0000-4000-8000-000000000000";


const admin = graphClient(BASE, TOKEN);

// ---- helpers
async function rejects(promise, statusCode, code) {
  let error;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  assert.ok(error, `expected HTTP ${statusCode} ${code}, but the request succeeded`);
  assert.ok(error instanceof GraphError, `expected a GraphError, got ${error}`);
  assert.equal(error.statusCode, statusCode, `status of ${error.code}: ${error.message}`);
  assert.equal(error.code, code, `error code (HTTP ${error.statusCode}: ${error.message})`);
  return error;
}
const assignBody = (add, remove = []) => ({
  addLicenses: add.map((id) => ({ skuId: id, disabledPlans: [] })),
  removeLicenses: remove,
});
const assign = (client, user, add, remove = []) => client.api(`/users/${user}/assignLicense`).post(assignBody(add, remove));
const licensesOf = async (user) => (await admin.api(`/users/${user}`).select("id,assignedLicenses").get()).assignedLicenses.map((l) => l.skuId);
const consumedUnits = async () =>
  Object.fromEntries((await admin.api("/subscribedSkus").get()).value.map((s) => [s.skuPartNumber, s.consumedUnits]));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const exportedConsumed = Object.fromEntries(exportedSkus.map((s) => [s.skuPartNumber, s.consumedUnits]));

const steps = [];
const step = (name, fn) => steps.push({ name, fn });

// ---- the steps
if (new URL(BASE).protocol === "http:") {
  step("Client.init with customHosts sends no token to an http:// host: 401 InvalidAuthenticationToken", async () => {
    const stock = Client.init({
      authProvider: (done) => done(null, TOKEN),
      baseUrl: BASE,
      defaultVersion: "v1.0",
      customHosts: new Set([new URL(BASE).hostname]),
    });
    await rejects(stock.api("/subscribedSkus").get(), 401, "InvalidAuthenticationToken");
  });
}

step("tenant as exported: the unlicensed users hold nothing", async () => {
  for (const u of [A, B]) assert.deepEqual(await licensesOf(u.id), [], `${u.userPrincipalName} should hold no licence`);
});

step("GET /subscribedSkus: 5 SKUs, SPE_E5 7 consumed of 8 enabled (+2 warning); GET /directory/subscriptions: 8", async () => {
  const skus = (await admin.api("/subscribedSkus").get()).value;
  assert.equal(skus.length, 5);
  const e5 = skus.find((s) => s.skuId === E5);
  assert.equal(e5.skuPartNumber, "SPE_E5");
  assert.equal(e5.consumedUnits, 7);
  assert.equal(e5.prepaidUnits.enabled, 8);
  assert.equal(e5.prepaidUnits.warning, 2);
  for (const s of exportedSkus) {
    const got = skus.find((x) => x.skuId === s.skuId);
    assert.ok(got, `${s.skuPartNumber} missing`);
    assert.equal(got.consumedUnits, s.consumedUnits, `${s.skuPartNumber} consumedUnits`);
    assert.deepEqual(got.prepaidUnits, s.prepaidUnits, `${s.skuPartNumber} prepaidUnits`);
  }
  const subscriptions = (await admin.api("/directory/subscriptions").get()).value;
  assert.equal(subscriptions.length, exportedSubscriptions.length);
});

step("PageIterator over $filter=assignedLicenses/any(x:x/skuId eq SPE_E3)&$top=7: the 30 E3 users, via absolute @odata.nextLink", async () => {
  const first = await admin
    .api("/users")
    .filter(`assignedLicenses/any(x:x/skuId eq ${E3})`)
    .select("id,userPrincipalName,assignedLicenses")
    .top(7)
    .get();
  assert.equal(first.value.length, 7);
  assert.match(first["@odata.nextLink"] ?? "", /^https?:\/\/[^/]+\/v1\.0\/users\?/, "@odata.nextLink is an absolute URL");
  const seen = [];
  const iterator = new PageIterator(admin, first, (user) => {
    seen.push(user);
    return true;
  });
  await iterator.iterate();
  assert.ok(iterator.isComplete());
  assert.equal(seen.length, 30);
  for (const u of seen) assert.ok(holds(u, E3), `${u.userPrincipalName} does not hold SPE_E3 ($select and $filter kept in nextLink?)`);
  assert.deepEqual(seen.map((u) => u.id).sort(), e3Holders);
});

step("$count=true with ConsistencyLevel: eventual: @odata.count 30", async () => {
  const page = await admin
    .api("/users")
    .header("ConsistencyLevel", "eventual")
    .filter(`assignedLicenses/any(x:x/skuId eq ${E3})`)
    .count(true)
    .top(1)
    .get();
  assert.equal(page["@odata.count"], 30);
  assert.equal(page.value.length, 1);
});

step("$filter department eq 'Sales'; usageLocation eq 'DK' and accountEnabled eq true", async () => {
  const sales = await admin.api("/users").filter("department eq 'Sales'").select("id").get();
  assert.deepEqual(sales.value.map((u) => u.id).sort(), exportedUsers.filter((u) => u.department === "Sales").map((u) => u.id).sort());
  const dk = await admin.api("/users").filter("usageLocation eq 'DK' and accountEnabled eq true").select("id").top(999).get();
  const expected = exportedUsers.filter((u) => u.usageLocation === "DK" && u.accountEnabled).map((u) => u.id).sort();
  assert.deepEqual(dk.value.map((u) => u.id).sort(), expected);
});

step("$select=id,userPrincipalName returns only those (plus @odata.*)", async () => {
  const page = await admin.api("/users").select(["id", "userPrincipalName"]).top(5).get();
  assert.equal(page.value.length, 5);
  for (const u of page.value) {
    const extra = Object.keys(u).filter((k) => !["id", "userPrincipalName"].includes(k) && !k.startsWith("@odata."));
    assert.deepEqual(extra, [], `unselected properties on ${u.userPrincipalName}`);
    assert.ok(u.id && u.userPrincipalName);
  }
  const one = await admin.api(`/users/${A.userPrincipalName}`).select("id,displayName").get();
  assert.equal(one.id, A.id);
  assert.equal(one.displayName, A.displayName);
  assert.equal(one.userPrincipalName, undefined);
});

step("GET /groups and /groups/{id}/members", async () => {
  const groups = (await admin.api("/groups").get()).value;
  for (const g of exportedGroups) {
    assert.ok(groups.some((x) => x.id === g.id), `group ${g.displayName}`);
    const exported = fixture(`group-members/${g.id}.json`).value;
    const got = (await admin.api(`/groups/${g.id}/members`).select("id,userPrincipalName").get()).value;
    assert.deepEqual(got.map((m) => m.id).sort(), exported.map((m) => m.id).sort(), `members of ${g.displayName}`);
  }
});

step("assignLicense POWER_BI_PRO by userPrincipalName, licenseDetails, then removeLicenses", async () => {
  const user = await assign(admin, A.userPrincipalName, [PBI]);
  assert.equal(user.id, A.id);
  assert.ok(holds(user, PBI), "the returned user's assignedLicenses has POWER_BI_PRO");
  assert.equal((await consumedUnits()).POWER_BI_PRO, exportedConsumed.POWER_BI_PRO + 1);
  const details = (await admin.api(`/users/${A.id}/licenseDetails`).get()).value;
  const pbi = details.find((d) => d.skuId === PBI);
  assert.ok(pbi, "licenseDetails lists POWER_BI_PRO");
  assert.equal(pbi.skuPartNumber, "POWER_BI_PRO");
  assert.ok(Array.isArray(pbi.servicePlans) && pbi.servicePlans.length > 0, "servicePlans");
  for (const p of pbi.servicePlans) assert.ok(p.servicePlanId && p.servicePlanName, "servicePlanId, servicePlanName");

  const after = await assign(admin, A.id, [], [PBI]);
  assert.ok(!holds(after, PBI), "removed");
  assert.deepEqual((await admin.api(`/users/${A.id}/licenseDetails`).get()).value, []);
  assert.equal((await consumedUnits()).POWER_BI_PRO, exportedConsumed.POWER_BI_PRO);
});

step("SPE_E5: the last unit goes to one user, the next gets 400 CountViolation; then taken back", async () => {
  const user = await assign(admin, A.id, [E5]);
  assert.ok(holds(user, E5));
  const error = await rejects(assign(admin, B.id, [E5]), 400, "CountViolation");
  assert.ok(error.message, "the error has a message");
  assert.deepEqual(await licensesOf(B.id), [], "nothing assigned to the refused user");
  assert.ok(!holds(await assign(admin, A.id, [], [E5]), E5));
  assert.equal((await consumedUnits()).SPE_E5, 7);
});

step("a user with no admin role: assignLicense 403 Authorization_RequestDenied; bad token 401; unknown user 404", async () => {
  const reader = graphClient(BASE, READER_TOKEN);
  await rejects(assign(reader, A.id, [PBI]), 403, "Authorization_RequestDenied");
  assert.deepEqual(await licensesOf(A.id), [], "nothing assigned by the refused request");
  const stranger = graphClient(BASE, "not-a-valid-token");
  await rejects(stranger.api("/subscribedSkus").get(), 401, "InvalidAuthenticationToken");
  await rejects(admin.api(`/users/${NOBODY}`).get(), 404, "Request_ResourceNotFound");
});

step("$batch with BatchRequestContent/BatchResponseContent: assign to A, then B (dependsOn 1), then GET A (dependsOn 2)", async () => {
  // Absolute URLs without the version: BatchRequestContent in 3.0.7 keeps everything after the host, and Graph
  // wants the sub-request URLs relative to /v1.0 ("/users/..."), not "/v1.0/users/...".
  const post = (user) =>
    new Request(`${BASE}/users/${user}/assignLicense`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(assignBody([PBI])),
    });
  const batch = new BatchRequestContent([
    { id: "1", request: post(A.id) },
    { id: "2", request: post(B.id), dependsOn: ["1"] },
    { id: "3", request: new Request(`${BASE}/users/${A.id}?$select=id,assignedLicenses`), dependsOn: ["2"] },
  ]);
  const content = await batch.getContent();
  assert.equal(content.requests[0].url, `/users/${A.id}/assignLicense`);
  const response = new BatchResponseContent(await admin.api("/$batch").post(content));
  for (const id of ["1", "2", "3"]) {
    const r = response.getResponseById(id);
    assert.ok(r, `a response for request ${id}`);
    assert.equal(r.status, 200, `request ${id}: ${await r.clone().text()}`);
  }
  assert.ok(holds(await response.getResponseById("1").json(), PBI), "response 1 is the user holding POWER_BI_PRO");
  assert.ok(holds(await response.getResponseById("2").json(), PBI), "response 2 is the user holding POWER_BI_PRO");
  const got = await response.getResponseById("3").json();
  assert.equal(got.id, A.id);
  assert.ok(holds(got, PBI), "GET after the assignments shows POWER_BI_PRO");
  assert.equal((await consumedUnits()).POWER_BI_PRO, exportedConsumed.POWER_BI_PRO + 2);
});

step("$batch as plain JSON (Graph's documented shape): remove both again", async () => {
  const remove = (id, user) => ({
    id,
    method: "POST",
    url: `/users/${user}/assignLicense`,
    headers: { "Content-Type": "application/json" },
    body: assignBody([], [PBI]),
  });
  const raw = await admin.api("/$batch").post({ requests: [remove("a", A.id), remove("b", B.id)] });
  assert.equal(raw.responses.length, 2);
  const response = new BatchResponseContent(raw);
  for (const id of ["a", "b"]) assert.equal(response.getResponseById(id).status, 200, `request ${id}`);
  for (const u of [A, B]) assert.deepEqual(await licensesOf(u.id), [], `${u.userPrincipalName} holds nothing`);
});

step("$batch: a failed request (404) fails its dependant with 424", async () => {
  const batch = new BatchRequestContent([
    {
      id: "1",
      request: new Request(`${BASE}/users/${NOBODY}/assignLicense`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(assignBody([PBI])),
      }),
    },
    { id: "2", request: new Request(`${BASE}/users/${A.id}`), dependsOn: ["1"] },
  ]);
  const response = new BatchResponseContent(await admin.api("/$batch").post(await batch.getContent()));
  const first = response.getResponseById("1");
  assert.equal(first.status, 404);
  assert.equal((await first.json()).error.code, "Request_ResourceNotFound");
  assert.equal(response.getResponseById("2").status, 424);
});

step("throttled server, raw fetch: a 2nd write at once gets 429 TooManyRequests with Retry-After", async () => {
  const post = (body) =>
    fetch(`${THROTTLED}/v1.0/users/${A.id}/assignLicense`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  const first = await post(assignBody([PBI]));
  assert.equal(first.status, 200, `first write: ${await first.clone().text()}`);
  const second = await post(assignBody([], [PBI]));
  assert.equal(second.status, 429, `second write: ${await second.clone().text()}`);
  const retryAfter = second.headers.get("Retry-After");
  assert.match(retryAfter ?? "", /^\d+$/, "Retry-After in seconds");
  assert.equal((await second.json()).error.code, "TooManyRequests");
  assert.deepEqual(await licensesOf(A.id), [PBI], "the refused write changed nothing");
  await sleep(Number(retryAfter) * 1000 + 100);
});

step("throttled server, client: back-to-back writes succeed, the 2nd after RetryHandler waited Retry-After", async () => {
  const recorder = new Recorder();
  const client = graphClient(THROTTLED, TOKEN, recorder);
  assert.ok(!holds(await assign(client, A.id, [], [PBI]), PBI)); // takes back the raw write
  const started = Date.now();
  assert.ok(holds(await assign(client, A.id, [PBI]), PBI));
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 900, `the second write took ${elapsed} ms: expected a 429 and a retry after Retry-After`);
  assert.ok(recorder.seen.some((r) => r.status === 429 && r.retryAfter), `responses seen: ${JSON.stringify(recorder.seen)}`);
  assert.equal(recorder.seen.at(-1).status, 200);
  assert.ok(!holds(await assign(client, A.id, [], [PBI]), PBI));
});

step("tenant as it was at the start: every user's licences and consumedUnits as exported", async () => {
  const now = (await admin.api("/users").select("id,assignedLicenses").top(999).get()).value;
  assert.equal(now.length, exportedUsers.length);
  for (const u of exportedUsers) {
    const got = now.find((x) => x.id === u.id);
    assert.deepEqual(got.assignedLicenses.map((l) => l.skuId).sort(), u.assignedLicenses.map((l) => l.skuId).sort(), u.userPrincipalName);
  }
  assert.deepEqual(await consumedUnits(), exportedConsumed);
});

// ---- run
async function takeBack() {
  for (const u of [A, B]) {
    try {
      const held = await licensesOf(u.id);
      if (held.length) await assign(admin, u.id, [], held);
    } catch (e) {
      console.log(`# could not take back ${u.userPrincipalName}'s licences: ${e.message}`);
    }
  }
}

let passed = 0;
for (const { name, fn } of steps) {
  try {
    await fn();
  } catch (e) {
    console.log(`not ok - ${name}`);
    const detail = e instanceof GraphError ? `GraphError ${e.statusCode} ${e.code}: ${e.message}` : e?.stack ?? String(e);
    console.log(detail.replace(/^/gm, "# "));
    await takeBack();
    console.log(`${passed} passed, 1 failed`);
    process.exit(1);
  }
  passed++;
  console.log(`ok - ${name}`);
}
console.log(`${passed} passed, 0 failed`);
