// With SMTP_URL pointing at an SMTP server: the contact form, posted back as a browser would
// (CSRF token and cookie), opens the ticket and the acknowledgement reaches that server.
import { SMTPServer } from 'smtp-server';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { tickets } from '../../src/db/schema.js';
import { WEB_TEST_CONFIG } from './support/config.js';
import { CookieJar, hiddenValue, startInProcess, type InProcess } from './support/in-process.js';

const received: { to: string[]; data: string }[] = [];
let smtp: SMTPServer;
let server: InProcess;

beforeAll(async () => {
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      let data = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => (data += d));
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), data });
        callback();
      });
    },
  });
  smtp.on('error', () => {}); // a reset connection must not crash the test run
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const address = smtp.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server = await startInProcess(WEB_TEST_CONFIG, { SMTP_URL: `smtp://127.0.0.1:${port}` });
});

afterAll(async () => {
  await server?.stop();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

it('creates the ticket from the posted form and mails the acknowledgement through SMTP_URL', async () => {
  const jar = new CookieJar();
  const page = await (await jar.fetch(`${server.url}/contact`)).text();
  const body = new URLSearchParams({
    _csrf: hiddenValue(page, '_csrf'),
    name: 'Paul Post',
    email: 'paul@example.test',
    topic: 'general',
    department: 'berlin',
    subject: 'Per SMTP confirmed',
    message: 'Bitte melden Sie sich.',
  });
  const res = await jar.fetch(`${server.url}/contact`, { method: 'POST', body });
  expect(res.status).toBe(303);
  const [t] = await server.td.database.db.select().from(tickets).where(eq(tickets.subject, 'Per SMTP confirmed'));
  expect(t).toBeDefined();
  server.td.worker.poke();
  await expect.poll(() => received.find((m) => m.to.includes('paul@example.test')), { timeout: 15_000 }).toBeDefined();
  const ack = received.find((m) => m.to.includes('paul@example.test'))!;
  expect(ack.data).toContain(`[#${t!.number}]`);
  expect(ack.data).toMatch(/^Auto-Submitted: auto-replied/m);
  expect((await fetch(`${server.url}/status`)).status).toBe(200);
});
