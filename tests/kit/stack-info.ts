/** What the system-test global setup started, handed to test files through vitest's provide/inject. */
export interface StackInfo {
  apiUrl: string;
  ingestUrl: string;
  webUrl: string;
  stateDir: string;
  databaseUrl: string;
  demo: { email: string; password: string; tenant: string };
  agentCapturing: boolean;
  agentProblems: string[];
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackInfo;
  }
}
