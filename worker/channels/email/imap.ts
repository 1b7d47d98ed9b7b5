// A small IMAP4rev1 client for the poll, over a Workers socket (no IMAP library runs on Workers: they need
// Node's net/tls). It logs in (implicit TLS, or STARTTLS; plain text only when the channel allows it for a
// local server), selects the channel's mailbox (INBOX unless configured, see mailbox.ts), searches by UID and
// date (and, with a flag configured, for mail not yet marked with it), fetches messages as raw bytes with
// BODY.PEEK (nothing is marked seen: IMAP literals are counted in bytes, so the reader works on bytes, not
// text), and marks imported mail with the channel's flag when it has one.
import { connect } from 'cloudflare:sockets';
import type { EmailCredentials } from '../credentials';
import { checkSelected, mailboxOf, preauthInPlainText, selectCommand, selectFailure } from './mailbox';
import {
  imapCapabilities,
  imapQuote,
  MailError,
  type MailOptions,
  reachableHost,
  reasonOf,
  sanitize,
  secretsOf,
  withTimeout,
} from './smtp';

/** Each connect and each server answer gets this long. */
const STEP_TIMEOUT_MS = 15_000;
/** A response larger than this (a body with its framing) is refused rather than buffered. */
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

const encoder = new TextEncoder();
const latin1 = new TextDecoder('latin1');

/** One untagged or tagged response: its text (literals replaced by `{n}`) and the literals' bytes, in order. */
interface Response {
  text: string;
  literals: Uint8Array[];
}

/** A byte-oriented IMAP connection. */
class ImapConnection {
  private socket: Socket;
  private reader: ReadableStreamDefaultReader<Uint8Array>;
  private writer: WritableStreamDefaultWriter<Uint8Array>;
  private buffer = new Uint8Array(0);
  private tagCounter = 0;
  readonly where: string;

  constructor(host: string, port: number, secure: boolean) {
    this.where = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    this.socket = connect(
      { hostname: host, port },
      { secureTransport: secure ? 'on' : 'starttls', allowHalfOpen: false },
    );
    this.reader = this.socket.readable.getReader();
    this.writer = this.socket.writable.getWriter();
  }

  async opened(): Promise<void> {
    await this.socket.opened;
  }

  private async fill(): Promise<void> {
    let result: ReadableStreamReadResult<Uint8Array>;
    try {
      result = await this.reader.read();
    } catch (error) {
      throw new MailError(`The connection to ${this.where} failed: ${reasonOf(error)}`);
    }
    if (result.done) throw new MailError(`${this.where} closed the connection`);
    if (this.buffer.length + result.value.length > MAX_RESPONSE_BYTES) {
      throw new MailError(`${this.where} sent a response larger than ${MAX_RESPONSE_BYTES} bytes`);
    }
    const joined = new Uint8Array(this.buffer.length + result.value.length);
    joined.set(this.buffer);
    joined.set(result.value, this.buffer.length);
    this.buffer = joined;
  }

  private take(length: number): Uint8Array {
    const out = this.buffer.slice(0, length);
    this.buffer = this.buffer.slice(length);
    return out;
  }

  /** One line without its CRLF (bytes as latin1, so byte counts and text agree). */
  private async line(): Promise<string> {
    for (;;) {
      const end = this.buffer.indexOf(0x0a);
      if (end >= 0) return latin1.decode(this.take(end + 1)).replace(/\r?\n$/, '');
      await this.fill();
    }
  }

  private async bytes(length: number): Promise<Uint8Array> {
    while (this.buffer.length < length) await this.fill();
    return this.take(length);
  }

  /** One complete response: a line, and every literal `{n}` it announces with the line parts that follow. */
  async response(): Promise<Response> {
    const read = async () => {
      let text = await this.line();
      const literals: Uint8Array[] = [];
      for (;;) {
        const literal = /\{(\d{1,10})\}$/.exec(text);
        if (!literal) return { text, literals };
        const size = Number(literal[1]);
        if (size > MAX_RESPONSE_BYTES) throw new MailError(`${this.where} announced a ${size}-byte literal`);
        literals.push(await this.bytes(size));
        text += await this.line();
      }
    };
    return withTimeout(
      read(),
      STEP_TIMEOUT_MS,
      `${this.where} did not answer within ${STEP_TIMEOUT_MS / 1000} seconds`,
    );
  }

  async write(text: string): Promise<void> {
    try {
      await this.writer.write(encoder.encode(text));
    } catch (error) {
      throw new MailError(`The connection to ${this.where} failed: ${reasonOf(error)}`);
    }
  }

  /** Sends a command and collects the untagged responses until its tagged answer; a NO/BAD throws. */
  async command(
    line: string,
    describeFailure = (answer: string) => `The server refused ${line.split(' ')[0]}: ${answer}`,
  ) {
    const tag = `H${++this.tagCounter}`;
    await this.write(`${tag} ${line}\r\n`);
    const untagged: Response[] = [];
    for (;;) {
      const response = await this.response();
      if (response.text.startsWith(`${tag} `)) {
        const answer = response.text.slice(tag.length + 1);
        if (!/^OK\b/i.test(answer)) throw new MailError(describeFailure(answer));
        return { untagged, answer };
      }
      untagged.push(response);
    }
  }

  upgradeToTls(): void {
    this.reader.releaseLock();
    this.writer.releaseLock();
    this.socket = this.socket.startTls();
    this.reader = this.socket.readable.getReader();
    this.writer = this.socket.writable.getWriter();
    this.buffer = new Uint8Array(0);
  }

  async close(): Promise<void> {
    await this.socket.close().catch(() => undefined);
  }
}

/** The port and transport of a channel's IMAP server (993 with TLS unless configured otherwise). */
function imapEndpoint(credentials: EmailCredentials): { port: number; secure: boolean } {
  const port = credentials.imapPort ?? (credentials.imapSecure === false ? 143 : 993);
  return { port, secure: credentials.imapSecure ?? port === 993 };
}

export interface FetchedMessage {
  uid: number;
  size: number;
  internalDate: Date | null;
  raw?: Uint8Array;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A date as IMAP SEARCH takes it: "1-Dec-2026". */
export function searchDate(date: Date): string {
  return `${date.getUTCDate()}-${MONTHS[date.getUTCMonth()]}-${date.getUTCFullYear()}`;
}

/** INTERNALDATE "01-Dec-2026 09:15:00 +0000". */
function parseInternalDate(text: string): Date | null {
  const match = /^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!match) return null;
  const month = MONTHS.findIndex((m) => m.toLowerCase() === match[2]!.toLowerCase());
  if (month < 0) return null;
  const offset = (Number(match[8]) * 60 + Number(match[9])) * (match[7] === '-' ? -1 : 1);
  const utc = Date.UTC(Number(match[3]), month, Number(match[1]), Number(match[4]), Number(match[5]), Number(match[6]));
  return new Date(utc - offset * 60_000);
}

function fetchedOf(response: Response): FetchedMessage | null {
  if (!/^\* \d+ FETCH \(/i.test(response.text)) return null;
  const uid = /\bUID (\d+)/i.exec(response.text);
  if (!uid) return null;
  const size = /\bRFC822\.SIZE (\d+)/i.exec(response.text);
  const date = /\bINTERNALDATE "([^"]+)"/i.exec(response.text);
  const body = /\bBODY\[\] \{\d+\}/i.test(response.text) ? response.literals[0] : undefined;
  return {
    uid: Number(uid[1]),
    size: size ? Number(size[1]) : (body?.length ?? 0),
    internalDate: date ? parseInternalDate(date[1]!) : null,
    raw: body,
  };
}

/** A logged-in session with the channel's mailbox selected. */
export interface ImapSession {
  uidValidity: number;
  /**
   * UIDs above `afterUid` of mail that arrived on or after `since` (the server's day granularity), less the
   * mail already marked with the channel's flag.
   */
  search(afterUid: number, since: Date): Promise<number[]>;
  /** Size and arrival date of the given UIDs, without their bodies. */
  describe(uids: number[]): Promise<FetchedMessage[]>;
  /** One message's raw bytes (BODY.PEEK: it stays unread for the mailbox's other clients). */
  fetch(uid: number): Promise<FetchedMessage | null>;
  /** Marks a handled message with the channel's flag (nothing without one). */
  markImported(uid: number): Promise<void>;
  logout(): Promise<void>;
}

/**
 * Connects, logs in and selects the channel's mailbox. Failures throw a MailError fit to show an admin (never with the
 * password in it).
 */
export async function openImapSession(credentials: EmailCredentials, options: MailOptions = {}): Promise<ImapSession> {
  if (!credentials.imapHost) throw new MailError('The channel has no IMAP server');
  const { port, secure } = imapEndpoint(credentials);
  const connection = new ImapConnection(reachableHost(credentials.imapHost, options), port, secure);
  const secrets = secretsOf(credentials.username, credentials.password);
  try {
    let greeting: Response;
    try {
      greeting = await withTimeout(
        (async () => {
          await connection.opened();
          return connection.response();
        })(),
        STEP_TIMEOUT_MS,
        'no answer',
      );
    } catch {
      throw new MailError(`Could not connect to ${connection.where}`);
    }
    if (!greeting.text.startsWith('* OK') && !greeting.text.startsWith('* PREAUTH')) {
      throw new MailError(`${connection.where} does not answer like an IMAP server`);
    }
    if (greeting.text.startsWith('* PREAUTH')) {
      if (!secure && !credentials.imapAllowPlaintext) throw new MailError(preauthInPlainText(connection.where));
    } else {
      if (!secure) {
        const capabilities = /\[CAPABILITY /i.test(greeting.text)
          ? imapCapabilities(greeting.text)
          : imapCapabilities(
              (await connection.command('CAPABILITY')).untagged.map((r) => r.text).find((t) => /CAPABILITY/i.test(t)) ??
                '',
            );
        if (capabilities.has('STARTTLS')) {
          await connection.command('STARTTLS', (answer) => `STARTTLS failed: ${answer}`);
          connection.upgradeToTls();
        } else if (!credentials.imapAllowPlaintext) {
          throw new MailError(
            `${connection.where} does not offer STARTTLS, so the password would be sent unencrypted: use the server's TLS port (usually 993, with "IMAP uses TLS")`,
          );
        }
      }
      await connection.command(
        `LOGIN ${imapQuote(credentials.username)} ${imapQuote(credentials.password)}`,
        (answer) =>
          /^NO\b/i.test(answer) ? `Authentication failed: ${answer}` : `The server refused the login: ${answer}`,
      );
    }
    const mailbox = mailboxOf(credentials);
    const selected = await connection.command(selectCommand(credentials), (answer) => selectFailure(mailbox, answer));
    const checked = checkSelected(
      credentials,
      selected.untagged.map((r) => r.text),
    );
    if ('error' in checked) throw new MailError(checked.error);
    return sessionOf(connection, checked.uidValidity, credentials.imapFlag ?? null, secrets);
  } catch (error) {
    await connection.close();
    throw new MailError(sanitize(error instanceof Error ? error.message : String(error), secrets));
  }
}

function sessionOf(
  connection: ImapConnection,
  uidValidity: number,
  flag: string | null,
  secrets: string[],
): ImapSession {
  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (error) {
      throw new MailError(sanitize(error instanceof Error ? error.message : String(error), secrets));
    }
  };
  return {
    uidValidity,
    search: (afterUid, since) =>
      guarded(async () => {
        const unmarked = flag ? ` UNKEYWORD ${flag}` : '';
        const { untagged } = await connection.command(
          `UID SEARCH UID ${afterUid + 1}:* SINCE ${searchDate(since)}${unmarked}`,
        );
        const uids = untagged
          .filter((r) => /^\* SEARCH\b/i.test(r.text))
          .flatMap((r) => r.text.slice(8).trim().split(/\s+/).filter(Boolean).map(Number));
        // "n:*" always includes the highest UID, even when it is below n (RFC 3501): keep only new ones.
        return [...new Set(uids)].filter((uid) => Number.isInteger(uid) && uid > afterUid).sort((a, b) => a - b);
      }),
    describe: (uids) =>
      guarded(async () => {
        if (!uids.length) return [];
        const { untagged } = await connection.command(`UID FETCH ${uids.join(',')} (UID RFC822.SIZE INTERNALDATE)`);
        return untagged.map(fetchedOf).filter((m): m is FetchedMessage => m !== null);
      }),
    fetch: (uid) =>
      guarded(async () => {
        const { untagged } = await connection.command(`UID FETCH ${uid} (UID RFC822.SIZE INTERNALDATE BODY.PEEK[])`);
        return untagged.map(fetchedOf).find((m) => m?.uid === uid && m.raw) ?? null;
      }),
    markImported: (uid) =>
      guarded(async () => {
        if (flag) await connection.command(`UID STORE ${uid} +FLAGS.SILENT (${flag})`);
      }),
    async logout() {
      await connection.command('LOGOUT').catch(() => undefined);
      await connection.close();
    },
  };
}
