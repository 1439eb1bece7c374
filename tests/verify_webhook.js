// Verifies a MaintainPro webhook with the API contract's own Node.js snippet.
// usage: node verify_webhook.js BODY_FILE SIGNATURE SECRET [reparsed]
//   -> prints "valid" (exit 0) or "invalid" (exit 1)
// With "reparsed" it verifies as receivers behind a JSON body parser do:
// verifyWebhook(JSON.stringify(req.body), ...) instead of the raw bytes.
const crypto = require('crypto');
const fs = require('fs');

function verifyWebhook(payload, signature, secret) {
  const expectedSignature = crypto
    .createHmac('sha256', secret)
    .update(payload, 'utf8')
    .digest('hex');

  return crypto.timingSafeEqual(
    Buffer.from(signature, 'hex'),
    Buffer.from(expectedSignature, 'hex')
  );
}

const [bodyFile, signature, secret, mode] = process.argv.slice(2);
// The receiver's view of the request: the raw body read as a UTF-8 string.
const raw = fs.readFileSync(bodyFile, 'utf8');
const payload = mode === 'reparsed' ? JSON.stringify(JSON.parse(raw)) : raw;
let ok = false;
try {
  ok = verifyWebhook(payload, signature, secret);
} catch (err) {
  ok = false; // e.g. a signature of the wrong length
}
console.log(ok ? 'valid' : 'invalid');
process.exit(ok ? 0 : 1);
