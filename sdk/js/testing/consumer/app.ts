// An integrator's TypeScript file: tests/test_js_sdk.py compiles it with tsc --strict against the packed SDK
// in a fresh project without @types/node. Never run.
import MaintainProAPI, { MaintainProError, verifyTimestampedWebhook, verifyWebhook, type WorkOrderSort } from '@maintainpro/api-sdk';

const client = new MaintainProAPI({ baseUrl: 'http://127.0.0.1:8000/api', apiKey: 'mp_live_x', retries: 2, timeoutMs: 5000 });
const sort: WorkOrderSort = '-updatedAt';
async function main(): Promise<void> {
  const page = await client.workOrders.list({ overdue: true, sort, expand: ['parts', 'labor'], limit: 50 });
  const first = page[0];
  if (first) console.log(first.foNumber, first.partsCost, page.total, page.nextCursor);
  const sync = client.workOrders.sync({ cursor: '*', updatedSince: '2025-01-01T00:00:00Z' });
  for await (const order of sync) console.log(order.id, order.updatedAt);
  const keep: string = sync.cursor;
  const made = await client.workOrders.create({ title: 'Pump', priority: 'high' }, { idempotencyKey: 'abc' });
  const csv: string = await client.workOrders.export({ format: 'ndjson', updatedSince: keep });
  const text = await client.request<string>('GET', '/work-orders/export', undefined, { headers: { Accept: 'text/csv' } });
  const response: Response = await client.raw('GET', '/auth/me');
  const users = await client.users.list({ q: 'a' });
  const kpis = await client.kpis.get({ days: 30 });
  const labor = await client.workOrders.labor(made.id);
  await client.workOrders.addComment(made.id, { body: 'Bearing ordered' });
  await client.workOrders.addLabor(made.id, { minutes: 45, note: 'Replaced bearing' });
  await client.workOrders.bulkAssign({ ids: [made.id], assignedTo: null });
  // @ts-expect-error minutes is required
  await client.workOrders.addLabor(made.id, { note: 'no time' });
  await client.imports.create('parts', 'partNumber\n');
  console.log(csv, text, response.status, users.length, kpis, labor);
  try {
    await client.equipment.get('x');
  } catch (error) {
    if (error instanceof MaintainProError) console.log(error.status, error.code, error.retryAfter, error.cause);
  }
  const body = new TextEncoder().encode('{}');
  console.log(verifyWebhook(body, 'ab', 's'), verifyTimestampedWebhook(body, { 'x-maintainpro-timestamp': '1' }, 's', { toleranceSeconds: 60 }));
  // @ts-expect-error sort is one of the document's values
  await client.workOrders.list({ sort: 'bogus' });
}
main().catch(() => undefined);
