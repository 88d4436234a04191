// Sends a plan (`seats run SCRIPT --what-if --plan FILE`: one $batch body per line) to a Graph
// endpoint with Microsoft's Graph client, batch after batch, and fails unless every request
// of every batch succeeded.
//
//   SEATS_GRAPH_URL=http://127.0.0.1:PORT SEATS_TOKEN=... node send-plan.mjs plan.jsonl
import { readFileSync } from "node:fs";
import { graphClient } from "./client.mjs";

const [plan] = process.argv.slice(2);
const base = (process.env.SEATS_GRAPH_URL ?? "").replace(/\/+$/, "");
const token = process.env.SEATS_TOKEN ?? "";
if (!plan || !base || !token) {
  console.log("usage: SEATS_GRAPH_URL=... SEATS_TOKEN=... node send-plan.mjs PLAN.jsonl");
  process.exit(2);
}
const client = graphClient(base, token);
const lines = readFileSync(plan, "utf8").split("\n").filter((l) => l.trim() !== "");
let requests = 0;
for (const [n, line] of lines.entries()) {
  const batch = JSON.parse(line);
  const answer = await client.api("/$batch").post(batch);
  for (const r of answer.responses) {
    requests += 1;
    if (r.status < 200 || r.status > 299) {
      console.log(`not ok - batch ${n + 1}, request ${r.id}: ${r.status} ${JSON.stringify(r.body)}`);
      process.exit(1);
    }
  }
}
console.log(`ok - ${requests} requests in ${lines.length} batches`);
