// Runs a scenario of component calls through the seats domain component in Node.
//
//   node replay.mjs DOMAIN.wasm SCENARIO.json [--now RFC3339] [--without STORE-FUNCTION]
//
// DOMAIN.wasm is what `seats component export` writes. It is transpiled with jco, instantiated
// with the in-memory JavaScript store (store.mjs), a fixed wall clock, and WASI from
// @bytecodealliance/preview2-shim; then each call of the scenario runs in its own transaction.
// Prints the results as JSON, one entry per call, in the same form as
// `seats component replay SCENARIO.json`, so the two can be compared. `--without` leaves a
// store function out, to show how a function the JS store lacks is reported.
//
// The scenario: { "calls": [ { "interface": "tenant", "function": "setup", "args": [...] } ] }
// Values are WIT values as JSON: records as objects with the WIT (kebab-case) field names,
// variants as { "tag": case, "val": payload }, enums as their names, options as null or the
// value, results as { "ok": value } or { "err": value }, lists and tuples as arrays.

import { readFile, writeFile, mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transpile } from '@bytecodealliance/jco';
import * as cli from '@bytecodealliance/preview2-shim/cli';
import * as clocks from '@bytecodealliance/preview2-shim/clocks';
import * as io from '@bytecodealliance/preview2-shim/io';
import * as random from '@bytecodealliance/preview2-shim/random';
import * as filesystem from '@bytecodealliance/preview2-shim/filesystem';
import { createStore } from './store.mjs';

const PACKAGE = 'seats:licensing';

function usage(message) {
  console.error(`${message}\nusage: node replay.mjs DOMAIN.wasm SCENARIO.json [--now RFC3339] [--without STORE-FUNCTION]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let now = process.env.SEATS_NOW;
const without = [];
const positional = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--now') now = args[++i];
  else if (args[i] === '--without') without.push(args[++i]);
  else positional.push(args[i]);
}
if (positional.length !== 2) usage('expected the component and the scenario');
const [wasmPath, scenarioPath] = positional;

// ---- WIT values <-> JSON, the form both runtimes print

const camel = (s) => s.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const kebab = (s) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const isVariant = (o) => typeof o.tag === 'string' && Object.keys(o).every((k) => k === 'tag' || k === 'val');

/** JSON (WIT names, null for none) -> what jco expects (camelCase fields, undefined for none). */
function toJs(v) {
  if (v === null) return undefined;
  if (Array.isArray(v)) return v.map(toJs);
  if (typeof v === 'object') {
    if (isVariant(v)) return v.val === undefined ? { tag: v.tag } : { tag: v.tag, val: toJs(v.val) };
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [camel(k), toJs(x)]));
  }
  return v;
}

/** What jco returns -> JSON (WIT names, null for none, numbers for 64-bit integers). */
function fromJs(v) {
  if (v === undefined || v === null) return null;
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new Error(`${v} does not fit a JSON number exactly`);
    }
    return Number(v);
  }
  if (Array.isArray(v) || ArrayBuffer.isView(v)) return Array.from(v, fromJs);
  if (typeof v === 'object') {
    if (isVariant(v)) {
      if (v.tag === 'ok' || v.tag === 'err') return { [v.tag]: fromJs(v.val) };
      return v.val === undefined ? { tag: v.tag } : { tag: v.tag, val: fromJs(v.val) };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [kebab(k), fromJs(x)]));
  }
  return v;
}

// ---- the component

async function load(wasm, store, seconds) {
  const { files } = await transpile(wasm, { name: 'domain', instantiation: 'async', quiet: true });
  const dir = await mkdtemp(join(tmpdir(), 'seats-jco-'));
  for (const [name, bytes] of Object.entries(files)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), bytes);
  }
  const { instantiate } = await import(pathToFileURL(join(dir, 'domain.js')).href);
  // The domain's "now": a fixed wall clock, as `seats --now` gives the wasmtime host.
  const wallClock = {
    now: () => ({ seconds: BigInt(seconds), nanoseconds: 0 }),
    resolution: () => ({ seconds: 1n, nanoseconds: 0 }),
  };
  const wasi = {
    'wasi:cli/environment': cli.environment,
    'wasi:cli/exit': cli.exit,
    'wasi:cli/stdin': cli.stdin,
    'wasi:cli/stdout': cli.stdout,
    'wasi:cli/stderr': cli.stderr,
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stdin': cli.terminalStdin,
    'wasi:cli/terminal-stdout': cli.terminalStdout,
    'wasi:cli/terminal-stderr': cli.terminalStderr,
    'wasi:clocks/monotonic-clock': clocks.monotonicClock,
    'wasi:clocks/wall-clock': seconds === undefined ? clocks.wallClock : wallClock,
    'wasi:filesystem/preopens': filesystem.preopens,
    'wasi:filesystem/types': filesystem.types,
    'wasi:io/error': io.error,
    'wasi:io/poll': io.poll,
    'wasi:io/streams': io.streams,
    'wasi:random/random': random.random,
    'wasi:random/insecure': random.insecure,
    'wasi:random/insecure-seed': random.insecureSeed,
  };
  const imports = { ...wasi, [`${PACKAGE}/store`]: store.imports };
  const getCoreModule = async (path) => WebAssembly.compile(await readFile(join(dir, path)));
  try {
    return await instantiate(getCoreModule, imports);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function parseNow(text) {
  if (text === undefined) return undefined;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) usage(`--now '${text}' is not a date`);
  return Math.floor(ms / 1000);
}

async function main() {
  const scenario = JSON.parse(await readFile(scenarioPath, 'utf8'));
  const store = createStore({ without });
  const component = await load(await readFile(wasmPath), store, parseNow(now));
  const results = [];
  for (const call of scenario.calls) {
    const name = `${call.interface}.${call.function}`;
    const exported = component[camel(call.interface)];
    const f = exported?.[camel(call.function)];
    if (typeof f !== 'function') throw new Error(`the component exports no ${name}`);
    store.begin();
    try {
      const value = f(...call.args.map(toJs));
      store.commit();
      results.push({ call: name, result: { ok: fromJs(value) } });
    } catch (e) {
      store.rollback();
      if (e && e.payload !== undefined) {
        // A refusal: the `err` of the export's result.
        results.push({ call: name, result: { err: fromJs(e.payload) } });
      } else {
        // A trap: the instance cannot be entered again.
        results.push({ call: name, trap: String(e?.message ?? e) });
        if (process.env.SEATS_REPLAY_DEBUG) console.error(e);
        console.log(JSON.stringify(results, null, 2));
        process.exit(3);
      }
    }
  }
  console.log(JSON.stringify(results, null, 2));
}

main().catch((e) => {
  console.error(`replay failed: ${e?.stack ?? e}`);
  process.exit(3);
});
