// `npm run bench -- --only attachments`: a 10 MB photo from the portal's client code (as the
// patient's browser runs it) through a real relay on loopback to a clinician's decrypted,
// checked bytes (ADR 19), and each side's peak memory while it streams a 10 MB and a 30 MB
// file. Baselines measured in the same run: the same bytes over a bare WebSocket (binary
// frames of one chunk, the same window of chunks in flight, each acknowledged by the
// server), and libsodium's secretstream over the same chunks with no store and no relay.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { type AddressInfo } from 'node:net';
import { join } from 'node:path';

import sodium from 'libsodium-wrappers-sumo';
import { WebSocket, WebSocketServer } from 'ws';

import { ATTACHMENT_CHUNK_BYTES, openAll, sealAll } from '../../src/shared/protocol/attachments';
import { TRANSFER_WINDOW } from '../../src/shared/protocol/blob-transfer';
import { type Relay, type RelayOptions } from '../../src/relay/server';
import { startHeadlessClinic } from '../headless';
import { fakeJpeg, memoryFile } from '../../tests/support/files';

type Write = (name: string, result: Record<string, unknown>) => void;

const MB = 1024 * 1024;
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;
const mib = (bytes: number) => round(bytes / MB);

function spread(samples: readonly number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { runs: sorted.length, min: round(sorted[0] ?? NaN), median: round(sorted[Math.floor(sorted.length / 2)] ?? NaN), max: round(sorted.at(-1) ?? NaN) };
}

const collect = (): void => (globalThis as { gc?: () => void }).gc?.();
/** Live memory: the JS heap and the ArrayBuffers outside it (chunks, sockets). */
const live = (): number => {
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};

/** Runs `work` and returns how far retained memory rose above where it started (a memory run, not a timed one). */
async function peakDuring(work: () => Promise<void>): Promise<number> {
  collect();
  collect();
  const start = live();
  let peak = start;
  // What is held, not garbage waiting for the collector: collect, then look, every 10 ms.
  const timer = setInterval(() => {
    // Twice: the second collection also frees the ArrayBuffers the first one found dead.
    collect();
    collect();
    peak = Math.max(peak, live());
  }, 10);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  collect();
  collect();
  peak = Math.max(peak, live());
  return peak - start;
}

/** The same bytes over a bare WebSocket: binary frames of one chunk, TRANSFER_WINDOW in flight, each acknowledged. */
async function rawWebSocketMs(bytes: Uint8Array): Promise<number> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 4 * MB });
  server.on('connection', (ws) => ws.on('message', (data) => ws.send(String((data as Buffer).length))));
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const chunks = Math.ceil(bytes.length / ATTACHMENT_CHUNK_BYTES);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    let acked = 0;
    const pump = () => {
      while (sent < chunks && sent - acked < TRANSFER_WINDOW) {
        ws.send(bytes.subarray(sent * ATTACHMENT_CHUNK_BYTES, Math.min(bytes.length, (sent + 1) * ATTACHMENT_CHUNK_BYTES)));
        sent += 1;
      }
    };
    ws.on('message', () => {
      acked += 1;
      if (acked === chunks) resolve();
      else pump();
    });
    pump();
  });
  const ms = performance.now() - started;
  ws.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return ms;
}

/**
 * The relay in its own process, as it is deployed (`relay.mjs`, built beside this bench by
 * `npm run bench`): the patient's and the clinician's code then do not share its thread.
 */
async function relayProcess(options: RelayOptions): Promise<Relay> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'relay.mjs'), '--port', String(options.port ?? 0), '--data-dir', options.dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => (out += String(chunk)));
  child.stderr.on('data', (chunk) => (err += String(chunk)));
  const started = Date.now();
  for (;;) {
    const listening = /"relay\.listening".*?"port":(\d+)/.exec(out);
    if (listening) {
      const port = Number(listening[1]);
      const token = /setup token[^\n]*\n\s+(\S+)/.exec(err)?.[1];
      const url = `http://127.0.0.1:${port}`;
      return {
        url,
        wsUrl: `ws://127.0.0.1:${port}/ws`,
        port,
        ...(token ? { setupToken: token } : {}),
        sweep: async () => ({ messages: 0, blobs: 0 }),
        close: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      };
    }
    if (child.exitCode !== null || Date.now() - started > 20_000) throw new Error(`the relay did not start: ${err.slice(0, 500)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function benchAttachments(options: { quick: boolean; work: string; write: Write }): Promise<void> {
  await sodium.ready;
  const repeats = options.quick ? 3 : 5;
  const dir = join(options.work, 'attachments');
  mkdirSync(dir, { recursive: true });
  const clinic = await startHeadlessClinic({ dir, startRelay: relayProcess });
  try {
    const rules = (await clinic.admin.client.verifiedDirectory(true)).rules;
    if (!rules) throw new Error('no rules');
    await clinic.admin.client.publishPolicy({ ...rules, attachments: { ...rules.attachments, maxMegabytes: 32 }, security: { ...rules.security, patientAttachments: true } });
    const dr = await clinic.addStaff('dr', 'clinician');
    const ana = await clinic.addPatient('ana', 'pat-ana', clinic.admin, ['clinical', 'attachments']);
    await ana.verifiedDirectory();
    // The clinician fetches when this bench says so, not on the relay's push.
    await dr.client.disconnect();

    const endToEnd: number[] = [];
    const upload: number[] = [];
    const download: number[] = [];
    const raw: number[] = [];
    const sodiumOnly: number[] = [];
    const memory: { sizeMiB: number; uploadPeakMiB: number; downloadPeakMiB: number; uploadRunsMiB: number[]; downloadRunsMiB: number[] }[] = [];

    /** One file from the patient to the clinician's checked bytes; each phase timed and its peak memory taken. */
    const once = async (size: number, n: number, measureMemory = false) => {
      const bytes = fakeJpeg(size, `bench-photo-sample-${n}`);
      let sent: Awaited<ReturnType<typeof ana.client.send>> | null = null;
      const phase = async (work: () => Promise<void>): Promise<number> => (measureMemory ? peakDuring(work) : (await work(), 0));
      collect();
      const t0 = performance.now();
      const uploadPeak = await phase(async () => {
        sent = await ana.client.send('', { files: [memoryFile(`photo-${n}.jpg`, 'image/jpeg', bytes)] });
        await ana.client.flush();
      });
      const t1 = performance.now();
      const downloadPeak = await phase(async () => {
        await dr.client.sync();
        await dr.client.attachments.fetchPending();
      });
      const blobId = (sent as unknown as { attachments: { blobId: string }[] }).attachments[0]?.blobId as string;
      const opened = dr.client.attachments.open(blobId).bytes;
      const t2 = performance.now();
      if (!Buffer.from(opened).equals(Buffer.from(bytes))) throw new Error('the clinician’s bytes differ from the patient’s');
      return { upload: t1 - t0, download: t2 - t1, total: t2 - t0, uploadPeak, downloadPeak };
    };

    await once(2 * MB, 0); // warm-up: sockets, statements, JIT
    for (let i = 1; i <= repeats; i += 1) {
      const r = await once(10 * MB, i);
      endToEnd.push(r.total);
      upload.push(r.upload);
      download.push(r.download);
      raw.push(await rawWebSocketMs(fakeJpeg(10 * MB, 'raw-websocket-sample')));
      const plain = fakeJpeg(10 * MB, 'raw-sodium-sample');
      const s0 = performance.now();
      const sealed = sealAll(sodium, `b${'x'.repeat(30)}`, plain, 'p.jpg', 'image/jpeg');
      openAll(sodium, sealed.ref, sealed.chunks);
      sodiumOnly.push(performance.now() - s0);
    }
    // Memory: what each phase holds for a one-chunk file is the fixed part (sockets, statements,
    // the directory, the libsodium heap); 10 MB and 30 MB files may add at most three chunks.
    const sizes = [ATTACHMENT_CHUNK_BYTES, 10 * MB, 30 * MB];
    for (const size of sizes) {
      const ups: number[] = [];
      const downs: number[] = [];
      for (let rep = 0; rep < 3; rep += 1) {
        const r = await once(size, 1000 + rep + size / MB, true);
        ups.push(r.uploadPeak);
        downs.push(r.downloadPeak);
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] as number;
      memory.push({ sizeMiB: round(size / MB, 3), uploadPeakMiB: mib(median(ups)), downloadPeakMiB: mib(median(downs)), uploadRunsMiB: ups.map(mib), downloadRunsMiB: downs.map(mib) });
    }
    const ratios = upload.map((ms, i) => (raw[i] as number) / ms);
    const chunkMiB = ATTACHMENT_CHUNK_BYTES / MB;
    const fixed = memory[0] as (typeof memory)[number];
    const uploadBudgetMiB = round(fixed.uploadPeakMiB + 3 * chunkMiB, 2);
    const downloadBudgetMiB = round(fixed.downloadPeakMiB + 3 * chunkMiB, 2);
    const result = {
      file: '10 MiB photo (random bytes after a JPEG header), portal client code → relay in its own process (SQLite, synchronous = FULL) → clinician store → decrypted and checked',
      chunkKiB: ATTACHMENT_CHUNK_BYTES / 1024,
      windowChunks: TRANSFER_WINDOW,
      endToEndMs: spread(endToEnd),
      budgetMs: 1000,
      withinBudget: Math.max(...endToEnd) <= 1000,
      uploadMs: spread(upload),
      downloadAndCheckMs: spread(download),
      baselineRawWebSocketMs: spread(raw),
      baselineSecretstreamMs: spread(sodiumOnly),
      uploadOverRawWebSocket: { min: round(Math.min(...ratios), 2), median: round(spread(ratios.map((r) => r * 100)).median / 100, 2), max: round(Math.max(...ratios), 2) },
      memory,
      memoryBudgetMiB: { upload: uploadBudgetMiB, download: downloadBudgetMiB },
      memoryNote: `retained memory (JS heap + ArrayBuffers, collected every 10 ms) above its level before each phase, median of 3 runs per size, in runs apart from the timed ones; the budget is the same phase for a one-chunk file (the fixed part: sockets, statements, the directory, the libsodium heap) + 3 × ${chunkMiB.toFixed(3)} MiB`,
      memoryWithinBudget: memory.every((m) => m.uploadPeakMiB <= uploadBudgetMiB && m.downloadPeakMiB <= downloadBudgetMiB),
    };
    options.write('attachments', result);
  } finally {
    await clinic.close();
  }
}
