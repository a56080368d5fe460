import { type FoldedStack, toFoldedStack } from './folded-stacks';
import type { StackPart } from './stack-cache';

/** What a sample holds where a stack could not be recorded or read. */
export const KERNEL_STACK_LOST: StackPart = { id: -2, frames: ['[kernel stack lost]'] };
export const USER_STACK_LOST: StackPart = { id: -3, frames: ['[user stack lost]'] };
const NONE = -1;

type PairMap = Map<number, Map<number, FoldedStack>>;

/**
 * A sample's whole stack — kernel part (leaf end) then user part — cleaned and folded once per pair of parts and
 * reused while both parts stay cached, so the per-interval cost of a known stack is two map lookups. Pairs live for
 * the interval they were last used in and the next one (two generations), and at most `maxEntries` per interval.
 */
export class SampleStacks {
  private current: PairMap = new Map();
  private previous: PairMap = new Map();
  private count = 0;

  constructor(private readonly maxEntries = 16_384) {}

  get size(): number {
    return this.count;
  }

  /** Call once per interval: pairs not used in the last one go. */
  beginInterval(): void {
    this.previous = this.current;
    this.current = new Map();
    this.count = 0;
  }

  /** `kernel` / `user` null: the sample has none (user mode; a kernel thread). */
  get(kernel: StackPart | null, user: StackPart | null): FoldedStack {
    const kid = kernel?.id ?? NONE;
    const uid = user?.id ?? NONE;
    const hit = this.current.get(kid)?.get(uid);
    if (hit) return hit;
    let stack = this.previous.get(kid)?.get(uid);
    if (!stack) {
      const frames = kernel && user ? kernel.frames.concat(user.frames) : ((kernel ?? user)?.frames ?? []);
      stack = toFoldedStack(frames, true);
    }
    if (this.count < this.maxEntries) {
      let byUser = this.current.get(kid);
      if (!byUser) {
        byUser = new Map();
        this.current.set(kid, byUser);
      }
      byUser.set(uid, stack);
      this.count++;
    }
    return stack;
  }
}
