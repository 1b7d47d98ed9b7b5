// Vitest globalSetup (runs in Node): a fake SMTP server, a fake IMAP server and a closed port for the worker
// tests, with the SMTP server's received mail readable over a tiny HTTP endpoint. Two more plain-text servers
// (SMTP and IMAP, neither offering STARTTLS) record every command line they get, so a test can prove that no
// password was sent to them.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server, type Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { TestProject } from 'vitest/node';
import { MAIL_ACCOUNT, type ReceivedMail } from './smtp-account';

declare module 'vitest' {
  export interface ProvidedContext {
    smtpPort: number;
    imapPort: number;
    mailboxUrl: string;
    closedPort: number;
    droppingPort: number;
    recordingSmtpPort: number;
    recordingImapPort: number;
  }
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

/** Just enough IMAP4rev1 for a connection test: greeting, CAPABILITY, LOGIN, LOGOUT. */
function startImap(sockets: Set<Socket>, log?: string[]): Server {
  return createTcpServer((socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setEncoding('utf8');
    socket.write('* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Fake IMAP ready\r\n');
    let buffer = '';
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      let end = buffer.indexOf('\r\n');
      while (end >= 0) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        log?.push(line);
        const [tag = '*', command = '', ...rest] = line.split(' ');
        const args = rest.join(' ');
        switch (command.toUpperCase()) {
          case 'CAPABILITY':
            socket.write(`* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n${tag} OK CAPABILITY completed\r\n`);
            break;
          case 'LOGIN': {
            const user = imapString(args);
            const pass = user && imapString(user[1]);
            const valid = pass && user[0] === MAIL_ACCOUNT.username && pass[0] === MAIL_ACCOUNT.password;
            socket.write(
              valid ? `${tag} OK LOGIN completed\r\n` : `${tag} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n`,
            );
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
  const imap = startImap(imapSockets);
  const imapPort = await listen(imap);
  const recorded = { smtp: [] as string[], imap: [] as string[] };
  const recordingSmtp = startRecordingSmtp(imapSockets, recorded.smtp);
  const recordingSmtpPort = await listen(recordingSmtp);
  const recordingImap = startImap(imapSockets, recorded.imap);
  const recordingImapPort = await listen(recordingImap);
  const mailbox = createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
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

  return async () => {
    for (const socket of imapSockets) socket.destroy();
    await Promise.all([
      close(smtp),
      close(imap),
      close(mailbox),
      close(dropping),
      close(recordingSmtp),
      close(recordingImap),
    ]);
  };
}
