// snappyjs ships no types; these are the two functions of its README.
declare module 'snappyjs' {
  /** Throws when the block announces more than maxLength bytes, before allocating them. */
  export function uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T;
  export function compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T;
  const snappy: { uncompress: typeof uncompress; compress: typeof compress };
  export default snappy;
}
