// The agent console over plain HTTP: login with password and emailed code (wrong code refused,
// single use, locked agent refused, rate limited), the views, a ticket page with the composer
// (reply with undo window, note, command) and buttons, downloads, invites.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agents, messages, outbox, tickets } from '../../src/db/schema.js';
import { SYSTEM_ACTOR } from '../../src/tickets/actors.js';
import { createTicket } from '../../src/tickets/create-ticket.js';
import { WEB_TEST_CONFIG } from './support/config.js';
import { codeStep, lastLoginCode, logIn, passwordStep, postForm, setPassword } from './support/console-login.js';
import { CookieJar, hiddenValue, startInProcess, type InProcess } from './support/in-process.js';

let server: InProcess;
const PASSWORD = 'correct horse battery';
const db = () => server.td.database.db;

beforeAll(async () => {
  server = await startInProcess(WEB_TEST_CONFIG);
  for (const email of ['admin@verein.test', 'bert@verein.test', 'lena@verein.test']) await setPassword(db(), email, PASSWORD);
});
afterAll(async () => {
  await server?.stop();
});

describe('login', () => {
  it('sends the console to the login page without a session', async () => {
    const res = await fetch(`${server.url}/console`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/login\?next=/);
    expect((await fetch(`${server.url}/console/events`)).status).toBe(401);
  });

  it('refuses a wrong password without saying which part was wrong', async () => {
    const jar = new CookieJar();
    const wrong = await passwordStep(server.url, jar, 'bert@verein.test', 'nope nope nope');
    const unknown = await passwordStep(server.url, jar, 'nobody@verein.test', 'nope nope nope');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    const [a, b] = [await wrong.text(), await unknown.text()].map((p) => p.replace(/value="[^"]*"/g, ''));
    expect(a).toBe(b);
  });

  it('refuses a wrong code, takes the right one once, and sets an HttpOnly SameSite session cookie', async () => {
    const jar = new CookieJar();
    expect((await passwordStep(server.url, jar, 'bert@verein.test', PASSWORD)).status).toBe(303);
    const code = (await lastLoginCode(db(), 'bert@verein.test'))!;
    const wrongCode = code === '000000' ? '111111' : '000000';
    const refused = await codeStep(server.url, jar, wrongCode);
    expect(refused.status).toBe(401);
    expect(await refused.text()).toMatch(/The code is wrong or has expired|Der Code ist falsch/);
    const ok = await codeStep(server.url, jar, code);
    expect(ok.status).toBe(303);
    const setCookie = ok.headers.getSetCookie().find((c) => c.startsWith('td_session='));
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    // A second login with the same code fails: the code was spent.
    const again = new CookieJar();
    await passwordStep(server.url, again, 'bert@verein.test', PASSWORD);
    const replay = await codeStep(server.url, again, code);
    expect(replay.status).toBe(401);
    const page = await (await jar.fetch(`${server.url}/console`)).text();
    expect(page).toContain('Bert Berlin');
  });

  it('refuses a locked agent and ends their session', async () => {
    const jar = await logIn(server.url, db(), 'lena@verein.test', PASSWORD);
    expect((await jar.fetch(`${server.url}/console`)).status).toBe(200);
    await db().update(agents).set({ lockedAt: new Date() }).where(eq(agents.email, 'lena@verein.test'));
    expect((await jar.fetch(`${server.url}/console`)).status).toBe(303);
    const res = await passwordStep(server.url, new CookieJar(), 'lena@verein.test', PASSWORD);
    expect(res.status).toBe(401);
  });

  it('rate-limits password guessing per address', async () => {
    const jar = new CookieJar();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await passwordStep(server.url, jar, 'guessed@verein.test', `guess ${i} wrong`)).status);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);

  });
});

describe('console', () => {
  let jar: CookieJar;
  let number = '';

  beforeAll(async () => {
    jar = await logIn(server.url, db(), 'bert@verein.test', PASSWORD);
    const { ticket } = await createTicket(server.td.tickets, SYSTEM_ACTOR, {
      subject: 'Drucker <b>kaputt</b>',
      departmentId: 'berlin',
      requester: { email: 'carol@example.test', name: 'Carol' },
      text: 'Der Drucker druckt nicht.',
      source: 'mail',
      attachments: [{ filename: 'foto.png', contentType: 'image/png', content: Buffer.from('png') }],
    });
    number = ticket.number;
    server.td.worker.poke();
  });

  it('lists the ticket under unassigned, escaped', async () => {
    const page = await (await jar.fetch(`${server.url}/console?view=unassigned`)).text();
    expect(page).toContain(`/console/t/${number}`);
    expect(page).toContain('Drucker &lt;b&gt;kaputt&lt;/b&gt;');
    const fragment = await (await jar.fetch(`${server.url}/console?view=unassigned&fragment=1`)).text();
    expect(fragment).toMatch(/^<table>/);
    const mine = await (await jar.fetch(`${server.url}/console?view=mine`)).text();
    expect(mine).not.toContain(`/console/t/${number}`);
  });

  it('shows the ticket with card, history and a composer; replies, notes and commands work without JavaScript', async () => {
    await expect.poll(async () => (await (await jar.fetch(`${server.url}/console/t/${number}`)).text()).includes('data-card="berlin/t'), { timeout: 10_000 }).toBe(true);
    const page = await (await jar.fetch(`${server.url}/console/t/${number}`)).text();
    expect(page).toContain('Der Drucker druckt nicht.');
    expect(page).toMatch(/href="\/console\/attachments\/\d+"/);
    const action = /<form class="composer" data-live method="post" action="([^"]+)"/.exec(page)![1]!;
    const csrf = hiddenValue(page, '_csrf');
    const send = (text: string) => postForm(jar, `${server.url}${action}`, { _csrf: csrf, text, back: `/console/t/${number}` });

    expect((await send('// checked the toner')).status).toBe(303);
    expect((await send('Wir kümmern uns darum.')).status).toBe(303);
    const cmd = await send('!ticket priority high');
    expect(cmd.status).toBe(303);
    const t = (await db().select().from(tickets).where(eq(tickets.number, number)))[0]!;
    const rows = await db().select().from(messages).where(eq(messages.ticketId, t.id));
    expect(rows.find((m) => m.kind === 'note')?.text).toBe('checked the toner');
    const reply = rows.find((m) => m.kind === 'reply')!;
    expect(reply.text).toBe('Wir kümmern uns darum.');
    expect(reply.sendAfter!.getTime()).toBeGreaterThan(reply.createdAt.getTime());
    expect(t).toMatchObject({ priority: 'high', status: 'in_progress' });
    // The answer to the command is shown after the redirect.
    const after = await (await jar.fetch(`${server.url}/console/t/${number}`)).text();
    expect(after).toMatch(/notice/);
    expect(after).toContain('Wir kümmern uns darum.');
    expect(after).toMatch(/data-pending-until=/);
  });

  it('undoes a reply inside the window: the mail is cancelled', async () => {
    const page = await (await jar.fetch(`${server.url}/console/t/${number}`)).text();
    const action = /<form class="composer" data-live method="post" action="([^"]+)"/.exec(page)![1]!;
    const csrf = hiddenValue(page, '_csrf');
    const res = await postForm(jar, `${server.url}${action}`, { _csrf: csrf, text: 'Oops, wrong ticket' }, { accept: 'application/json' });
    const { messageId } = (await res.json()) as { messageId: string };
    const del = await postForm(jar, `${server.url}${action}/${messageId}/delete`, { _csrf: csrf }, { accept: 'application/json' });
    expect(await del.json()).toMatchObject({ ok: true });
    const t = (await db().select().from(tickets).where(eq(tickets.number, number)))[0]!;
    const [m] = await db().select().from(messages).where(and(eq(messages.ticketId, t.id), eq(messages.text, 'Oops, wrong ticket')));
    expect(m!.cancelledAt).not.toBeNull();
  });

  it('runs the card buttons as commands', async () => {
    const page = await (await jar.fetch(`${server.url}/console/t/${number}`)).text();
    const action = /<form class="card-actions" data-live method="post" action="([^"]+)"/.exec(page)![1]!;
    const res = await postForm(jar, `${server.url}${action}`, { _csrf: hiddenValue(page, '_csrf'), verb: 'waiting' }, { accept: 'application/json' });
    expect(await res.json()).toMatchObject({ ok: true });
    const t = (await db().select().from(tickets).where(eq(tickets.number, number)))[0]!;
    expect(t.status).toBe('waiting');
  });

  it('refuses console posts without the CSRF token', async () => {
    const page = await (await jar.fetch(`${server.url}/console/t/${number}`)).text();
    const action = /<form class="card-actions" data-live method="post" action="([^"]+)"/.exec(page)![1]!;
    const res = await postForm(jar, `${server.url}${action}`, { verb: 'close' }, { accept: 'application/json' });
    expect(res.status).toBe(403);
  });

  it('lets an admin send an invite whose link sets a password once', async () => {
    await setPassword(db(), 'admin@verein.test', PASSWORD);
    const admin = await logInAdmin();
    const page = await (await admin.fetch(`${server.url}/console/agents`)).text();
    expect(page).toContain('bert@verein.test');
    const res = await postForm(admin, `${server.url}/console/agents/invite`, { _csrf: hiddenValue(page, '_csrf'), email: 'bert@verein.test' });
    expect(res.status).toBe(303);
    const rows = await db().select().from(outbox).where(eq(outbox.kind, 'mail.auto'));
    const invite = rows.reverse().find((r) => r.payload.purpose === 'invite' && r.payload.to === 'bert@verein.test')!;
    const link = /http:\/\/localhost:\d+(\/invite\/\S+)/.exec(String(invite.payload.text))![1]!;
    const visitor = new CookieJar();
    const form = await (await visitor.fetch(`${server.url}${link}`)).text();
    const csrf = hiddenValue(form, '_csrf');
    const short = await postForm(visitor, `${server.url}${link}`, { _csrf: csrf, password: 'short', repeat: 'short' });
    expect(short.status).toBe(400);
    const set = await postForm(visitor, `${server.url}${link}`, { _csrf: csrf, password: 'a new long password', repeat: 'a new long password' });
    expect(set.status).toBe(303);
    expect((await visitor.fetch(`${server.url}${link}`)).status).toBe(404);
    // The old session ended with the old password.
    expect((await jar.fetch(`${server.url}/console`)).status).toBe(303);
    await logIn(server.url, db(), 'bert@verein.test', 'a new long password');
  });

  async function logInAdmin(): Promise<CookieJar> {
    return logIn(server.url, db(), 'admin@verein.test', PASSWORD);
  }
});
