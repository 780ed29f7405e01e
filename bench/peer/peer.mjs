// Bench-only: the peer `make bench` measures ivlog's push against (bench/peer.py drives it).
//   node peer.mjs serve <dir>               a CouchDB-protocol server (express-pouchdb, LevelDB files in <dir>)
//   node peer.mjs replicate <url> <docs>    load <docs> (a JSON array) into an in-memory PouchDB, then time
//                                           one replication of all of them to <url> and print the figures
import express from 'express';
import expressPouchDB from 'express-pouchdb';
import PouchDB from 'pouchdb';
import memory from 'pouchdb-adapter-memory';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

async function serve(dir) {
  const Stored = PouchDB.defaults({ prefix: dir.endsWith('/') ? dir : dir + '/' });
  const app = express();
  app.use('/', expressPouchDB(Stored, { mode: 'minimumForPouchDB', inMemoryConfig: true }));
  const server = app.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
  process.on('SIGTERM', () => server.close(() => process.exit(0)));
}

async function replicate(url, docsPath) {
  PouchDB.plugin(memory);
  const docs = JSON.parse(readFileSync(docsPath, 'utf8'));
  const local = new PouchDB('outbox', { adapter: 'memory' });
  const loaded = await local.bulkDocs(docs);
  const failed = loaded.filter((row) => row.error);
  if (failed.length) throw new Error(`loading the outbox failed: ${JSON.stringify(failed[0])}`);
  const remote = new PouchDB(url);
  await remote.info(); // creates the database: set-up, not replication
  const started = performance.now();
  const result = await PouchDB.replicate(local, remote);
  const seconds = (performance.now() - started) / 1000;
  const info = await remote.info();
  console.log(JSON.stringify({ seconds, docs_read: result.docs_read, docs_written: result.docs_written,
    doc_write_failures: result.doc_write_failures, remote_doc_count: info.doc_count, batch_size: 100 }));
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'serve') await serve(...rest);
else if (mode === 'replicate') await replicate(...rest);
else { console.error('usage: node peer.mjs serve <dir> | replicate <url> <docs.json>'); process.exit(2); }
