/** What the system-test global setup started, handed to test files through vitest's provide/inject. */
export interface StackInfo {
  apiUrl: string;
  ingestUrl: string;
  /** The gateway's HTTP/2 cleartext (h2c, prior knowledge) listener. */
  ingestH2Url: string;
  webUrl: string;
  stateDir: string;
  databaseUrl: string;
  demo: { email: string; password: string; tenant: string };
  agentCapturing: boolean;
  agentProblems: string[];
  /** Where the test SMTP server stores the mail the product sends (one .eml per message). */
  mailboxDir: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}
