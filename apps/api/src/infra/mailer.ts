import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BathyscopeConfig } from '@bathyscope/config';
import nodemailer, { type Transporter } from 'nodemailer';

export interface Mail {
  to: string;
  subject: string;
  text: string;
}

/**
 * Outgoing mail. With SMTP_URL it speaks SMTP to that server; without it (a fresh local install) messages are
 * written as .eml files to `<state>/outbox/` so links still reach the person running the product.
 */
export class Mailer {
  private readonly transport: Transporter;
  private readonly from: string;
  readonly mode: 'smtp' | 'outbox';

  constructor(config: Pick<BathyscopeConfig, 'stateDir'>, env: NodeJS.ProcessEnv = process.env) {
    this.from = env.MAIL_FROM || 'Bathyscope <no-reply@bathyscope.local>';
    if (env.SMTP_URL) {
      this.transport = nodemailer.createTransport(env.SMTP_URL);
      this.mode = 'smtp';
    } else {
      this.transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
      this.mode = 'outbox';
      this.outbox = path.join(config.stateDir, 'outbox');
    }
  }

  private outbox: string | undefined;

  async send(mail: Mail): Promise<void> {
    const info = await this.transport.sendMail({ from: this.from, ...mail });
    if (this.outbox) {
      fs.mkdirSync(this.outbox, { recursive: true });
      const file = path.join(this.outbox, `${Date.now()}-${mail.to.replace(/[^a-z0-9@.-]/gi, '_')}.eml`);
      fs.writeFileSync(file, (info as unknown as { message: Buffer }).message);
      console.log(`mail: no SMTP_URL configured; "${mail.subject}" to ${mail.to} saved to ${file}`);
    }
  }
}
