import * as fs from 'node:fs';
import * as path from 'node:path';

/** Decodes a quoted-printable body (soft line breaks and =XX escapes), as nodemailer writes text parts. */
function decodeQuotedPrintable(s: string): string {
  return s
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, h: string) => String.fromCharCode(Number.parseInt(h, 16)));
}

export interface ReceivedMail {
  to: string;
  subject: string;
  body: string;
}

function parse(raw: string): ReceivedMail {
  const [head = '', ...rest] = raw.split(/\r?\n\r?\n/);
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'mi').exec(head)?.[1]?.trim() ?? '';
  const body = rest.join('\n\n');
  return {
    to: header('To'),
    subject: header('Subject'),
    body: /quoted-printable/i.test(head) ? decodeQuotedPrintable(body) : body,
  };
}

/** Waits for a message to `to` whose subject contains `subject`, received by the test SMTP sink. */
export async function waitForMail(
  mailboxDir: string,
  to: string,
  subject: string,
  timeoutMs = 15_000,
): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = fs.existsSync(mailboxDir) ? fs.readdirSync(mailboxDir).sort() : [];
    for (const f of files) {
      const mail = parse(fs.readFileSync(path.join(mailboxDir, f), 'utf8'));
      if (mail.to.toLowerCase().includes(to.toLowerCase()) && mail.subject.includes(subject)) return mail;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${to} about "${subject}" within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The one-time token at the end of a link like `<web>/invite/<token>`. */
export function linkToken(mail: ReceivedMail, route: string): string {
  const m = new RegExp(`/${route}/([A-Za-z0-9_-]{43})`).exec(mail.body);
  if (!m) throw new Error(`no /${route}/ link in mail: ${mail.body}`);
  return m[1] as string;
}
