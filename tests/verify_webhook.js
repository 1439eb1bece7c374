// Verifies a MaintainPro webhook with the API contract's own Node.js snippet.
// usage: node verify_webhook.js BODY_FILE SIGNATURE SECRET   -> prints "valid" (exit 0) or "invalid" (exit 1)
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

const [bodyFile, signature, secret] = process.argv.slice(2);
// The receiver's view of the request: the raw body read as a UTF-8 string.
const payload = fs.readFileSync(bodyFile, 'utf8');
let ok = false;
try {
  ok = verifyWebhook(payload, signature, secret);
} catch (err) {
  ok = false; // e.g. a signature of the wrong length
}
console.log(ok ? 'valid' : 'invalid');
process.exit(ok ? 0 : 1);
