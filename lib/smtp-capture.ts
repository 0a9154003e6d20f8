import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** One message as the SMTP server received it: the envelope plus the parsed MIME message. */
export interface CapturedMail {
  /** Envelope sender and recipients (what the relay would route on). */
  envelopeFrom: string;
  envelopeTo: string[];
  subject: string;
  text: string;
  html: string;
  /** A header's value as sent (unfolded), e.g. header('list-unsubscribe'). */
  header(name: string): string | undefined;
  parsed: ParsedMail;
  raw: Buffer;
  receivedAt: Date;
}

export interface SmtpCapture {
  /** smtp://127.0.0.1:<port>, ready for nodemailer.createTransport or SMTP_URL. */
  readonly url: string;
  readonly port: number;
  /** Every message received since start (or the last clear()). */
  readonly messages: readonly CapturedMail[];
  /** Resolves with the first message (already received or arriving later) matching `match`. */
  waitFor(match: (mail: CapturedMail) => boolean, timeoutMs?: number): Promise<CapturedMail>;
  clear(): void;
  stop(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** 0 (default) lets the OS pick a free port. */
  port?: number;
  /** When set, each message is also written there as a .eml file (dev runs: .data/mail/). */
  mailDir?: string;
}

/**
 * An SMTP server in this process that accepts every message without authentication or TLS
 * and keeps it, so tests assert on real SMTP deliveries and developers can read what the
 * playbooks sent. Never for production: it relays nothing.
 */
export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: CapturedMail[] = [];
  const waiters = new Set<{ match: (m: CapturedMail) => boolean; resolve: (m: CapturedMail) => void }>();
  if (options.mailDir) await mkdir(options.mailDir, { recursive: true });
  let sequence = 0;

  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    logger: false,
    size: 25 * 1024 * 1024,
    onAuth(_auth, _session, callback) {
      callback(null, { user: 'capture' });
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', callback);
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw)
          .then(async (parsed) => {
            const mail = toCapturedMail(raw, parsed, session.envelope);
            if (options.mailDir) await writeFile(join(options.mailDir, emlName(mail, ++sequence)), raw);
            messages.push(mail);
            for (const waiter of waiters) {
              if (waiter.match(mail)) {
                waiters.delete(waiter);
                waiter.resolve(mail);
              }
            }
            callback();
          })
          .catch((err: Error) => callback(err));
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    messages,
    waitFor(match, timeoutMs = 15_000) {
      const already = messages.find(match);
      if (already) return Promise.resolve(already);
      return new Promise((resolve, reject) => {
        const waiter = {
          match,
          resolve: (m: CapturedMail) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen =
            messages.map((m) => `"${m.subject}" to ${m.envelopeTo.join(', ')}`).join('; ') || 'none';
          reject(new Error(`no matching email within ${timeoutMs}ms (received: ${seen})`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    clear() {
      messages.length = 0;
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function toCapturedMail(
  raw: Buffer,
  parsed: ParsedMail,
  envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] },
): CapturedMail {
  const headerLines = parsed.headerLines ?? [];
  return {
    envelopeFrom: envelope.mailFrom ? envelope.mailFrom.address : '',
    envelopeTo: envelope.rcptTo.map((r) => r.address),
    subject: parsed.subject ?? '',
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : '',
    header(name) {
      const line = headerLines.find((h) => h.key === name.toLowerCase());
      return line?.line
        .slice(line.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim();
    },
    parsed,
    raw,
    receivedAt: new Date(),
  };
}

function emlName(mail: CapturedMail, sequence: number): string {
  const stamp = mail.receivedAt.toISOString().replace(/[:.]/g, '-');
  const slug =
    mail.subject
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 50) || 'no-subject';
  return `${stamp}-${String(sequence).padStart(4, '0')}-${slug}.eml`;
}
