// The server the SDK tests talk to: given by the test run (MAINTAINPRO_TEST_SERVER, JSON from
// tests/live_server.py), or started here with that launcher (gunicorn + worker on a scratch database).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export async function startServer() {
  if (process.env.MAINTAINPRO_TEST_SERVER) {
    return { server: JSON.parse(process.env.MAINTAINPRO_TEST_SERVER), stop: async () => {} };
  }
  const python = process.env.MAINTAINPRO_PYTHON || path.join(ROOT, '.venv', 'bin', 'python');
  // As tests/test_js_sdk.py starts it (JS_ENV there): a budget spent in seconds, a short settle horizon.
  const child = spawn(python, [path.join(ROOT, 'tests', 'live_server.py'), '--sdk', '--worker',
    '--env', 'RATELIMIT_API=60/3 seconds', '--env', 'SYNC_SETTLE_SECONDS=1'],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'inherit'] });
  const first = await new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`live_server.py exited with ${code}`)));
  });
  const server = JSON.parse(first);
  if (server.error) throw new Error(server.error);
  const stop = () => new Promise((resolve) => {
    child.once('exit', resolve);
    child.stdin.end(); // the launcher stops gunicorn and the worker when its stdin closes
  });
  return { server, stop };
}

function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const char of text.replace(/=+$/, '').toUpperCase()) {
    bits += alphabet.indexOf(char).toString(2).padStart(5, '0');
  }
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s): what an authenticator app shows; `offset` in steps. */
export function totp(secret, offset = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + offset;
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const digest = crypto.createHmac('sha1', base32Decode(secret)).update(counter).digest();
  const start = digest[digest.length - 1] & 0x0f;
  const code = (digest.readUInt32BE(start) & 0x7fffffff) % 1000000;
  return String(code).padStart(6, '0');
}

const b64url = (data) => Buffer.from(data).toString('base64url');

/** An access token of a live session whose exp has passed, signed with the server's own key. */
export function expiredToken(server, account, sessionId) {
  const secret = fs.readFileSync(path.join(server.instance, 'secret_key'), 'utf8').trim();
  const past = Math.floor(Date.now() / 1000) - 3600;
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const claims = b64url(JSON.stringify({ fresh: false, iat: past, nbf: past, jti: crypto.randomUUID(),
    type: 'access', sub: server.accounts[account].user_id, sid: sessionId, exp: past + 900 }));
  const signature = crypto.createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

/** A webhook receiver on 127.0.0.1 that keeps each request's raw body. */
export async function startReceiver() {
  const received = [];
  const waiters = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      for (const waiter of waiters.splice(0)) waiter();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    async waitFor(count, timeoutMs = 30000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count && Date.now() < deadline) {
        await new Promise((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, Math.max(0, deadline - Date.now())).unref();
        });
      }
      return received;
    },
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

/**
 * A TCP proxy in front of the server that loses one answer: the first request that starts with
 * `POST ` reaches the server (which does the write) but its answer is swallowed and the connection
 * left hanging, as when a network path dies after sending. Every other connection is passed through.
 * `requests` keeps the head (request line and headers) of each POST seen.
 */
export async function startLossyProxy(base) {
  const target = new URL(base);
  const requests = [];
  const sockets = new Set();
  let lost = false;
  const proxy = net.createServer((client) => {
    sockets.add(client);
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    let swallow = null;
    client.on('data', (chunk) => {
      const text = chunk.toString('latin1');
      if (text.startsWith('POST ')) {
        requests.push(text.split('\r\n\r\n', 1)[0]);
        if (swallow === null) swallow = !lost;
        lost = true;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => { if (!swallow) client.write(chunk); });
    const close = () => { client.destroy(); upstream.destroy(); };
    client.on('close', close);
    upstream.on('close', () => { if (!swallow) client.destroy(); });
    client.on('error', close);
    upstream.on('error', close);
  });
  await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${proxy.address().port}`,
    requests,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      proxy.close(resolve);
    }),
  };
}
