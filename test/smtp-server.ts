// Vitest globalSetup (runs in Node): a fake SMTP server, a fake IMAP server and a closed port for the worker
// tests, with the SMTP server's received mail readable over a tiny HTTP endpoint. Two more plain-text servers
// (SMTP and IMAP, neither offering STARTTLS) record every command line they get, so a test can prove that no
// password was sent to them. The IMAP server also keeps a mailbox per account (`imap-…@shop.test` with the
// shared password), with other named mailboxes and message keywords if a test wants them, that tests fill over
// HTTP (PUT /imap/<user>), for the IMAP poll; and the .eml fixtures are
// handed to the worker tests (which cannot read files) as base64.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { TestProject } from 'vitest/node';
import { MAIL_ACCOUNT, PREAUTH_IMAP_USER, type ReceivedMail } from './smtp-account';

declare module 'vitest' {
  export interface ProvidedContext {
    smtpPort: number;
    imapPort: number;
    mailboxUrl: string;
    closedPort: number;
    droppingPort: number;
    recordingSmtpPort: number;
    recordingImapPort: number;
    preauthImapPort: number;
    /** test/fixtures/email/*.eml by file name, base64 (the bytes exactly as on disk). */
    emailFixtures: Record<string, string>;
  }
}

/** One message in a fake IMAP mailbox. */
interface FakeImapMessage {
  uid: number;
  raw: Buffer;
  internalDate: Date;
  /** Keywords set on the message (UID STORE +FLAGS adds to them). */
  flags: Set<string>;
}

/** One mailbox of a fake IMAP account. */
interface FakeFolder {
  uidValidity: number;
  messages: FakeImapMessage[];
}

/** A fake IMAP account's INBOX, and the commands it was sent (for tests that check what was fetched). */
interface FakeMailbox extends FakeFolder {
  log: string[];
  /** Its other mailboxes, by their name as sent on the wire (modified UTF-7). */
  folders: Map<string, FakeFolder>;
  /** Whether its mailboxes keep custom keywords (PERMANENTFLAGS with \*), as most servers do. */
  keepsKeywords: boolean;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function imapDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** "1-Dec-2026" (SEARCH SINCE) as the start of that UTC day. */
function parseSearchDate(text: string): Date | null {
  const match = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!match) return null;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === match[2]!.toLowerCase());
  return month < 0 ? null : new Date(Date.UTC(Number(match[3]), month, Number(match[1])));
}

/** UIDs of a UID set ("5", "3:*", "1,4,7:9") among the mailbox's; "*" is the highest UID (RFC 3501). */
function uidSet(set: string, messages: FakeImapMessage[]): number[] {
  const max = messages.reduce((top, m) => Math.max(top, m.uid), 0);
  const wanted = new Set<number>();
  for (const part of set.split(',')) {
    const [a, b = a] = part.split(':');
    const from = a === '*' ? max : Number(a);
    const to = b === '*' ? max : Number(b);
    for (const m of messages) if (m.uid >= Math.min(from, to) && m.uid <= Math.max(from, to)) wanted.add(m.uid);
  }
  return [...wanted].sort((x, y) => x - y);
}

const HOST = '127.0.0.1';

function listen(server: Server | HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: { close(callback: (error?: Error) => void): unknown }): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

function startSmtp(received: ReceivedMail[]) {
  return new SMTPServer({
    authOptional: false,
    authMethods: ['PLAIN', 'LOGIN'],
    // Plain text on purpose: the tests need no certificates, so AUTH must be allowed without TLS.
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    logger: false,
    // Connections a test left open must not hold up the end of the run.
    closeTimeout: 100,
    onAuth(auth, _session, callback) {
      if (auth.username === MAIL_ACCOUNT.username && auth.password === MAIL_ACCOUNT.password) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = session.envelope;
        received.push({
          from: envelope.mailFrom ? envelope.mailFrom.address : '',
          to: envelope.rcptTo.map((rcpt) => rcpt.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        callback();
      });
    },
  });
}

/** Reads an IMAP quoted string or atom from the start of `input`; returns it and what follows. */
function imapString(input: string): [string, string] | null {
  const text = input.trimStart();
  if (!text.startsWith('"')) {
    const atom = /^[^\s"]+/.exec(text)?.[0];
    return atom ? [atom, text.slice(atom.length)] : null;
  }
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\') value += text[++i] ?? '';
    else if (char === '"') return [value, text.slice(i + 1)];
    else value += char;
  }
  return null;
}

/**
 * Just enough IMAP4rev1 for a connection test (greeting, CAPABILITY, LOGIN, LOGOUT) and for the poll: SELECT
 * (INBOX or a named mailbox), UID SEARCH (UID range, SINCE, UNKEYWORD), UID FETCH (UID, RFC822.SIZE,
 * INTERNALDATE, BODY.PEEK[]), UID STORE +FLAGS. The fetched body is an IMAP literal counted in bytes, as real
 * servers send it.
 */
function startImap(
  sockets: Set<Socket>,
  log?: string[],
  mailboxes?: Map<string, FakeMailbox>,
  preauthUser?: string,
): Server {
  return createTcpServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let buffer = '';
    // A PREAUTH server has logged the connection in already (as one behind an SSH tunnel or on a local socket does).
    let mailbox: FakeMailbox | undefined = preauthUser ? mailboxes?.get(preauthUser) : undefined;
    socket.write(
      preauthUser
        ? `* PREAUTH [CAPABILITY IMAP4rev1] Logged in as ${preauthUser}\r\n`
        : '* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Fake IMAP ready\r\n',
    );
    let selected: FakeFolder | undefined;
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let end = buffer.indexOf('\r\n');
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        log?.push(line);
        mailbox?.log.push(line);
        const [tag = '*', command = '', ...rest] = line.split(' ');
        const args = rest.join(' ');
        switch (command.toUpperCase()) {
          case 'CAPABILITY':
            socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK CAPABILITY completed\r\n`);
            break;
          case 'NOOP':
            socket.write(`${tag} OK NOOP completed\r\n`);
            break;
          case 'LOGIN': {
            const user = imapString(args);
            const pass = user && imapString(user[1]);
            const own = user && /^imap-[\w-]+@shop\.test$/.test(user[0]);
            const valid =
              pass && (user[0] === MAIL_ACCOUNT.username || (own && mailboxes)) && pass[0] === MAIL_ACCOUNT.password;
            if (valid && mailboxes) {
              if (!mailboxes.has(user[0])) {
                mailboxes.set(user[0], {
                  uidValidity: 1,
                  messages: [],
                  log: [],
                  folders: new Map(),
                  keepsKeywords: true,
                });
              }
              mailbox = mailboxes.get(user[0]);
              mailbox!.log.push(`${tag} LOGIN`);
            }
            socket.write(
              valid ? `${tag} OK LOGIN completed\r\n` : `${tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n`,
            );
            break;
          }
          case 'SELECT':
          case 'EXAMINE': {
            if (!mailbox) {
              socket.write(`${tag} NO Log in first\r\n`);
              break;
            }
            const name = imapString(args)?.[0] ?? '';
            const folder = name.toUpperCase() === 'INBOX' ? mailbox : mailbox.folders.get(name);
            if (!folder) {
              selected = undefined;
              socket.write(`${tag} NO [NONEXISTENT] No such mailbox\r\n`);
              break;
            }
            selected = folder;
            const next = folder.messages.reduce((top, m) => Math.max(top, m.uid), 0) + 1;
            const permanent = mailbox.keepsKeywords ? '\\Seen \\Flagged \\*' : '\\Seen \\Flagged';
            socket.write(
              `* ${folder.messages.length} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY ${folder.uidValidity}] UIDs valid\r\n` +
                `* OK [PERMANENTFLAGS (${permanent})] Flags kept\r\n` +
                `* OK [UIDNEXT ${next}] Predicted next UID\r\n${tag} OK [READ-WRITE] SELECT completed\r\n`,
            );
            break;
          }
          case 'UID': {
            if (!mailbox || !selected) {
              socket.write(`${tag} BAD Select a mailbox first\r\n`);
              break;
            }
            const [verb = '', set = '', ...more] = args.split(' ');
            const box = selected;
            if (verb.toUpperCase() === 'SEARCH') {
              // UID SEARCH UID <set> [SINCE <date>] [UNKEYWORD <keyword>]
              const range = set.toUpperCase() === 'UID' ? (more[0] ?? '') : set;
              const sinceAt = more.findIndex((word) => word.toUpperCase() === 'SINCE');
              const since = sinceAt >= 0 ? parseSearchDate(more[sinceAt + 1] ?? '') : null;
              const unkeywordAt = more.findIndex((word) => word.toUpperCase() === 'UNKEYWORD');
              const without = unkeywordAt >= 0 ? (more[unkeywordAt + 1] ?? '').toLowerCase() : null;
              const found = uidSet(range, box.messages).filter((uid) => {
                const message = box.messages.find((m) => m.uid === uid)!;
                if (without && [...message.flags].some((flag) => flag.toLowerCase() === without)) return false;
                return !since || message.internalDate.getTime() >= since.getTime();
              });
              socket.write(`* SEARCH${found.map((uid) => ` ${uid}`).join('')}\r\n${tag} OK SEARCH completed\r\n`);
            } else if (verb.toUpperCase() === 'FETCH') {
              const items = more.join(' ').toUpperCase();
              for (const uid of uidSet(set, box.messages)) {
                const index = box.messages.findIndex((m) => m.uid === uid);
                const message = box.messages[index]!;
                const head = `* ${index + 1} FETCH (UID ${uid} RFC822.SIZE ${message.raw.length} INTERNALDATE "${imapDate(message.internalDate)}"`;
                if (items.includes('BODY.PEEK[]') || items.includes('BODY[]')) {
                  socket.write(Buffer.concat([Buffer.from(`${head} BODY[] {${message.raw.length}}\r\n`), message.raw]));
                  socket.write(')\r\n');
                } else {
                  socket.write(`${head})\r\n`);
                }
              }
              socket.write(`${tag} OK FETCH completed\r\n`);
            } else if (verb.toUpperCase() === 'STORE' && /^\+FLAGS(\.SILENT)? \(/i.test(more.join(' '))) {
              // UID STORE <set> +FLAGS.SILENT (<keyword> ...)
              const flags = /\(([^)]*)\)/.exec(more.join(' '))?.[1]?.split(/\s+/).filter(Boolean) ?? [];
              const custom = flags.filter((flag) => !flag.startsWith('\\'));
              if (custom.length && !mailbox.keepsKeywords) {
                socket.write(`${tag} NO This mailbox keeps no custom flags\r\n`);
                break;
              }
              for (const uid of uidSet(set, box.messages)) {
                for (const flag of flags) box.messages.find((m) => m.uid === uid)!.flags.add(flag);
              }
              socket.write(`${tag} OK STORE completed\r\n`);
            } else {
              socket.write(`${tag} BAD Command not supported here\r\n`);
            }
            break;
          }
          case 'LOGOUT':
            socket.end(`* BYE Logging out\r\n${tag} OK LOGOUT completed\r\n`);
            return;
          default:
            socket.write(`${tag} BAD Command not supported here\r\n`);
        }
        end = buffer.indexOf('\r\n');
      }
    });
    socket.on('error', () => socket.destroy());
  });
}

/** The fixtures, read here because the worker tests run in workerd without a file system. */
function emailFixtures(): Record<string, string> {
  const directory = new URL('./fixtures/email/', import.meta.url);
  const out: Record<string, string> = {};
  for (const name of readdirSync(directory)) {
    if (name.endsWith('.eml')) out[name] = readFileSync(new URL(name, directory)).toString('base64');
  }
  return out;
}

/** A plain SMTP server without STARTTLS that offers AUTH and accepts anything, recording every line. */
function startRecordingSmtp(sockets: Set<Socket>, log: string[]): Server {
  return createTcpServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setEncoding('utf8');
    socket.write('220 recorder.test ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\r\n');
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        log.push(line);
        const verb = line.split(' ')[0]!.toUpperCase();
        if (verb === 'EHLO') socket.write('250-recorder.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n');
        else if (verb === 'AUTH') socket.write('235 2.7.0 Accepted\r\n');
        else if (verb === 'QUIT') {
          socket.end('221 Bye\r\n');
          return;
        } else socket.write('250 OK\r\n');
        end = buffer.indexOf('\r\n');
      }
    });
  });
}

export default async function setup(project: TestProject) {
  const received: ReceivedMail[] = [];
  const smtp = startSmtp(received);
  const smtpPort = await listen(smtp.server);
  const imapSockets = new Set<Socket>();
  const mailboxes = new Map<string, FakeMailbox>();
  const imap = startImap(imapSockets, undefined, mailboxes);
  const imapPort = await listen(imap);
  const recorded = { smtp: [] as string[], imap: [] as string[] };
  const recordingSmtp = startRecordingSmtp(imapSockets, recorded.smtp);
  const recordingSmtpPort = await listen(recordingSmtp);
  const recordingImap = startImap(imapSockets, recorded.imap);
  const recordingImapPort = await listen(recordingImap);
  const preauthImap = startImap(imapSockets, undefined, mailboxes, PREAUTH_IMAP_USER);
  const preauthImapPort = await listen(preauthImap);
  const mailbox = createHttpServer((req, res) => {
    const imapUser = /^\/imap\/([^/]+)(\/log)?$/.exec(req.url ?? '');
    if (imapUser && req.method === 'PUT') {
      // Replaces an IMAP account's INBOX: { uidValidity, messages: [{ uid, raw (base64), internalDate, flags? }],
      // mailboxes?: { <name on the wire>: { uidValidity, messages } }, keepsKeywords? }.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const user = decodeURIComponent(imapUser[1]!);
        type SentFolder = {
          uidValidity: number;
          messages: { uid: number; raw: string; internalDate: string; flags?: string[] }[];
        };
        const folderOf = (folder: SentFolder): FakeFolder => ({
          uidValidity: folder.uidValidity,
          messages: folder.messages.map((m) => ({
            uid: m.uid,
            raw: Buffer.from(m.raw, 'base64'),
            internalDate: new Date(m.internalDate),
            flags: new Set(m.flags ?? []),
          })),
        });
        mailboxes.set(user, {
          ...folderOf(body),
          log: mailboxes.get(user)?.log ?? [],
          folders: new Map(
            Object.entries((body.mailboxes ?? {}) as Record<string, SentFolder>).map(([name, folder]) => [
              name,
              folderOf(folder),
            ]),
          ),
          keepsKeywords: body.keepsKeywords ?? true,
        });
        res.writeHead(204).end();
      });
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    if (imapUser) {
      res.end(JSON.stringify(mailboxes.get(decodeURIComponent(imapUser[1]!))?.log ?? []));
      return;
    }
    res.end(JSON.stringify(req.url === '/commands' ? recorded : received));
  });
  const mailboxPort = await listen(mailbox);
  // A port that was free a moment ago and has nothing listening: "connection refused".
  const probe = createTcpServer();
  const closedPort = await listen(probe);
  await close(probe);
  // A server that hangs up at once, as an overloaded or misconfigured one does.
  const dropping = createTcpServer((socket) => socket.end());
  const droppingPort = await listen(dropping);

  project.provide('smtpPort', smtpPort);
  project.provide('imapPort', imapPort);
  project.provide('mailboxUrl', `http://${HOST}:${mailboxPort}/messages`);
  project.provide('closedPort', closedPort);
  project.provide('droppingPort', droppingPort);
  project.provide('recordingSmtpPort', recordingSmtpPort);
  project.provide('recordingImapPort', recordingImapPort);
  project.provide('preauthImapPort', preauthImapPort);
  project.provide('emailFixtures', emailFixtures());

  return async () => {
    for (const socket of imapSockets) socket.destroy();
    await Promise.all([
      close(smtp),
      close(imap),
      close(mailbox),
      close(dropping),
      close(recordingSmtp),
      close(recordingImap),
      close(preauthImap),
    ]);
  };
}
