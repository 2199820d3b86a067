#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit of a running server, using graphql-http's
// auditServer (the audit suite behind https://graphql-http.com's reports).
//
// Usage:
//   node audit.mjs URL [HEADER=VALUE ...] [-v|--verbose]
//   e.g. node audit.mjs http://127.0.0.1:8080/graphql "Authorization=Basic dXNlcjpwYXNz"
//
// Each HEADER=VALUE is added to every audit request (unless that request
// already sets the header itself: the audits' own Content-Type and Accept are
// what is being tested and are never overridden).
//
// Output: exactly one line of JSON on stdout,
//   {"ok":N,"warn":N,"error":N,"notice":N,
//    "warnings":[{"id","name","reason","response"}],
//    "errors":[...same...], "notices":[...same...]}
// where "error" counts failed MUST audits, "warn" failed SHOULD audits and
// "notice" failed MAY audits (optional behaviour; informational only).
// "response" is {"status","contentType","body"} of the offending response,
// the body cut to 500 characters.
// With -v, a human-readable report of every non-ok audit also goes to stderr.
//
// Exit status: 0 when no MUST audit failed (warnings and notices allowed),
// 1 when at least one MUST audit failed, 2 on a crash (bad arguments, server
// unreachable, timeout, ...), with the reason on stderr and nothing on stdout.
//
// Environment: AUDIT_TIMEOUT_MS, per-request timeout (default 30000).

import { auditServer } from 'graphql-http';

function usage(msg) {
  if (msg) process.stderr.write(`audit.mjs: ${msg}\n`);
  process.stderr.write(
    'usage: node audit.mjs URL [HEADER=VALUE ...] [-v|--verbose]\n'
  );
  process.exit(2);
}

// RFC 9110 token characters for header names.
const headerNameRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function parseArgs(argv) {
  let verbose = false;
  const positional = [];
  for (const arg of argv) {
    if (arg === '-v' || arg === '--verbose') verbose = true;
    else if (arg === '-h' || arg === '--help') usage();
    else positional.push(arg);
  }
  if (positional.length === 0) usage('missing URL');
  const [rawUrl, ...headerArgs] = positional;
  let url;
  try {
    url = new URL(rawUrl);
  } catch {
    usage(`invalid URL: ${rawUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    usage(`URL must be http(s): ${rawUrl}`);
  }
  const extraHeaders = [];
  for (const arg of headerArgs) {
    const eq = arg.indexOf('=');
    if (eq <= 0) usage(`expected HEADER=VALUE, got: ${arg}`);
    const name = arg.slice(0, eq).trim();
    const value = arg.slice(eq + 1);
    if (!headerNameRe.test(name)) usage(`invalid header name: ${name}`);
    if (/[\r\n\0]/.test(value)) usage(`invalid value for header ${name}`);
    extraHeaders.push([name, value]);
  }
  return { url: url.toString(), extraHeaders, verbose };
}

const { url, extraHeaders, verbose } = parseArgs(process.argv.slice(2));

const timeoutMs = Number(process.env.AUDIT_TIMEOUT_MS) || 30000;

/** fetch with the extra headers and a per-request timeout. */
async function fetchFn(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of extraHeaders) {
    if (!headers.has(name)) headers.set(name, value);
  }
  return fetch(input, {
    ...init,
    headers,
    signal: init.signal ?? AbortSignal.timeout(timeoutMs),
  });
}

async function describeResponse(res) {
  if (!res || typeof res !== 'object') return null;
  let body = null;
  try {
    body = await res.text();
    if (body.length > 500) body = body.slice(0, 500) + '…';
  } catch {
    // body already consumed or unreadable
  }
  return {
    status: res.status,
    contentType: res.headers?.get?.('content-type') ?? null,
    body,
  };
}

async function main() {
  const results = await auditServer({ url, fetchFn });

  const summary = {
    ok: 0,
    warn: 0,
    error: 0,
    notice: 0,
    warnings: [],
    errors: [],
    notices: [],
  };
  const listFor = { warn: 'warnings', error: 'errors', notice: 'notices' };
  for (const r of results) {
    if (!(r.status in summary)) {
      throw new Error(`unexpected audit status ${JSON.stringify(r.status)} for ${r.id}`);
    }
    summary[r.status]++;
    if (r.status === 'ok') continue;
    summary[listFor[r.status]].push({
      id: r.id,
      name: r.name,
      reason: r.reason ?? null,
      response: await describeResponse(r.response),
    });
  }

  if (verbose) {
    const lines = [
      `graphql-http audit of ${url}: ${summary.ok} ok, ${summary.error} MUST failed, ` +
        `${summary.warn} SHOULD failed, ${summary.notice} MAY not done`,
    ];
    for (const [label, list] of [
      ['ERROR', summary.errors],
      ['WARN', summary.warnings],
      ['NOTICE', summary.notices],
    ]) {
      for (const f of list) {
        lines.push(`${label} ${f.id} ${f.name}: ${f.reason}`);
        if (f.response) {
          lines.push(
            `    -> ${f.response.status} ${f.response.contentType ?? '(no content-type)'} ${f.response.body ?? ''}`
          );
        }
      }
    }
    process.stderr.write(lines.join('\n') + '\n');
  }

  process.stdout.write(JSON.stringify(summary) + '\n');
  process.exitCode = summary.error > 0 ? 1 : 0;
}

main().catch((err) => {
  const cause = err?.cause ? ` (cause: ${err.cause?.message ?? err.cause})` : '';
  process.stderr.write(`audit.mjs: audit crashed: ${err?.stack ?? err}${cause}\n`);
  process.exitCode = 2;
});
