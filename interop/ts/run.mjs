// Interoperability check: drives `mm serve` with the official TypeScript MCP
// SDK client, as editors built on it do: over stdio, then over streamable
// HTTP (`mm serve --http 127.0.0.1:0`, the bearer token in a header). The
// client also checks every structuredContent against the tool's output
// schema, so schema mistakes on our side fail here.
//
// Usage: MM_BIN=/path/to/mm node run.mjs   (run.sh builds mm and does this)

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const mm = process.env.MM_BIN;
if (!mm) {
  console.error('interop: set MM_BIN to the mm binary to test');
  process.exit(2);
}

let passed = 0;
let failed = 0;

let over = '';

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${over}${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${over}${name}: ${err instanceof Error ? err.message : err}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function text(result) {
  return (result.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('');
}

const memory = 'The interop capybara deploys on Tuesdays via blue-green rollout.';

// The checks every transport must pass, on a fresh store.
async function toolChecks(client, transport) {
  let chunkId;
  await check('initialize', async () => {
    await client.connect(transport);
    const info = client.getServerVersion();
    assert(info?.name === 'memtomem', `server name ${JSON.stringify(info)}`);
    assert((client.getInstructions() ?? '').includes('mem_search'), 'instructions do not mention mem_search');
  });

  await check('tools/list', async () => {
    const { tools } = await client.listTools();
    const names = tools.map(t => t.name);
    for (const want of ['mem_add', 'mem_search', 'mem_recall', 'mem_index', 'mem_status', 'mem_stats', 'mem_list', 'mem_read', 'mem_do']) {
      assert(names.includes(want), `${want} missing from ${names.join(', ')}`);
    }
    for (const t of tools) {
      assert(t.inputSchema?.type === 'object', `${t.name}: input schema is not an object`);
    }
  });

  await check('mem_add', async () => {
    const res = await client.callTool({ name: 'mem_add', arguments: { content: memory, title: 'Capybara deploys', tags: ['ops', 'interop'] } });
    assert(!res.isError, `tool error: ${text(res)}`);
    chunkId = res.structuredContent?.chunk_ids?.[0];
    assert(typeof chunkId === 'string' && chunkId.length > 0, `no chunk id in ${JSON.stringify(res.structuredContent)}`);
  });

  await check('mem_add with comma-separated tags', async () => {
    const res = await client.callTool({ name: 'mem_add', arguments: { content: 'A second note about wombats.', tags: 'zoo, interop' } });
    assert(!res.isError, `tool error: ${text(res)}`);
  });

  await check('mem_search', async () => {
    const res = await client.callTool({ name: 'mem_search', arguments: { query: 'capybara deploys', top_k: 5 } });
    assert(!res.isError, `tool error: ${text(res)}`);
    const first = res.structuredContent?.results?.[0];
    assert(first, `no results: ${text(res)}`);
    assert(first.score_scale === 'bm25', `score_scale ${first.score_scale}`);
    assert(first.content.includes('interop capybara'), `first result is ${JSON.stringify(first)}`);
    assert(first.chunk_id === chunkId, `first result ${first.chunk_id}, added ${chunkId}`);
    assert(text(res).startsWith('[1] '), `compact text: ${text(res)}`);
  });

  await check('mem_read', async () => {
    const res = await client.callTool({ name: 'mem_read', arguments: { chunk_id: chunkId } });
    assert(!res.isError, `tool error: ${text(res)}`);
    assert(res.structuredContent?.content?.includes(memory), `read ${JSON.stringify(res.structuredContent)}`);
  });

  await check('mem_search with an empty query is a tool error', async () => {
    const res = await client.callTool({ name: 'mem_search', arguments: { query: '' } });
    assert(res.isError === true, `not an error: ${text(res)}`);
    assert(text(res).includes('query is empty'), `unhelpful message: ${text(res)}`);
  });

  await check('mem_do help and an unknown action', async () => {
    const help = await client.callTool({ name: 'mem_do', arguments: { action: 'help' } });
    assert(!help.isError && text(help).includes('batch_add'), `help: ${text(help)}`);
    const bad = await client.callTool({ name: 'mem_do', arguments: { action: 'tag_lsit' } });
    assert(bad.isError === true && text(bad).includes('did you mean "tag_list"'), `unknown action: ${text(bad)}`);
  });

  await check('mem_stats', async () => {
    const res = await client.callTool({ name: 'mem_stats', arguments: {} });
    assert(!res.isError && res.structuredContent?.chunks === 2, `stats ${JSON.stringify(res.structuredContent)}`);
  });
  await check('prompts: recall brings the memory, remember asks for mem_add', async () => {
    const { prompts } = await client.listPrompts();
    const names = prompts.map(p => p.name).sort().join(',');
    assert(names === 'recall,remember', `prompts ${names}`);
    const recall = await client.getPrompt({ name: 'recall', arguments: { topic: 'capybara deploys' } });
    const said = recall.messages.map(m => m.content?.text ?? '').join('');
    assert(said.includes('interop capybara'), `recall prompt: ${said}`);
    const remember = await client.getPrompt({ name: 'remember', arguments: {} });
    assert(remember.messages[0].content.text.includes('mem_add'), `remember prompt: ${JSON.stringify(remember)}`);
  });

  await check('resources: recent, and a memory by id', async () => {
    const { resources } = await client.listResources();
    assert(resources.some(r => r.uri === 'memtomem://recent'), `resources ${JSON.stringify(resources)}`);
    const recent = await client.readResource({ uri: 'memtomem://recent' });
    assert(recent.contents[0].text.includes('wombats'), `recent: ${JSON.stringify(recent)}`);
    const one = await client.readResource({ uri: `memtomem://memory/${chunkId}` });
    assert(one.contents[0].text.includes(memory), `memory ${chunkId}: ${JSON.stringify(one)}`);
  });
}

// exitOf resolves with a child process's exit code and signal.
function exitOf(child) {
  return child.exitCode !== null
    ? Promise.resolve({ code: child.exitCode, signal: null })
    : new Promise(resolve => child.once('exit', (code, signal) => resolve({ code, signal })));
}

async function overStdio() {
  over = 'stdio: ';
  const home = mkdtempSync(join(tmpdir(), 'mm-interop-'));
  const transport = new StdioClientTransport({
    command: mm,
    args: ['serve'],
    env: { MEMTOMEM_HOME: home },
    stderr: 'inherit',
  });
  const client = new Client({ name: 'memtomem-interop', version: '1.0.0' });
  try {
    await toolChecks(client, transport);
    await check('server exits 0 when the client closes', async () => {
      // _process is the transport's child process (not public API): it is
      // the only way to see the exit code.
      const child = transport._process;
      const exited = child ? exitOf(child) : Promise.resolve({ code: null, signal: null });
      const started = Date.now();
      await client.close();
      const { code, signal } = await exited;
      assert(code === 0, `exit code ${code}, signal ${signal}`);
      assert(Date.now() - started < 5000, `took ${Date.now() - started} ms to exit`);
    });
  } finally {
    await client.close().catch(() => {});
    rmSync(home, { recursive: true, force: true });
  }
}

// startHTTP runs `mm serve --http 127.0.0.1:0` and resolves with the URL it
// prints on stderr (within 20 s).
function startHTTP(home) {
  const child = spawn(mm, ['serve', '--http', '127.0.0.1:0'], { env: { ...process.env, MEMTOMEM_HOME: home }, stdio: ['ignore', 'inherit', 'pipe'] });
  const url = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('mm serve --http printed no URL within 20 s')), 20000);
    child.once('exit', code => reject(new Error(`mm serve --http exited with ${code} before listening`)));
    createInterface({ input: child.stderr }).on('line', line => {
      process.stderr.write(`${line}\n`);
      const m = line.match(/MCP over HTTP at (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  return { child, url };
}

async function overHTTP() {
  over = 'http: ';
  const home = mkdtempSync(join(tmpdir(), 'mm-interop-http-'));
  const { child, url: urlPromise } = startHTTP(home);
  const client = new Client({ name: 'memtomem-interop', version: '1.0.0' });
  try {
    const url = await urlPromise;
    const token = readFileSync(join(home, 'http-token'), 'utf8').trim();
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    });
    await toolChecks(client, transport);

    await check('a second client on the same server sees the first one\'s memories', async () => {
      const other = new Client({ name: 'memtomem-interop-2', version: '1.0.0' });
      await other.connect(new StreamableHTTPClientTransport(new URL(url), {
        requestInit: { headers: { Authorization: `Bearer ${token}` } },
      }));
      try {
        const res = await other.callTool({ name: 'mem_search', arguments: { query: 'wombats' } });
        assert(!res.isError && text(res).includes('wombats'), `search: ${text(res)}`);
      } finally {
        await other.close();
      }
    });

    await check('without the token: 401 with a JSON-RPC error', async () => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      assert(res.status === 401, `status ${res.status}`);
      assert((res.headers.get('www-authenticate') ?? '').startsWith('Bearer'), `WWW-Authenticate ${res.headers.get('www-authenticate')}`);
      const body = await res.json();
      assert(body.jsonrpc === '2.0' && body.error?.message?.includes('Authorization: Bearer'), `body ${JSON.stringify(body)}`);
    });

    await check('a wrong token is refused by the SDK client', async () => {
      const bad = new Client({ name: 'memtomem-interop-bad', version: '1.0.0' });
      let err;
      try {
        await bad.connect(new StreamableHTTPClientTransport(new URL(url), {
          requestInit: { headers: { Authorization: 'Bearer not-the-token-0123456789' } },
        }));
      } catch (e) {
        err = e;
      }
      await bad.close().catch(() => {});
      assert(err, 'connected with a wrong token');
    });

    await check('session ends with DELETE, server exits 0 on SIGTERM', async () => {
      await transport.terminateSession();
      await client.close();
      const exited = exitOf(child);
      const started = Date.now();
      child.kill('SIGTERM');
      const { code, signal } = await exited;
      assert(code === 0, `exit code ${code}, signal ${signal}`);
      assert(Date.now() - started < 10000, `took ${Date.now() - started} ms to exit`);
    });
  } finally {
    await client.close().catch(() => {});
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  }
}

await overStdio();
await overHTTP();

console.log(`interop: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
