// The customer pages over plain HTTP, as a browser without JavaScript uses them: the contact form
// with its CSRF token and cookie, errors next to fields, the acknowledgement with a status link,
// the status page that never hints, the ticket page (public history only) and its reply form.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capturedMails, messages, outbox, ticketFieldValues, tickets, attachments } from '../../src/db/schema.js';
import { actorByEmail } from '../../src/tickets/actors.js';
import { addNote } from '../../src/tickets/message-usecases.js';
import { WEB_TEST_CONFIG } from './support/config.js';
import { CookieJar, hiddenValue, startInProcess, type InProcess } from './support/in-process.js';

let server: InProcess;
beforeAll(async () => {
  server = await startInProcess(WEB_TEST_CONFIG);
});
afterAll(async () => {
  await server?.stop();
});

const db = () => server.td.database.db;

async function openForm(jar: CookieJar, path = '/contact', lang = 'de-DE,de;q=0.9,en;q=0.5'): Promise<{ page: string; csrf: string }> {
  const res = await jar.fetch(`${server.url}${path}`, { headers: { 'accept-language': lang } });
  expect(res.status).toBe(200);
  const page = await res.text();
  return { page, csrf: hiddenValue(page, '_csrf') };
}

function contactForm(csrf: string, fields: Record<string, string>, files: { name: string; content: Buffer; type?: string }[] = []): FormData {
  const body = new FormData();
  body.append('_csrf', csrf);
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  for (const f of files) body.append('files', new Blob([new Uint8Array(f.content)], { type: f.type ?? 'application/octet-stream' }), f.name);
  if (files.length === 0) body.append('files', new Blob([]), '');
  return body;
}

const VALID = {
  name: 'Erika Mustermann',
  email: 'erika@example.test',
  topic: 'donation-request',
  department: 'hamburg',
  subject: 'Laptop für die Schule',
  message: 'Mein Sohn braucht einen Laptop für die Schule.',
  'fld.donation-request.laptop': 'yes',
  'fld.donation-request.proof': 'ja',
  'fld.donation-request.pickup': '2026-12-01',
};

async function statusLinkIn(ticketId: number, purpose: string): Promise<string> {
  const rows = await db().select().from(outbox).where(and(eq(outbox.ticketId, ticketId), eq(outbox.kind, 'mail.auto')));
  const row = rows.find((r) => r.payload.purpose === purpose);
  expect(row, `a mail.auto row with purpose ${purpose}`).toBeDefined();
  const link = /http:\/\/localhost:\d+(\/t\/[\w.-]+)/.exec(String(row!.payload.text))?.[1];
  expect(link).toBeDefined();
  return link!;
}

describe('contact form', () => {
  it('serves an accessible form in German for a German browser, in English for an English one', async () => {
    const { page } = await openForm(new CookieJar());
    expect(page).toContain('<html lang="de">');
    expect(page).toContain('<label for="f-email">Ihre E-Mail-Adresse');
    expect(page).toContain('name="_csrf"');
    expect(page).toContain('data-topic="donation-request"');
    expect(page).toContain('Standort Hamburg');
    const en = await openForm(new CookieJar(), '/contact', 'en-US,en;q=0.9');
    expect(en.page).toContain('<html lang="en">');
    expect(en.page).toContain('Your email address');
  });

  it('refuses a post without the CSRF token of its cookie', async () => {
    const jar = new CookieJar();
    await openForm(jar);
    const res = await jar.fetch(`${server.url}/contact`, { method: 'POST', body: contactForm('forged', VALID) });
    expect(res.status).toBe(403);
    const other = await openForm(new CookieJar());
    const cross = await jar.fetch(`${server.url}/contact`, { method: 'POST', body: contactForm(other.csrf, VALID) });
    expect(cross.status).toBe(403);
  });

  it('shows each error next to its field and keeps what was typed', async () => {
    const jar = new CookieJar();
    const { csrf } = await openForm(jar);
    const res = await jar.fetch(`${server.url}/contact`, {
      method: 'POST',
      headers: { 'accept-language': 'de' },
      body: contactForm(csrf, { ...VALID, email: 'not-an-address', subject: '', 'fld.donation-request.pickup': 'morgen' }),
    });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('role="alert"');
    expect(page).toMatch(/<p class="field-error" id="e-email">Bitte geben Sie eine gültige E-Mail-Adresse an/);
    expect(page).toMatch(/id="f-email" name="email"[^>]*aria-invalid="true"[^>]*aria-describedby="e-email"/);
    expect(page).toContain('id="e-subject"');
    expect(page).toContain('id="e-fld.donation-request.pickup"');
    expect(page).toContain('value="Erika Mustermann"');
    expect(page).toContain('Mein Sohn braucht einen Laptop');
  });

  it('creates the ticket like a mail does, with fields and attachment, and sends the acknowledgement with a status link', async () => {
    const jar = new CookieJar();
    const { csrf } = await openForm(jar);
    const res = await jar.fetch(`${server.url}/contact`, {
      method: 'POST',
      headers: { 'accept-language': 'de' },
      body: contactForm(csrf, VALID, [{ name: 'nachweis.pdf', content: Buffer.from('%PDF-1.4 test'), type: 'application/pdf' }]),
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/contact/thanks');
    const thanks = await (await jar.fetch(`${server.url}/contact/thanks`, { headers: { 'accept-language': 'de' } })).text();
    const number = /Ticket #(\d+)/.exec(thanks)?.[1];
    expect(number).toBeDefined();
    expect(thanks).toContain('erika@example.test');

    const [t] = await db().select().from(tickets).where(eq(tickets.number, number!));
    expect(t).toMatchObject({ subject: 'Laptop für die Schule', departmentId: 'hamburg', topicId: 'donation-request', status: 'open' });
    const fields = await db().select().from(ticketFieldValues).where(eq(ticketFieldValues.ticketId, t!.id));
    expect(Object.fromEntries(fields.map((f) => [f.fieldId, f.value]))).toEqual({ laptop: 'yes', proof: 'ja', pickup: '2026-12-01' });
    const [first] = await db().select().from(messages).where(and(eq(messages.ticketId, t!.id), eq(messages.kind, 'customer')));
    expect(first).toMatchObject({ source: 'web', text: VALID.message });
    const files = await db().select().from(attachments).where(eq(attachments.messageId, first!.id));
    expect(files.map((f) => f.filename)).toEqual(['nachweis.pdf']);

    const link = await statusLinkIn(t!.id, 'acknowledgement');
    const ack = (await db().select().from(outbox).where(eq(outbox.ticketId, t!.id))).find((r) => r.payload.purpose === 'acknowledgement')!;
    expect(ack.payload).toMatchObject({ to: 'erika@example.test', from: { address: 'hamburg@verein.test' } });
    expect(String(ack.payload.subject)).toContain(`[#${number}]`);
    // The mail sink (no SMTP_URL) captures it.
    await server.td.worker.poke();
    await expect.poll(async () => (await db().select().from(capturedMails)).some((m) => m.subject.includes(`[#${number}]`)), { timeout: 10_000 }).toBe(true);

    const ticketPage = await (await new CookieJar().fetch(`${server.url}${link}`, { headers: { 'accept-language': 'de' } })).text();
    expect(ticketPage).toContain(`Ticket #${number}`);
    expect(ticketPage).toContain('Mein Sohn braucht einen Laptop');
    expect(ticketPage).toContain('nachweis.pdf');
  });

  it('says the same after a bad attachment size: the error is next to the file field', async () => {
    const jar = new CookieJar();
    const { csrf } = await openForm(jar);
    const big = Buffer.alloc(9 * 1024 * 1024, 1);
    const res = await jar.fetch(`${server.url}/contact`, { method: 'POST', headers: { 'accept-language': 'en' }, body: contactForm(csrf, VALID, [{ name: 'big.bin', content: big }]) });
    expect(res.status).toBe(400);
    expect(await res.text()).toMatch(/<p class="field-error" id="e-files">The attachments are larger than 8 MB/);
  });
});

describe('status page and ticket link', () => {
  let number = '';
  let ticketId = 0;
  let link = '';

  beforeAll(async () => {
    const jar = new CookieJar();
    const { csrf } = await openForm(jar);
    await jar.fetch(`${server.url}/contact`, { method: 'POST', body: contactForm(csrf, { ...VALID, subject: 'Status test', email: 'sam@example.test' }) });
    const [t] = await db().select().from(tickets).where(eq(tickets.subject, 'Status test'));
    number = t!.number;
    ticketId = t!.id;
    link = await statusLinkIn(ticketId, 'acknowledgement');
  });

  it('serves its form and answers the same whether or not number and address belong together', async () => {
    const jar = new CookieJar();
    const { page, csrf } = await openForm(jar, '/status', 'en');
    expect(page).toContain('<label for="f-number">Ticket number');
    const ask = async (n: string, email: string) => {
      const body = new URLSearchParams({ _csrf: csrf, number: n, email });
      const res = await jar.fetch(`${server.url}/status`, { method: 'POST', body, headers: { 'accept-language': 'en' } });
      return { status: res.status, text: (await res.text()).replace(/name="_csrf" value="[^"]*"/, '') };
    };
    const right = await ask(number, 'SAM@example.test');
    const wrongMail = await ask(number, 'eve@example.test');
    const wrongNumber = await ask('19990101000001', 'sam@example.test');
    expect(right.status).toBe(200);
    expect(wrongMail).toEqual(right);
    expect(wrongNumber).toEqual(right);
    const sent = (await db().select().from(outbox).where(eq(outbox.ticketId, ticketId))).filter((r) => r.payload.purpose === 'status_link');
    expect(sent.map((r) => r.payload.to)).toEqual(['sam@example.test']);
  });

  it('shows the public history but never notes or events, and takes a reply with a file', async () => {
    const admin = await actorByEmail(db(), 'admin@verein.test');
    await addNote(server.td.tickets, admin, number, { text: 'INTERNAL: caller sounded upset', source: 'cli' });
    const jar = new CookieJar();
    const page = await (await jar.fetch(`${server.url}${link}`)).text();
    expect(page).not.toContain('INTERNAL');
    expect(page).not.toContain('opened the ticket');
    const csrf = hiddenValue(page, '_csrf');
    const body = new FormData();
    body.append('_csrf', csrf);
    body.append('text', 'Here is the proof you asked for.');
    body.append('files', new Blob([new Uint8Array(Buffer.from('proof'))], { type: 'text/plain' }), 'proof.txt');
    const res = await jar.fetch(`${server.url}${link}`, { method: 'POST', body });
    expect(res.status).toBe(303);
    const after = await (await jar.fetch(`${server.url}${link}`)).text();
    expect(after).toContain('Here is the proof you asked for.');
    expect(after).toContain('proof.txt');
    const customer = await db().select().from(messages).where(and(eq(messages.ticketId, ticketId), eq(messages.kind, 'customer')));
    expect(customer.map((m) => m.text)).toContain('Here is the proof you asked for.');
  });

  it('shows nothing for a forged, altered or expired token', async () => {
    for (const bad of ['/t/nothing', `${link}x`, link.replace(/\.[^.]+$/, '.AAAA')]) {
      const res = await fetch(`${server.url}${bad}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('Status test');
    }
  });
});
