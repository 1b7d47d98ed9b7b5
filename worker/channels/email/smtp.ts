// An email channel's own mail account: send replies through its SMTP server and check that its SMTP and
// IMAP logins work. The message itself is composed by worker-mailer; the SMTP conversation is ours because
// worker-mailer's reader spins forever when a server hangs up, which would hang the request.
// The password only travels encrypted (implicit TLS or STARTTLS) unless the channel explicitly allows plain
// text for a local server, and only to public hosts (or the private ones the installation allows).
import { connect } from 'cloudflare:sockets';
import { env } from 'cloudflare:workers';
import { Email, type EmailOptions } from 'worker-mailer';
import { toBase64 } from '../../lib/encoding';
import {
  canonicalHostName,
  nonPublicHostNameReason,
  type PrivateHostAllowance,
  parsePrivateHostAllowance,
} from '../../lib/public-host';
import type { EmailCredentials } from '../credentials';
import { checkSelected, mailboxOf, preauthInPlainText, selectCommand, selectFailure } from './mailbox';

export interface ConnectionCheck {
  ok: boolean;
  error?: string;
}

export interface EmailConnectionReport {
  smtp: ConnectionCheck;
  imap?: ConnectionCheck;
}

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  attachments?: EmailOptions['attachments'];
  /** Extra headers (Message-ID, In-Reply-To, References, Auto-Submitted); values must be single lines. */
  headers?: Record<string, string>;
}

/** Each connect and each server answer gets this long. */
const STEP_TIMEOUT_MS = 10_000;
/** A whole connection test, so an admin's request ends well within 25 seconds. */
const CHECK_TIMEOUT_MS = 15_000;
/** A whole delivery, attachments included. */
const SEND_TIMEOUT_MS = 30_000;

export interface MailOptions {
  /** Private mail hosts that may be reached; by default the installation's ALLOW_PRIVATE_MAIL_HOSTS. */
  privateHosts?: PrivateHostAllowance;
}

/** A failure whose message is already fit to show an admin. */
export class MailError extends Error {}

function installationMailHosts(): PrivateHostAllowance {
  return parsePrivateHostAllowance(env.ALLOW_PRIVATE_MAIL_HOSTS);
}

/**
 * The host to connect to, as connect() reads it. The stored value may predate the public-host rule, so it is
 * checked again on every use.
 */
export function reachableHost(host: string, options: MailOptions): string {
  const reason = nonPublicHostNameReason(host, options.privateHosts ?? installationMailHosts());
  if (reason) throw new MailError(`Refusing to connect to ${host}: a mail server must be a public host (${reason})`);
  return canonicalHostName(host)!;
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new MailError(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Server answers are shown to admins: one line, bounded, and never any of the account's secrets. */
export function sanitize(text: string, secrets: string[]): string {
  let clean = text.replace(/\s+/g, ' ').trim();
  for (const secret of secrets) if (secret) clean = clean.split(secret).join('••••');
  return clean.length > 300 ? `${clean.slice(0, 300)}…` : clean;
}

export function secretsOf(username: string, password: string): string[] {
  return [password, base64(password), base64(`\0${username}\0${password}`)];
}

const encoder = new TextEncoder();

/** A line-oriented connection over a Workers socket that fails loudly when the server goes away. */
function openConnection(host: string, port: number, secureTransport: 'on' | 'starttls') {
  const where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  let socket = connect({ hostname: host, port }, { secureTransport, allowHalfOpen: false });
  let reader = socket.readable.getReader();
  let writer = socket.writable.getWriter();
  const decoder = new TextDecoder();
  let buffer = '';

  /**
   * Connects and reads the server's greeting with `greet`. Every failure until a greeting of the expected
   * protocol has arrived reads the same (refused, timed out, reset, hung up, another protocol), so the test
   * cannot be used to tell open, closed and filtered ports apart.
   */
  async function greeting<T>(greet: () => Promise<T>): Promise<T> {
    const connectAndGreet = async () => {
      await socket.opened;
      return greet();
    };
    try {
      return await withTimeout(connectAndGreet(), STEP_TIMEOUT_MS, 'no answer');
    } catch {
      throw new MailError(`Could not connect to ${where}`);
    }
  }

  async function readChunk(): Promise<void> {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await reader.read();
    } catch (error) {
      throw new MailError(`The connection to ${where} failed: ${reasonOf(error)}`);
    }
    if (result.done) throw new MailError(`${where} closed the connection`);
    buffer += decoder.decode(result.value, { stream: true });
  }

  async function line(): Promise<string> {
    const read = async () => {
      let end = buffer.indexOf('\n');
      while (end < 0) {
        await readChunk();
        end = buffer.indexOf('\n');
      }
      const text = buffer.slice(0, end).replace(/\r$/, '');
      buffer = buffer.slice(end + 1);
      return text;
    };
    return withTimeout(read(), STEP_TIMEOUT_MS, `${where} did not answer within 10 seconds`);
  }

  async function write(text: string): Promise<void> {
    try {
      await writer.write(encoder.encode(text));
    } catch (error) {
      throw new MailError(`The connection to ${where} failed: ${reasonOf(error)}`);
    }
  }

  function upgradeToTls(): void {
    reader.releaseLock();
    writer.releaseLock();
    socket = socket.startTls();
    reader = socket.readable.getReader();
    writer = socket.writable.getWriter();
    buffer = '';
  }

  async function close(): Promise<void> {
    await socket.close().catch(() => undefined);
  }

  return { where, greeting, line, write, upgradeToTls, close };
}

type Connection = ReturnType<typeof openConnection>;

export function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // workerd's local proxy phrases a refused connection this way.
  return message.replace(/^proxy request failed, /, '') || 'unknown error';
}

// ── SMTP ────────────────────────────────────────────────────────────────────

interface SmtpReply {
  code: number;
  text: string;
  lines: string[];
}

async function reply(connection: Connection): Promise<SmtpReply> {
  const lines: string[] = [];
  for (;;) {
    const text = await connection.line();
    lines.push(text);
    // "250-..." continues a multi-line reply; "250 ..." (or a bare code) ends it.
    if (!/^\d{3}-/.test(text)) {
      const code = Number(text.slice(0, 3));
      if (!Number.isInteger(code) || code < 200) {
        throw new MailError(`${connection.where} does not answer like an SMTP server: ${text.slice(0, 80)}`);
      }
      return { code, text: lines.join(' '), lines };
    }
  }
}

async function command(connection: Connection, line: string, expected: number): Promise<SmtpReply> {
  await connection.write(`${line}\r\n`);
  const answer = await reply(connection);
  if (Math.floor(answer.code / 100) !== expected) throw new SmtpRefusal(answer);
  return answer;
}

/** The server answered, but not with what the step needed; the step decides how to describe it. */
class SmtpRefusal extends Error {
  constructor(readonly answer: SmtpReply) {
    super(answer.text);
  }
}

async function ehlo(connection: Connection): Promise<Set<string>> {
  await connection.write('EHLO helpstack.local\r\n');
  const answer = await reply(connection);
  if (answer.code === 250) {
    return new Set(answer.lines.slice(1).map((line) => line.slice(4).trim().toUpperCase()));
  }
  await command(connection, 'HELO helpstack.local', 2);
  return new Set();
}

function authMechanisms(capabilities: Set<string>): string[] {
  for (const capability of capabilities) {
    const match = /^AUTH[ =](.*)$/.exec(capability);
    if (match) return match[1]!.split(/\s+/);
  }
  return [];
}

/**
 * Connects, greets, upgrades to TLS when the server offers STARTTLS (implicit TLS when `secure`), and logs
 * in. A server without STARTTLS gets no password unless the channel allows plain text (a local relay).
 */
async function openSmtpSession(credentials: EmailCredentials, options: MailOptions): Promise<Connection> {
  const host = reachableHost(credentials.host, options);
  const connection = openConnection(host, credentials.port, credentials.secure ? 'on' : 'starttls');
  const secrets = secretsOf(credentials.username, credentials.password);
  try {
    const greeting = await connection.greeting(() => reply(connection));
    if (greeting.code !== 220) throw new MailError(`The server refused the connection: ${greeting.text}`);
    let capabilities = await ehlo(connection);
    if (!credentials.secure && capabilities.has('STARTTLS')) {
      await command(connection, 'STARTTLS', 2).catch((error) => {
        throw error instanceof SmtpRefusal ? new MailError(`STARTTLS failed: ${error.answer.text}`) : error;
      });
      connection.upgradeToTls();
      capabilities = await ehlo(connection);
    } else if (!credentials.secure && !credentials.smtpAllowPlaintext) {
      await connection.write('QUIT\r\n').catch(() => undefined);
      throw new MailError(
        `${connection.where} does not offer STARTTLS, so the password would be sent unencrypted: use the server's TLS port (usually 465, with "SMTP uses TLS") or its STARTTLS port (587)`,
      );
    }
    await authenticate(connection, credentials, authMechanisms(capabilities));
    return connection;
  } catch (error) {
    await connection.close();
    throw new MailError(sanitize(describe(error), secrets));
  }
}

async function authenticate(connection: Connection, credentials: EmailCredentials, mechanisms: string[]) {
  const { username, password } = credentials;
  try {
    if (mechanisms.includes('PLAIN')) {
      await command(connection, `AUTH PLAIN ${base64(`\0${username}\0${password}`)}`, 2);
    } else if (mechanisms.includes('LOGIN')) {
      await command(connection, 'AUTH LOGIN', 3);
      await command(connection, base64(username), 3);
      await command(connection, base64(password), 2);
    } else if (mechanisms.length) {
      throw new MailError(`The server offers no login method HelpStack supports (it offers ${mechanisms.join(', ')})`);
    } else {
      throw new MailError(
        `${connection.where} does not offer a login (AUTH); use the mail provider's submission port (587 or 465)`,
      );
    }
  } catch (error) {
    throw error instanceof SmtpRefusal ? new MailError(`Authentication failed: ${error.answer.text}`) : error;
  }
}

function base64(text: string): string {
  return toBase64(encoder.encode(text));
}

function describe(error: unknown): string {
  if (error instanceof MailError) return error.message;
  if (error instanceof SmtpRefusal) return `The server said: ${error.answer.text}`;
  return `Unexpected SMTP error: ${error instanceof Error ? error.message : String(error)}`;
}

async function quit(connection: Connection): Promise<void> {
  await connection.write('QUIT\r\n').catch(() => undefined);
  await connection.close();
}

async function checkSmtp(credentials: EmailCredentials, options: MailOptions): Promise<ConnectionCheck> {
  try {
    const session = await withTimeout(
      openSmtpSession(credentials, options),
      CHECK_TIMEOUT_MS,
      `${credentials.host}:${credentials.port} took too long to answer`,
    );
    await quit(session);
    return { ok: true };
  } catch (error) {
    return { ok: false, error: describe(error) };
  }
}

/** Sends one message from the account's own address; resolves when the server has accepted it. */
export async function sendEmail(
  credentials: EmailCredentials,
  mail: OutgoingMail,
  options: MailOptions = {},
): Promise<void> {
  // The address and subject come from customers' mail: a line break or bracket must not become a command.
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(mail.to))
    throw new MailError("the recipient's address is not a valid email address");
  const email = new Email({
    from: credentials.from,
    to: mail.to,
    subject: mail.subject.replace(/[\r\n]+/g, ' '),
    text: mail.text,
    attachments: mail.attachments?.length ? mail.attachments : undefined,
    headers: mailHeaders(mail.headers),
  });
  const deliver = async () => {
    const session = await openSmtpSession(credentials, options);
    const secrets = secretsOf(credentials.username, credentials.password);
    try {
      await step(session, `MAIL FROM:<${credentials.from}>`, 2, 'The server refused the sender');
      await step(session, `RCPT TO:<${mail.to}>`, 2, 'The server refused the recipient');
      await step(session, 'DATA', 3, 'The server refused the message');
      // getEmailData() ends with the "<CRLF>.<CRLF>" terminator and is already dot-stuffed.
      await session.write(email.getEmailData());
      const accepted = await reply(session);
      if (accepted.code !== 250) throw new MailError(`The server refused the message: ${accepted.text}`);
    } catch (error) {
      throw new MailError(sanitize(describe(error), secrets));
    } finally {
      await quit(session);
    }
  };
  await withTimeout(deliver(), SEND_TIMEOUT_MS, `${credentials.host}:${credentials.port} took too long to accept`);
}

/** Extra headers as worker-mailer writes them: no line breaks in a value, long ones folded at spaces. */
function mailHeaders(headers: Record<string, string> | undefined): Record<string, string> | undefined {
  if (!headers) return undefined;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!/^[A-Za-z0-9-]{1,76}$/.test(name) || /[\r\n\0]/.test(value)) {
      throw new MailError(`the ${name.slice(0, 40)} header cannot be sent`);
    }
    out[name] = value.split(' ').reduce((folded, word) => {
      const lastLine = folded.slice(folded.lastIndexOf('\n') + 1);
      if (!folded) return word;
      return lastLine.length + word.length + 1 > 900 ? `${folded}\r\n ${word}` : `${folded} ${word}`;
    }, '');
  }
  return out;
}

async function step(connection: Connection, line: string, expected: number, refused: string) {
  await command(connection, line, expected).catch((error) => {
    throw error instanceof SmtpRefusal ? new MailError(`${refused}: ${error.answer.text}`) : error;
  });
}

// ── IMAP ────────────────────────────────────────────────────────────────────

/** An IMAP quoted string (RFC 3501): backslash and double quote are escaped; line breaks cannot be sent. */
export function imapQuote(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new MailError('The IMAP username or password contains a line break');
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** Reads untagged lines until the tagged answer for `tag`. */
async function tagged(connection: Connection, tag: string): Promise<string> {
  for (;;) {
    const text = await connection.line();
    if (text.startsWith(`${tag} `)) return text.slice(tag.length + 1);
  }
}

/** The capabilities an IMAP greeting or CAPABILITY answer lists, upper case. */
export function imapCapabilities(text: string): Set<string> {
  const list = /\bCAPABILITY ([^\]]*)/i.exec(text)?.[1] ?? '';
  return new Set(list.toUpperCase().split(/\s+/).filter(Boolean));
}

async function askCapabilities(connection: Connection): Promise<Set<string>> {
  await connection.write('C1 CAPABILITY\r\n');
  const found = new Set<string>();
  for (;;) {
    const text = await connection.line();
    if (text.startsWith('* CAPABILITY ')) for (const item of imapCapabilities(text)) found.add(item);
    else if (text.startsWith('C1 ')) return found;
  }
}

async function loginImap(credentials: EmailCredentials, host: string, options: MailOptions): Promise<void> {
  const port = credentials.imapPort ?? (credentials.imapSecure === false ? 143 : 993);
  const secure = credentials.imapSecure ?? port === 993;
  const connection = openConnection(reachableHost(host, options), port, secure ? 'on' : 'starttls');
  try {
    const greeting = await connection.greeting(async () => {
      const text = await connection.line();
      if (!text.startsWith('* OK') && !text.startsWith('* PREAUTH')) throw new MailError('not IMAP');
      return text;
    });
    // Logged in: open the mailbox the poll reads, then say goodbye.
    const finish = async () => {
      await selectImapMailbox(connection, credentials);
      await connection.write('A2 LOGOUT\r\n');
      await tagged(connection, 'A2').catch(() => undefined);
    };
    if (greeting.startsWith('* PREAUTH')) {
      // Logged in without a password: nothing secret is sent, but the mail would be read unencrypted.
      if (!secure && !credentials.imapAllowPlaintext) throw new MailError(preauthInPlainText(connection.where));
      return await finish();
    }
    if (!secure) {
      const capabilities = /\[CAPABILITY /i.test(greeting)
        ? imapCapabilities(greeting)
        : await askCapabilities(connection);
      if (capabilities.has('STARTTLS')) {
        await connection.write('S1 STARTTLS\r\n');
        const answer = await tagged(connection, 'S1');
        if (!answer.startsWith('OK')) throw new MailError(`STARTTLS failed: ${answer}`);
        connection.upgradeToTls();
      } else if (!credentials.imapAllowPlaintext) {
        await connection.write('A2 LOGOUT\r\n').catch(() => undefined);
        throw new MailError(
          `${connection.where} does not offer STARTTLS, so the password would be sent unencrypted: use the server's TLS port (usually 993, with "IMAP uses TLS")`,
        );
      }
    }
    const login = `A1 LOGIN ${imapQuote(credentials.username)} ${imapQuote(credentials.password)}\r\n`;
    await connection.write(login);
    const answer = await tagged(connection, 'A1');
    if (!answer.startsWith('OK')) {
      throw new MailError(
        answer.startsWith('NO') ? `Authentication failed: ${answer}` : `The server refused the login: ${answer}`,
      );
    }
    await finish();
  } finally {
    await connection.close();
  }
}

/** Opens the mailbox the poll will read, so a missing one (or one that cannot keep the flag) shows now. */
async function selectImapMailbox(connection: Connection, credentials: EmailCredentials): Promise<void> {
  await connection.write(`A3 ${selectCommand(credentials)}\r\n`);
  const untagged: string[] = [];
  for (;;) {
    const text = await connection.line();
    if (!text.startsWith('A3 ')) {
      untagged.push(text);
      continue;
    }
    const answer = text.slice(3);
    if (!answer.startsWith('OK')) throw new MailError(selectFailure(mailboxOf(credentials), answer));
    const checked = checkSelected(credentials, untagged);
    if ('error' in checked) throw new MailError(checked.error);
    return;
  }
}

async function checkImap(credentials: EmailCredentials, host: string, options: MailOptions): Promise<ConnectionCheck> {
  const secrets = secretsOf(credentials.username, credentials.password);
  try {
    await withTimeout(loginImap(credentials, host, options), CHECK_TIMEOUT_MS, `${host} took too long to answer`);
    return { ok: true };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const hint =
      credentials.imapAllowSelfSigned && /certificate|tls|ssl/i.test(message)
        ? ' (self-signed certificates cannot be accepted from Cloudflare Workers)'
        : '';
    return { ok: false, error: sanitize(`${message}${hint}`, secrets) };
  }
}

/** Tries the SMTP login and, when an IMAP host is set, the IMAP login, side by side. */
export async function testEmailConnection(
  credentials: EmailCredentials,
  options: MailOptions = {},
): Promise<EmailConnectionReport> {
  const imapHost = credentials.imapHost;
  const [smtp, imap] = await Promise.all([
    checkSmtp(credentials, options),
    imapHost ? checkImap(credentials, imapHost, options) : undefined,
  ]);
  return imap ? { smtp, imap } : { smtp };
}
