// Interoperability check: drives `mm serve` with the official TypeScript MCP
// SDK client over stdio, as editors built on it do. The client also checks
// every structuredContent against the tool's output schema, so schema
// mistakes on our side fail here.
//
// Usage: MM_BIN=/path/to/mm node run.mjs   (run.sh builds mm and does this)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const mm = process.env.MM_BIN;
if (!mm) {
  console.error('interop: set MM_BIN to the mm binary to test');
  process.exit(2);
}

let passed = 0;
let failed = 0;

async function check(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name}: ${err instanceof Error ? err.message : err}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function text(result) {
  return (result.content ?? []).filter(c => c.type === 'text').map(c => c.text).join('');
}

const home = mkdtempSync(join(tmpdir(), 'mm-interop-'));
const transport = new StdioClientTransport({
  command: mm,
  args: ['serve'],
  env: { MEMTOMEM_HOME: home },
  stderr: 'inherit',
});
const client = new Client({ name: 'memtomem-interop', version: '1.0.0' });
const memory = 'The interop capybara deploys on Tuesdays via blue-green rollout.';
let chunkId;

try {
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

  await check('server exits 0 when the client closes', async () => {
    // _process is the transport's child process (not public API): it is
    // the only way to see the exit code.
    const child = transport._process;
    const exited = child && child.exitCode === null
      ? new Promise(resolve => child.once('exit', (code, signal) => resolve({ code, signal })))
      : Promise.resolve({ code: child?.exitCode ?? null, signal: null });
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

console.log(`interop: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
