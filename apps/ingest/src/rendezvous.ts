/**
 * Rendezvous (highest-random-weight) hashing: an agent goes to the gateway with the highest score
 * hash(gateway, agent). Every process that knows the same set of healthy gateways computes the same answer without
 * talking to the others, and when a gateway joins or leaves only the agents that score highest on it move (~1/n),
 * unlike `agentId % n`, which reshuffles almost every agent. Used by the check-in route and by the API
 * (Agent.ingestUrl, ingestGateways), so both always agree.
 */
export interface GatewayNode {
  id: string;
  url: string;
}

/**
 * cyrb53 (public domain): a fast 53-bit string hash with good avalanche, exact in float64 arithmetic. Not
 * cryptographic — nothing here needs it to be: agents cannot choose their id, and a skewed assignment only moves
 * load, never data.
 */
function hash53(text: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** The weight of `gatewayId` for `agentId`; exported for tests. */
export function rendezvousScore(gatewayId: string, agentId: number): number {
  return hash53(`${gatewayId}\u0000${agentId}`, 0x9e3779b9);
}

/** The gateway an agent ships to, or null when there is none. Ties (2^-53) go to the smaller id. */
export function assignGateway<T extends GatewayNode>(agentId: number, gateways: readonly T[]): T | null {
  let best: T | null = null;
  let bestScore = -1;
  for (const gateway of gateways) {
    const score = rendezvousScore(gateway.id, agentId);
    if (score > bestScore || (score === bestScore && best !== null && gateway.id < best.id)) {
      best = gateway;
      bestScore = score;
    }
  }
  return best;
}
